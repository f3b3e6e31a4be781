/**
 * One subscription's stream of changes: replay from the change log when the client resumes, then
 * live events from the event hub, filtered by what the caller may see. A resume point that is too
 * old, or a client so slow that its buffer overflowed, gets a RESYNC change: re-read with a query.
 */
import { CompiledFilter } from '../kube/event-hub.js';
import type { EventFilter, KubeEvent, Subscription } from '../kube/event-hub.js';
import { LabelSelectorError } from '../kube/label-selector.js';
import type { Caller } from '../domain/context.js';
import { invalid } from '../domain/errors.js';
import type { GraphQLContext } from './context.js';

export type ChangeKind = KubeEvent['type'] | 'RESYNC';

export interface Change {
  type: ChangeKind;
  event: KubeEvent | undefined;
}

export interface StreamOptions {
  filter: EventFilter & { kind: string };
  since?: string | undefined;
}

function visible(caller: Caller, event: KubeEvent): boolean {
  return caller.canAccess(event.object.metadata.namespace ?? '');
}

/**
 * A generator whose return() takes effect at once: a generator waiting on a read only handles
 * return() at its next yield, so an idle subscription whose client left would hold its hub watch
 * until another event came. `interrupt` ends the read it waits on.
 */
export function interruptible<T>(generator: AsyncGenerator<T>, interrupt: () => void): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => generator.next(),
    return: async () => {
      interrupt();
      return generator.return(undefined);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

export function changeStream(ctx: GraphQLContext, options: StreamOptions): AsyncIterableIterator<Change> {
  let compiled: CompiledFilter;
  try {
    compiled = new CompiledFilter(options.filter);
  } catch (error) {
    if (error instanceof LabelSelectorError) throw invalid('selector', error.message);
    throw error;
  }
  // Subscribed before replaying so nothing falls between the replay and the live stream.
  const subscription = ctx.hub.subscribe(options.filter);
  return interruptible(changes(ctx, options, compiled, subscription), () => subscription.close());
}

async function* changes(ctx: GraphQLContext, options: StreamOptions, compiled: CompiledFilter, subscription: Subscription): AsyncGenerator<Change> {
  try {
    const replayed = new Set<string>();
    if (options.since) {
      const missed = ctx.changes.after(options.filter.kind, options.since);
      if (missed === undefined) yield { type: 'RESYNC', event: undefined };
      else {
        for (const event of missed) {
          const seen = compiled.apply(event);
          if (!seen || !visible(ctx.caller, seen)) continue;
          replayed.add(String(seen.object.metadata.resourceVersion));
          yield { type: seen.type, event: seen };
        }
      }
    }
    for await (const event of subscription) {
      if (!visible(ctx.caller, event)) continue;
      if (replayed.size > 0 && replayed.has(String(event.object.metadata.resourceVersion))) continue;
      yield { type: event.type, event };
    }
    if (subscription.closedReason === 'overflow') yield { type: 'RESYNC', event: undefined };
  } finally {
    subscription.close();
  }
}
