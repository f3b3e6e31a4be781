import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { createKubeConfig } from '../../src/kube/client.js';
import { Informer } from '../../src/kube/informer.js';
import type { InformerEvent, InformerRequestKind } from '../../src/kube/informer.js';
import { CONFIGMAPS } from '../../src/kube/resources.js';
import { WatchCache } from '../../src/kube/watch-cache.js';
import { startTestServer } from '../support/embedded.js';
import { configMap, waitFor } from './helpers.js';

const NS = 'pgouser1';
/** Small, so a test can fall out of it with a few hundred writes. */
const WATCH_WINDOW = 100;
/** Enough for the default backoff (100 ms doubling) to reach a restarted server. */
const RECONNECT_WAIT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function eventSummary(events: readonly InformerEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.object.metadata.name}`).sort();
}

test('an informer resuming from an expired resourceVersion relists and reports only the difference', async () => {
  const t = await startTestServer({ namespaces: [NS], watchWindow: WATCH_WINDOW });
  let second: Informer | undefined;
  try {
    const kc = createKubeConfig('embedded', t.server.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const create = (name: string, data: Record<string, string> = {}) =>
      core.createNamespacedConfigMap({ namespace: NS, body: configMap(name, NS, {}, data) as k8s.V1ConfigMap });
    for (const name of ['kept', 'doomed', 'changed']) await create(name);

    const first = new Informer(kc, CONFIGMAPS, { namespace: NS });
    first.start();
    await first.synced;
    const snapshot = first.cache.list();
    const oldResourceVersion = first.lastResourceVersion;
    await first.stop();

    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'doomed' });
    await core.replaceNamespacedConfigMap({ namespace: NS, name: 'changed', body: configMap('changed', NS, {}, { v: 'new' }) as k8s.V1ConfigMap });
    await create('churn');
    for (let i = 0; i < WATCH_WINDOW + 30; i++) {
      await core.replaceNamespacedConfigMap({ namespace: NS, name: 'churn', body: configMap('churn', NS, {}, { i: String(i) }) as k8s.V1ConfigMap });
    }

    const requests: InformerRequestKind[] = [];
    const events: InformerEvent[] = [];
    second = new Informer(kc, CONFIGMAPS, { namespace: NS, onRequest: (kind) => requests.push(kind) });
    second.onEvent((event) => events.push(event));
    second.resume(snapshot, oldResourceVersion);
    await waitFor(() => requests.includes('list') && events.length >= 3, 'the relist after 410');
    await sleep(300); // nothing else may trickle in

    assert.equal(requests[0], 'watch', 'it first tried to resume');
    assert.deepEqual(eventSummary(events), ['ADDED churn', 'DELETED doomed', 'MODIFIED changed']);
    const onServer = (await core.listNamespacedConfigMap({ namespace: NS })).items;
    const cached = new Map(second.cache.list().map((c) => [c.metadata.name, c.metadata.resourceVersion]));
    assert.deepEqual(cached, new Map(onServer.map((c) => [c.metadata?.name, c.metadata?.resourceVersion])));
  } finally {
    await second?.stop();
    await t.dispose();
  }
});

test('the cache catches up after the API server restarts', async () => {
  const t = await startTestServer({ namespaces: [NS] });
  const kc = createKubeConfig('embedded', t.server.kubeconfigPath);
  const cache = new WatchCache(kc, [CONFIGMAPS], { namespaces: [NS] });
  try {
    cache.start();
    await cache.synced();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: NS, body: configMap('before-restart', NS) as k8s.V1ConfigMap });
    await waitFor(() => cache.get(CONFIGMAPS, NS, 'before-restart') !== undefined, 'the first write');
    const watchesBefore = cache.requests.watches;

    await t.stop();
    await sleep(1_500); // long enough for the informer to fail a few reconnects
    await t.restart();

    const coreAfter = createKubeConfig('embedded', t.server.kubeconfigPath).makeApiClient(k8s.CoreV1Api);
    await coreAfter.createNamespacedConfigMap({ namespace: NS, body: configMap('after-restart', NS) as k8s.V1ConfigMap });
    await coreAfter.deleteNamespacedConfigMap({ namespace: NS, name: 'before-restart' });
    await waitFor(
      () => cache.get(CONFIGMAPS, NS, 'after-restart') !== undefined && cache.get(CONFIGMAPS, NS, 'before-restart') === undefined,
      'the writes made after the restart',
      RECONNECT_WAIT_MS,
    );
    assert.ok(cache.requests.watches > watchesBefore, 'it watched again');
    assert.equal(cache.isSynced(), true);
  } finally {
    await cache.stop();
    await t.dispose();
  }
});

test('the cache keeps retrying while the API server is down and resumes when it returns', async () => {
  const t = await startTestServer({ namespaces: [NS] });
  const kc = createKubeConfig('embedded', t.server.kubeconfigPath);
  const errors: unknown[] = [];
  const cache = new WatchCache(kc, [CONFIGMAPS], { namespaces: [NS], onError: (error) => errors.push(error) });
  try {
    cache.start();
    await cache.synced();
    await t.stop();
    await waitFor(() => errors.length >= 3, 'several failed reconnects');
    await t.restart();
    const core = createKubeConfig('embedded', t.server.kubeconfigPath).makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: NS, body: configMap('after-outage', NS) as k8s.V1ConfigMap });
    await waitFor(() => cache.get(CONFIGMAPS, NS, 'after-outage') !== undefined, 'the write after the outage', RECONNECT_WAIT_MS);
  } finally {
    await cache.stop();
    await t.dispose();
  }
});
