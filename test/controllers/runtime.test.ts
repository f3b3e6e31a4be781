/**
 * The controller runtime over the real event hub: which events reach a controller's queue, how a
 * failing reconcile is retried, requeue-after, the periodic resync, a graceful stop, and the
 * metrics it reports. The controllers here are small recorders of what the runtime asks of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControllerRunner, ownedBy } from '../../controllers/runtime.js';
import type { Controller, ReconcileResult, Watch } from '../../controllers/runtime.js';
import { EventHub } from '../../src/kube/event-hub.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { untilTrue } from '../support/until.js';

class Recorder implements Controller {
  readonly name = 'recorder';
  readonly kind = 'Pgcluster';
  readonly calls: string[] = [];
  keys: string[] = [];
  behaviour: (key: string, call: number) => Promise<ReconcileResult | void> = async () => undefined;

  constructor(readonly watches: readonly Watch[] = []) {}

  allKeys(): string[] {
    return this.keys;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    this.calls.push(key);
    return this.behaviour(key, this.calls.filter((k) => k === key).length);
  }
}

function object(kind: string, name: string, owner?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind,
    metadata: { name, namespace: 'pgouser1', resourceVersion: '1', ...(owner ? { ownerReferences: [{ apiVersion: 'crunchydata.com/v1', kind: 'Pgcluster', name: owner, uid: 'u', controller: true }] } : {}) },
  };
}

test('an event on the controller kind queues its key, and an owned object maps back to its owner', async () => {
  const hub = new EventHub();
  const c = new Recorder([{ kind: 'Deployment', keys: ownedBy('Pgcluster') }]);
  const runner = new ControllerRunner(c, hub);
  runner.start();
  try {
    hub.publish({ type: 'ADDED', kind: 'Pgcluster', object: object('Pgcluster', 'hippo') });
    hub.publish({ type: 'ADDED', kind: 'Deployment', object: object('Deployment', 'elephant-repo', 'elephant') });
    hub.publish({ type: 'ADDED', kind: 'Deployment', object: object('Deployment', 'orphan') });
    hub.publish({ type: 'ADDED', kind: 'Service', object: object('Service', 'unwatched', 'hippo') });
    await untilTrue(async () => c.calls.length >= 2, 'the reconciles');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([...c.calls].sort(), ['pgouser1/elephant', 'pgouser1/hippo']);
  } finally {
    await runner.stop();
  }
});

test('a reconcile that throws is retried until it succeeds, and the failures are counted', async () => {
  const hub = new EventHub();
  const c = new Recorder();
  c.behaviour = async (_key, call) => {
    if (call < 3) throw new Error(`attempt ${call} fails`);
  };
  const errors: string[] = [];
  const runner = new ControllerRunner(c, hub, { onError: (_name, key, error) => errors.push(`${key}: ${(error as Error).message}`) });
  runner.start();
  try {
    hub.publish({ type: 'ADDED', kind: 'Pgcluster', object: object('Pgcluster', 'hippo') });
    await untilTrue(async () => c.calls.length === 3, 'the reconciles');
    assert.deepEqual(errors, ['pgouser1/hippo: attempt 1 fails', 'pgouser1/hippo: attempt 2 fails']);
    assert.equal(runner.metrics.errors, 2);
    assert.equal(runner.metrics.reconciles, 3);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.calls.length, 3, 'a success is not retried');
  } finally {
    await runner.stop();
  }
});

test('a reconcile that asks to run again after a delay runs again then', async () => {
  const hub = new EventHub();
  const c = new Recorder();
  const at: number[] = [];
  c.behaviour = async (_key, call) => {
    at.push(Date.now());
    return call === 1 ? { requeueAfterMs: 80 } : undefined;
  };
  const runner = new ControllerRunner(c, hub);
  runner.start();
  try {
    hub.publish({ type: 'ADDED', kind: 'Pgcluster', object: object('Pgcluster', 'hippo') });
    await untilTrue(async () => c.calls.length === 2, 'the reconciles');
    assert.ok(at[1] - at[0] >= 70, `ran again after ${at[1] - at[0]} ms`);
  } finally {
    await runner.stop();
  }
});

test('every key is reconciled at start and again at each resync period', async () => {
  const hub = new EventHub();
  const c = new Recorder();
  c.keys = ['pgouser1/a', 'pgouser1/b'];
  const runner = new ControllerRunner(c, hub, { resyncPeriodMs: 50 });
  runner.start();
  try {
    await untilTrue(async () => c.calls.filter((k) => k === 'pgouser1/a').length >= 3 && c.calls.filter((k) => k === 'pgouser1/b').length >= 3, 'the reconciles');
  } finally {
    await runner.stop();
  }
});

test('stopping waits for a reconcile in flight and takes no more keys', async () => {
  const hub = new EventHub();
  const c = new Recorder();
  let finished = false;
  c.behaviour = async () => {
    await new Promise((r) => setTimeout(r, 60));
    finished = true;
  };
  const runner = new ControllerRunner(c, hub);
  runner.start();
  hub.publish({ type: 'ADDED', kind: 'Pgcluster', object: object('Pgcluster', 'hippo') });
  await untilTrue(async () => c.calls.length === 1, 'the reconciles');
  await runner.stop();
  assert.equal(finished, true);
  hub.publish({ type: 'ADDED', kind: 'Pgcluster', object: object('Pgcluster', 'later') });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(c.calls, ['pgouser1/hippo']);
});

test('the queue depth it reports is the depth now, not the depth at the last reconcile', async () => {
  const hub = new EventHub();
  const c = new Recorder();
  let release: () => void = () => undefined;
  c.behaviour = () => new Promise((r) => (release = () => r(undefined)));
  const runner = new ControllerRunner(c, hub, { workers: 1 });
  runner.start();
  try {
    hub.publish({ type: 'ADDED', kind: 'Pgcluster', object: object('Pgcluster', 'first') });
    await untilTrue(async () => c.calls.length === 1, 'the reconciles');
    for (const name of ['a', 'b', 'c']) hub.publish({ type: 'ADDED', kind: 'Pgcluster', object: object('Pgcluster', name) });
    assert.equal(runner.metrics.queueDepth, 3);
  } finally {
    c.behaviour = async () => undefined;
    release();
    await runner.stop();
  }
});
