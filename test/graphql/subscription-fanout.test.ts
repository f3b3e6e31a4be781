import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExecutionResult } from 'graphql';
import { MEMBER_QUEUE_LIMIT, SubscriberTooSlow, SubscriptionFanout } from '../../src/graphql/subscription-fanout.js';

/** A source the test pushes results into, recording whether it was closed. */
function source(): { iterator: AsyncIterator<ExecutionResult>; push(r: ExecutionResult): void; closed: () => boolean } {
  const queue: ExecutionResult[] = [];
  let wake: ((r: IteratorResult<ExecutionResult>) => void) | undefined;
  let closed = false;
  return {
    closed: () => closed,
    push(r) {
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value: r, done: false });
      } else queue.push(r);
    },
    iterator: {
      next: () => {
        const value = queue.shift();
        if (value) return Promise.resolve({ value, done: false });
        return new Promise((resolve) => (wake = resolve));
      },
      return: () => {
        closed = true;
        wake?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('subscription fan-out', () => {
  test('identical subscriptions start the source once and receive the same result object', async () => {
    const fanout = new SubscriptionFanout();
    const src = source();
    let starts = 0;
    const start = async () => {
      starts++;
      return src.iterator;
    };
    const a = (await fanout.subscribe('k', start)) as AsyncIterableIterator<ExecutionResult>;
    const b = (await fanout.subscribe('k', start)) as AsyncIterableIterator<ExecutionResult>;
    const result: ExecutionResult = { data: { x: 1 } };
    src.push(result);
    assert.equal((await a.next()).value, result);
    assert.equal((await b.next()).value, result);
    assert.equal(starts, 1);
  });

  test('different keys get different sources', async () => {
    const fanout = new SubscriptionFanout();
    await fanout.subscribe('a', async () => source().iterator);
    await fanout.subscribe('b', async () => source().iterator);
    assert.equal(fanout.groupCount, 2);
  });

  test('the source is closed when the last member leaves', async () => {
    const fanout = new SubscriptionFanout();
    const src = source();
    const a = (await fanout.subscribe('k', async () => src.iterator)) as AsyncIterableIterator<ExecutionResult>;
    const b = (await fanout.subscribe('k', async () => src.iterator)) as AsyncIterableIterator<ExecutionResult>;
    await a.return?.();
    assert.equal(src.closed(), false);
    await b.return?.();
    assert.equal(src.closed(), true);
    assert.equal(fanout.groupCount, 0);
  });

  test('a member that stops reading is ended at its queue limit with SubscriberTooSlow while the others go on', async () => {
    const fanout = new SubscriptionFanout();
    const src = source();
    const slow = (await fanout.subscribe('k', async () => src.iterator)) as AsyncIterableIterator<ExecutionResult>;
    const fast = (await fanout.subscribe('k', async () => src.iterator)) as AsyncIterableIterator<ExecutionResult>;
    for (let i = 0; i <= MEMBER_QUEUE_LIMIT; i++) {
      src.push({ data: { i } });
      await tick();
      assert.deepEqual((await fast.next()).value, { data: { i } });
    }
    await assert.rejects(slow.next(), SubscriberTooSlow, 'an ended member keeps nothing and says why');
    src.push({ data: { after: true } });
    assert.deepEqual((await fast.next()).value, { data: { after: true } });
  });

  test('a start that answers an error result forms no group', async () => {
    const fanout = new SubscriptionFanout();
    const error: ExecutionResult = { errors: [] };
    assert.equal(await fanout.subscribe('k', async () => error), error);
    assert.equal(fanout.groupCount, 0);
  });
});
