/**
 * Runs a subscription document once per event, each run with a context of its own. A context's
 * DataLoaders keep what they read, so one context kept across events (as graphql's `subscribe`
 * does) would answer a later event's relations (a cluster's replicas, tasks …) from the first
 * event's reads.
 */
import { createSourceEventStream, execute } from 'graphql';
import type { ExecutionArgs, ExecutionResult } from 'graphql';

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * The stream of results, or the single result (errors) that refused the subscription.
 * `onExecution` is told of every execution, so sharing can be measured.
 */
export async function executePerEvent(args: ExecutionArgs, newContext: () => unknown, onExecution: () => void): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const events = stream[Symbol.asyncIterator]();
  const results: AsyncIterableIterator<ExecutionResult> = {
    next: async () => {
      const event = await events.next();
      if (event.done) return DONE;
      onExecution();
      return { value: await execute({ ...args, rootValue: event.value, contextValue: newContext() }), done: false };
    },
    return: async () => {
      await events.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]: () => results,
  };
  return results;
}
