/** The work queue's promises, which every controller relies on (client-go's workqueue semantics). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, WorkQueue } from '../../controllers/work-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a key added many times while it waits is handed out once', async () => {
  const q = new WorkQueue();
  q.add('ns/a');
  q.add('ns/a');
  q.add('ns/b');
  q.add('ns/a');
  assert.equal(q.depth, 2);
  assert.equal(await q.take(), 'ns/a');
  assert.equal(await q.take(), 'ns/b');
  assert.equal(q.depth, 0);
  q.shutdown();
});

test('a key being processed is not handed to a second worker, and runs again once done if it was added meanwhile', async () => {
  const q = new WorkQueue();
  q.add('ns/a');
  assert.equal(await q.take(), 'ns/a');
  q.add('ns/a');
  assert.equal(q.depth, 0, 'the key waits for its worker, not in the queue');
  let second: string | undefined;
  const taking = q.take().then((k) => (second = k));
  await sleep(5);
  assert.equal(second, undefined);
  q.done('ns/a');
  await taking;
  assert.equal(second, 'ns/a');
  q.shutdown();
});

test('a key that was not added again while processed does not come back', async () => {
  const q = new WorkQueue();
  q.add('ns/a');
  await q.take();
  q.done('ns/a');
  assert.equal(q.depth, 0);
  q.shutdown();
});

test('a waiting worker receives a key as soon as it is added', async () => {
  const q = new WorkQueue();
  const taking = q.take();
  q.add('ns/late');
  assert.equal(await taking, 'ns/late');
  q.shutdown();
});

test('failures back off exponentially per key up to the maximum, and success forgets them', () => {
  const q = new WorkQueue();
  const delays = Array.from({ length: 4 }, () => q.addRateLimited('ns/a'));
  assert.deepEqual(delays, [BACKOFF_BASE_MS, 2 * BACKOFF_BASE_MS, 4 * BACKOFF_BASE_MS, 8 * BACKOFF_BASE_MS]);
  assert.equal(q.addRateLimited('ns/b'), BACKOFF_BASE_MS, 'another key has its own backoff');
  for (let i = 0; i < 30; i++) q.addRateLimited('ns/c');
  assert.equal(q.addRateLimited('ns/c'), BACKOFF_MAX_MS);
  q.forget('ns/a');
  assert.equal(q.addRateLimited('ns/a'), BACKOFF_BASE_MS);
  q.shutdown();
});

test('a key added after a delay waits for it', async () => {
  const q = new WorkQueue();
  q.addAfter('ns/a', 40);
  assert.equal(q.depth, 0);
  await sleep(10);
  assert.equal(q.depth, 0);
  const started = Date.now();
  assert.equal(await q.take(), 'ns/a');
  assert.ok(Date.now() - started >= 20);
  q.shutdown();
});

test('a second delayed add of the same key replaces the first', async () => {
  const q = new WorkQueue();
  q.addAfter('ns/a', 10);
  q.addAfter('ns/a', 60);
  await sleep(30);
  assert.equal(q.depth, 0);
  await sleep(60);
  assert.equal(q.depth, 1);
  q.shutdown();
});

test('shutting down releases waiting workers and ignores later adds', async () => {
  const q = new WorkQueue();
  const taking = q.take();
  q.addAfter('ns/delayed', 10);
  q.shutdown();
  assert.equal(await taking, undefined);
  q.add('ns/a');
  await sleep(20);
  assert.equal(q.depth, 0);
  assert.equal(await q.take(), undefined);
});
