import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { createKubeConfig } from '../../src/kube/client.js';
import { CONFIGMAPS, NAMESPACES, PGCLUSTERS, PGREPLICAS } from '../../src/kube/resources.js';
import { WatchCache } from '../../src/kube/watch-cache.js';
import type { WatchCacheOptions } from '../../src/kube/watch-cache.js';
import type { ResourceHandle } from '../../src/kube/resources.js';
import { startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';
import { pgcluster } from '../support/fixtures.js';
import { configMap, pgreplica, summary, takeEvents, waitFor } from './helpers.js';

const NS1 = 'pgouser1';
const NS2 = 'pgouser2';
const CRUNCHY = { group: 'crunchydata.com', version: 'v1' };

describe('the watch cache against the embedded API server', () => {
  let t: TestServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let custom: k8s.CustomObjectsApi;
  const caches: WatchCache[] = [];

  function newCache(handles: ResourceHandle[], options: WatchCacheOptions = {}): WatchCache {
    const cache = new WatchCache(kc, handles, options);
    caches.push(cache);
    return cache;
  }

  async function createConfigMap(namespace: string, name: string, labels: Record<string, string> = {}): Promise<void> {
    await core.createNamespacedConfigMap({ namespace, body: configMap(name, namespace, labels) as k8s.V1ConfigMap });
  }

  before(async () => {
    t = await startTestServer({ namespaces: [NS1, NS2] });
    kc = createKubeConfig('embedded', t.server.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
  });

  after(async () => {
    await Promise.all(caches.map((c) => c.stop()));
    await t.dispose();
  });

  test('synced resolves after the first list, with the objects that already existed', async () => {
    await createConfigMap(NS1, 'synced-existing');
    const cache = newCache([CONFIGMAPS, NAMESPACES]);
    assert.equal(cache.isSynced(), false);
    cache.start();
    await cache.synced();
    assert.equal(cache.isSynced(), true);
    assert.equal(cache.get(CONFIGMAPS, NS1, 'synced-existing')?.metadata.name, 'synced-existing');
    assert.ok(cache.get(NAMESPACES, undefined, NS2), 'the cluster-scoped namespace is cached');
    await cache.stop();
  });

  test('listed objects of built-in kinds carry apiVersion and kind', async () => {
    await createConfigMap(NS1, 'listed-kind');
    const cache = newCache([CONFIGMAPS]);
    cache.start();
    await cache.synced();
    const cached = cache.get(CONFIGMAPS, NS1, 'listed-kind');
    assert.equal(cached?.apiVersion, 'v1');
    assert.equal(cached?.kind, 'ConfigMap');
    await cache.stop();
  });

  test('custom resource writes arrive as ADDED, MODIFIED and DELETED in order', async () => {
    const cache = newCache([PGCLUSTERS], { namespaces: [NS1] });
    cache.start();
    await cache.synced();
    const subscription = cache.hub.subscribe({ kind: 'Pgcluster', name: 'ordered' });
    const target = { ...CRUNCHY, plural: 'pgclusters', namespace: NS1 };
    await custom.createNamespacedCustomObject({ ...target, body: pgcluster('ordered', NS1) });
    await custom.patchNamespacedCustomObject({ ...target, name: 'ordered', body: [{ op: 'replace', path: '/spec/replicas', value: '1' }] });
    await custom.deleteNamespacedCustomObject({ ...target, name: 'ordered' });
    const events = await takeEvents(subscription, 3);
    assert.deepEqual(summary(events), ['ADDED Pgcluster ordered', 'MODIFIED Pgcluster ordered', 'DELETED Pgcluster ordered']);
    const [addedEvent, modified] = events;
    assert.equal(modified?.oldObject?.metadata.resourceVersion, addedEvent?.object.metadata.resourceVersion);
    assert.equal((modified?.object.spec as { replicas?: string }).replicas, '1');
    assert.equal(cache.get(PGCLUSTERS, NS1, 'ordered'), undefined);
    subscription.close();
    await cache.stop();
  });

  test('core writes arrive as ADDED, MODIFIED and DELETED in order', async () => {
    const cache = newCache([CONFIGMAPS], { namespaces: [NS1] });
    cache.start();
    await cache.synced();
    const subscription = cache.hub.subscribe({ kind: 'ConfigMap', namespace: NS1, name: 'core-ordered' });
    await createConfigMap(NS1, 'core-ordered');
    const body = configMap('core-ordered', NS1, {}, { key: 'changed' }) as k8s.V1ConfigMap;
    await core.replaceNamespacedConfigMap({ namespace: NS1, name: 'core-ordered', body });
    await core.deleteNamespacedConfigMap({ namespace: NS1, name: 'core-ordered' });
    const events = await takeEvents(subscription, 3);
    assert.deepEqual(summary(events), ['ADDED ConfigMap core-ordered', 'MODIFIED ConfigMap core-ordered', 'DELETED ConfigMap core-ordered']);
    assert.deepEqual(events[1]?.object.data, { key: 'changed' });
    subscription.close();
    await cache.stop();
  });

  test('a steady-state read makes zero API calls', async () => {
    await createConfigMap(NS2, 'steady', { 'pg-cluster': 'steady' });
    const cache = newCache([CONFIGMAPS], { namespaces: [NS1, NS2] });
    cache.start();
    await cache.synced();
    const before = cache.requestCount;
    for (let i = 0; i < 1_000; i++) {
      assert.ok(cache.get(CONFIGMAPS, NS2, 'steady'));
      assert.ok(cache.list(CONFIGMAPS, NS2).length > 0);
      assert.ok(cache.list(CONFIGMAPS).length > 0);
      assert.equal(cache.byCluster(CONFIGMAPS, NS2, 'steady').length, 1);
    }
    assert.equal(cache.requestCount, before);
    await cache.stop();
  });

  test('a list larger than one page is read page by page', async () => {
    for (let i = 0; i < 12; i++) await createConfigMap(NS2, `paged-${i}`);
    const pageSize = 5;
    const expected = (await core.listNamespacedConfigMap({ namespace: NS2 })).items.length;
    const cache = newCache([CONFIGMAPS], { namespaces: [NS2], pageSize });
    cache.start();
    await cache.synced();
    assert.equal(cache.list(CONFIGMAPS, NS2).length, expected);
    assert.equal(cache.requests.lists, Math.ceil(expected / pageSize));
    await cache.stop();
  });

  test('byCluster answers every replica of a cluster from its index', async () => {
    const target = { ...CRUNCHY, plural: 'pgreplicas', namespace: NS1 };
    for (const [name, cluster] of [
      ['hippo-rpl1', 'hippo'],
      ['hippo-rpl2', 'hippo'],
      ['rhino-rpl1', 'rhino'],
    ] as const) {
      await custom.createNamespacedCustomObject({ ...target, body: pgreplica(name, NS1, cluster) });
    }
    const cache = newCache([PGREPLICAS], { namespaces: [NS1, NS2] });
    cache.start();
    await cache.synced();
    const names = (cluster: string) => cache.byCluster(PGREPLICAS, NS1, cluster).map((r) => r.metadata.name).sort();
    assert.deepEqual(names('hippo'), ['hippo-rpl1', 'hippo-rpl2']);
    assert.deepEqual(names('rhino'), ['rhino-rpl1']);
    assert.deepEqual(cache.byCluster(PGREPLICAS, NS2, 'hippo'), []);
    await custom.deleteNamespacedCustomObject({ ...target, name: 'hippo-rpl2' });
    await waitFor(() => names('hippo').length === 1, 'the deleted replica to leave the index');
    assert.deepEqual(names('hippo'), ['hippo-rpl1']);
    await cache.stop();
  });

  test('per-namespace informers see only their namespaces', async () => {
    await createConfigMap(NS1, 'scoped-in');
    await createConfigMap('default', 'scoped-out');
    const cache = newCache([CONFIGMAPS], { namespaces: [NS1] });
    cache.start();
    await cache.synced();
    assert.ok(cache.get(CONFIGMAPS, NS1, 'scoped-in'));
    assert.equal(cache.get(CONFIGMAPS, 'default', 'scoped-out'), undefined);
    assert.ok(cache.list(CONFIGMAPS).every((c) => c.metadata.namespace === NS1));
    await cache.stop();
  });

  test('a hub subscriber that never reads is ended with overflow while the cache keeps up', async () => {
    const cache = newCache([CONFIGMAPS], { namespaces: [NS2] });
    cache.start();
    await cache.synced();
    const bufferSize = 5;
    const subscription = cache.hub.subscribe({ kind: 'ConfigMap' }, { bufferSize });
    let peak = 0;
    const detach = cache.hub.onEvent({ kind: 'ConfigMap' }, () => {
      peak = Math.max(peak, subscription.buffered);
    });
    for (let i = 0; i < 2 * bufferSize; i++) await createConfigMap(NS2, `flood-${i}`);
    await waitFor(() => cache.get(CONFIGMAPS, NS2, `flood-${2 * bufferSize - 1}`) !== undefined, 'the last write in the cache');
    assert.equal(subscription.closedReason, 'overflow');
    assert.equal(subscription.buffered, 0);
    assert.ok(peak <= bufferSize, `peak ${peak} exceeds ${bufferSize}`);
    detach();
    await cache.stop();
  });

  test('reading a kind the cache does not watch is an error', async () => {
    const cache = newCache([CONFIGMAPS]);
    assert.throws(() => cache.list(PGCLUSTERS), /does not watch/);
    await cache.stop();
  });
});
