/**
 * Limits on what one GraphQL request may ask for: nesting depth, estimated cost and body size.
 * The cost model counts each field once, multiplies a connection by its page size and a nested
 * list by an expected fan-out; the limit admits the dashboard's 1,000-cluster page with replicas
 * and tasks, and the equivalent of pgo's show-all over 1,000 clusters, and refuses queries many
 * times that size.
 */
import depthLimit from 'graphql-depth-limit';
import { GraphQLError } from 'graphql';
import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { GRAPHQL_CODES } from '../protocol.js';

export const MAX_QUERY_DEPTH = 10;
export const MAX_QUERY_COMPLEXITY = 500_000;
export const MAX_BODY_BYTES = 1024 * 1024;
/** Assumed items of a nested list (a cluster's replicas, tasks, pods …) when estimating cost. */
export const LIST_FANOUT = 5;
/** Page size assumed for a connection queried without `first`. */
export const DEFAULT_CONNECTION_SIZE = 100;

const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (field.args.some((a) => a.name === 'first')) {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_CONNECTION_SIZE;
    return 1 + childComplexity * Math.max(first, 1);
  }
  if (String(field.type).startsWith('[')) return 1 + childComplexity * LIST_FANOUT;
  return undefined;
};

/** graphql-depth-limit's rule, with its errors given our extensions.code. */
export function depthRule(): ValidationRule {
  const rule = depthLimit(MAX_QUERY_DEPTH);
  return (context) => {
    // A view of the shared context whose reportError re-codes this rule's errors only.
    const view = Object.create(context, {
      reportError: { value: (error: GraphQLError) => context.reportError(new GraphQLError(error.message, { nodes: error.nodes ?? null, extensions: { code: GRAPHQL_CODES.queryTooDeep, limit: MAX_QUERY_DEPTH } })) },
    }) as typeof context;
    return rule(view);
  };
}

/** Answers the error for a query over the cost limit, or undefined. */
export function complexityError(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): GraphQLError | undefined {
  const options: Parameters<typeof getComplexity>[0] = { schema, query: document, variables: variables ?? {}, estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })] };
  if (operationName) options.operationName = operationName;
  const cost = getComplexity(options);
  if (cost <= MAX_QUERY_COMPLEXITY) return undefined;
  return new GraphQLError(`query is too complex: estimated cost ${cost} exceeds ${MAX_QUERY_COMPLEXITY}; ask for fewer items per page or fewer nested lists`, {
    extensions: { code: GRAPHQL_CODES.queryTooComplex, cost, limit: MAX_QUERY_COMPLEXITY },
  });
}
