import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventHub } from '../../src/kube/event-hub.js';
import type { KubeEvent } from '../../src/kube/event-hub.js';
import { LabelSelectorError } from '../../src/kube/label-selector.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { summary, takeEvents } from './helpers.js';

function pod(namespace: string, name: string, labels: Record<string, string> = {}, resourceVersion = '1'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels, resourceVersion } };
}

function added(object: KubeObject, kind = 'Pod'): KubeEvent {
  return { type: 'ADDED', kind, object };
}

test('a subscriber receives only events matching its kind and namespace', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({ kind: ['Pod', 'Service'], namespace: 'pgouser1' });
  try {
    hub.publish(added(pod('pgouser2', 'other-namespace')));
    hub.publish(added(pod('pgouser1', 'a-secret'), 'Secret'));
    hub.publish(added(pod('pgouser1', 'wanted')));
    hub.publish(added(pod('pgouser1', 'wanted-service'), 'Service'));
    assert.deepEqual(summary(await takeEvents(subscription, 2)), ['ADDED Pod wanted', 'ADDED Service wanted-service']);
    assert.equal(subscription.buffered, 0);
  } finally {
    subscription.close();
  }
});

test('a name filter passes only that object', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({ name: 'hippo' });
  try {
    hub.publish(added(pod('pgouser1', 'rhino')));
    hub.publish(added(pod('pgouser1', 'hippo')));
    assert.deepEqual(summary(await takeEvents(subscription, 1)), ['ADDED Pod hippo']);
  } finally {
    subscription.close();
  }
});

test('an object that stops matching the label selector arrives as DELETED', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({ labelSelector: 'role=replica' });
  try {
    const before = pod('pgouser1', 'hippo-abc', { role: 'replica' }, '1');
    const after = pod('pgouser1', 'hippo-abc', { role: 'master' }, '2');
    hub.publish(added(before));
    hub.publish({ type: 'MODIFIED', kind: 'Pod', object: after, oldObject: before });
    const events = await takeEvents(subscription, 2);
    assert.deepEqual(summary(events), ['ADDED Pod hippo-abc', 'DELETED Pod hippo-abc']);
    assert.equal(events[1]?.object.metadata.resourceVersion, '2');
  } finally {
    subscription.close();
  }
});

test('an object that starts matching the label selector arrives as ADDED', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({ labelSelector: 'role=master' });
  try {
    const before = pod('pgouser1', 'hippo-abc', { role: 'replica' }, '1');
    const after = pod('pgouser1', 'hippo-abc', { role: 'master' }, '2');
    hub.publish(added(before));
    hub.publish({ type: 'MODIFIED', kind: 'Pod', object: after, oldObject: before });
    const events = await takeEvents(subscription, 1);
    assert.deepEqual(summary(events), ['ADDED Pod hippo-abc']);
    assert.equal(events[0]?.oldObject, undefined);
  } finally {
    subscription.close();
  }
});

test('a match rule follows the watch rule of label selectors: starting to match is ADDED, stopping is DELETED', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({ match: (object) => object.metadata.annotations?.owner === 'hippo' });
  try {
    const other = pod('pgouser1', 'job', {}, '1');
    const owned = { ...other, metadata: { ...other.metadata, annotations: { owner: 'hippo' }, resourceVersion: '2' } };
    const released = { ...other, metadata: { ...other.metadata, resourceVersion: '3' } };
    hub.publish(added(other));
    hub.publish({ type: 'MODIFIED', kind: 'Pod', object: owned, oldObject: other });
    hub.publish({ type: 'MODIFIED', kind: 'Pod', object: released, oldObject: owned });
    const events = await takeEvents(subscription, 2);
    assert.deepEqual(summary(events), ['ADDED Pod job', 'DELETED Pod job']);
    assert.equal(subscription.buffered, 0);
  } finally {
    subscription.close();
  }
});

test('a malformed label selector is refused when subscribing', () => {
  const hub = new EventHub();
  assert.throws(() => hub.subscribe({ labelSelector: 'a in (b' }), LabelSelectorError);
  assert.equal(hub.receiverCount, 0);
});

test('a subscriber that never reads is ended with overflow and holds at most its buffer', () => {
  const hub = new EventHub();
  const bufferSize = 100;
  const subscription = hub.subscribe({}, { bufferSize });
  let peak = 0;
  for (let i = 0; i < 100_000; i++) {
    hub.publish(added(pod('pgouser1', `pod-${i}`)));
    peak = Math.max(peak, subscription.buffered);
  }
  assert.equal(subscription.closedReason, 'overflow');
  assert.equal(peak, bufferSize);
  assert.equal(subscription.buffered, 0);
  assert.equal(hub.receiverCount, 0);
});

test('an overflowed subscription ends its iteration', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({}, { bufferSize: 2 });
  for (let i = 0; i < 3; i++) hub.publish(added(pod('pgouser1', `pod-${i}`)));
  const iterator = subscription[Symbol.asyncIterator]();
  assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  assert.equal(subscription.closedReason, 'overflow');
});

test('a subscriber that keeps up is never ended, however many events pass', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({}, { bufferSize: 10 });
  try {
    const reader = takeEvents(subscription, 1_000);
    for (let i = 0; i < 1_000; i++) {
      hub.publish(added(pod('pgouser1', `pod-${i}`)));
      if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal((await reader).length, 1_000);
    assert.equal(subscription.closedReason, undefined);
  } finally {
    subscription.close();
  }
});

test('closing a subscription ends a pending read', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({});
  const pending = subscription[Symbol.asyncIterator]().next();
  subscription.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.equal(subscription.closedReason, 'closed');
  assert.equal(hub.receiverCount, 0);
});

test('breaking out of for-await closes the subscription', async () => {
  const hub = new EventHub();
  const subscription = hub.subscribe({});
  hub.publish(added(pod('pgouser1', 'one')));
  for await (const event of subscription) {
    assert.equal(event.object.metadata.name, 'one');
    break;
  }
  assert.equal(subscription.closedReason, 'closed');
  assert.equal(hub.receiverCount, 0);
});

test('onEvent listeners receive events synchronously until detached', () => {
  const hub = new EventHub();
  const seen: string[] = [];
  const detach = hub.onEvent({ kind: 'Pod' }, (event) => seen.push(event.object.metadata.name));
  hub.publish(added(pod('pgouser1', 'one')));
  assert.deepEqual(seen, ['one']);
  detach();
  hub.publish(added(pod('pgouser1', 'two')));
  assert.deepEqual(seen, ['one']);
});

test('a listener that throws does not stop delivery to the others', () => {
  const failures: unknown[] = [];
  const hub = new EventHub({ onListenerError: (error) => failures.push(error) });
  const seen: string[] = [];
  hub.onEvent({}, () => {
    throw new Error('boom');
  });
  hub.onEvent({}, (event) => seen.push(event.object.metadata.name));
  hub.publish(added(pod('pgouser1', 'one')));
  assert.deepEqual(seen, ['one']);
  assert.equal(failures.length, 1);
});
