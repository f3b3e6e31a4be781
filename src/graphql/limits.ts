/**
 * Limits on what one GraphQL request may ask for: nesting depth, estimated cost and body size.
 * The cost model counts each field once, multiplies a connection by its page size and a nested
 * list by an expected fan-out; the limit admits the dashboard's 1,000-cluster page with replicas
 * and tasks, and the equivalent of pgo's show-all over 1,000 clusters, and refuses queries many
 * times that size.
 */
import depthLimit from 'graphql-depth-limit';
import { GraphQLError, Kind } from 'graphql';
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
    try {
      return rule(view);
    } catch (error) {
      // The library walks fragments eagerly and recursively: an unknown fragment (a TypeError) or a
      // cycle (a RangeError) is reported by graphql's own rules; only runaway nesting needs an error here.
      if (error instanceof RangeError) context.reportError(new GraphQLError(`query is nested too deeply to measure; the limit is ${MAX_QUERY_DEPTH}`, { extensions: { code: GRAPHQL_CODES.queryTooDeep, limit: MAX_QUERY_DEPTH } }));
      else if (!(error instanceof TypeError)) throw error;
      return {};
    }
  };
}

/** Answers the error for a query over the cost limit, or undefined. */
export function complexityError(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): GraphQLError | undefined {
  const options: Parameters<typeof getComplexity>[0] = { schema, query: document, variables: variables ?? {}, estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })] };
  if (operationName) {
    // The library assumes the named operation exists; execution answers the unknown name itself.
    if (!document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === operationName)) return undefined;
    options.operationName = operationName;
  }
  let cost: number;
  try {
    cost = getComplexity(options);
  } catch (error) {
    // Variables that do not fit their types: execution refuses them before any resolver runs.
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
  if (cost <= MAX_QUERY_COMPLEXITY) return undefined;
  return new GraphQLError(`query is too complex: estimated cost ${cost} exceeds ${MAX_QUERY_COMPLEXITY}; ask for fewer items per page or fewer nested lists`, {
    extensions: { code: GRAPHQL_CODES.queryTooComplex, cost, limit: MAX_QUERY_COMPLEXITY },
  });
}
