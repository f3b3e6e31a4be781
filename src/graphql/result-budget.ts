/**
 * A cap on the list items one execution may produce. The cost estimate assumes a few items per
 * nested list; real data can hold thousands (replicas, tasks), so a short query nesting lists could
 * otherwise build gigabytes of answer. Counted as lists resolve; once spent, further list fields
 * fail at once without resolving.
 */
import { defaultFieldResolver, getNullableType, GraphQLError, isListType, isObjectType } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { GRAPHQL_CODES } from '../protocol.js';
import type { GraphQLContext } from './context.js';

/** 1,000 clusters with 2 replicas, 5 tasks, pods, services and deployments each is about 15,000. */
export const MAX_RESULT_ITEMS = 100_000;

export class ResultBudget {
  private used = 0;

  get exhausted(): boolean {
    return this.used > MAX_RESULT_ITEMS;
  }

  spend(items: number): void {
    this.used += items;
    if (this.exhausted) throw overBudget();
  }
}

function overBudget(): GraphQLError {
  return new GraphQLError(`the answer would hold more than ${MAX_RESULT_ITEMS} list items; ask for fewer items per page or fewer nested lists`, {
    extensions: { code: GRAPHQL_CODES.queryTooComplex, limit: MAX_RESULT_ITEMS },
  });
}

/** Each subscription event is its own execution with its own root value; queries share the request's budget. */
const perEvent = new WeakMap<object, ResultBudget>();

function budgetFor(context: GraphQLContext, rootValue: unknown): ResultBudget {
  if (typeof rootValue !== 'object' || rootValue === null) return context.budget;
  let budget = perEvent.get(rootValue);
  if (!budget) perEvent.set(rootValue, (budget = new ResultBudget()));
  return budget;
}

function counted(budget: ResultBudget, result: unknown): unknown {
  if (Array.isArray(result)) budget.spend(result.length);
  return result;
}

/**
 * Wraps the resolver of every list-typed field (only those: a wrapper on every field costs the
 * dashboard query two thirds of its speed) so each list spends its length from the budget.
 */
export function limitListResults(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isListType(getNullableType(field.type))) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: GraphQLContext, info) => {
        const budget = budgetFor(context, info.rootValue);
        if (budget.exhausted) throw overBudget();
        const result: unknown = resolve(source, args, context, info);
        return result instanceof Promise ? result.then((r: unknown) => counted(budget, r)) : counted(budget, result);
      };
    }
  }
  return schema;
}
