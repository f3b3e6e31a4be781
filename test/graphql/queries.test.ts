import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { untilTrue } from '../support/until.js';

const CR = { group: 'crunchydata.com', version: 'v1' };
const CLUSTERS = 100;

function replica(name: string, cluster: string, namespace: string): Record<string, unknown> {
  return { apiVersion: 'crunchydata.com/v1', kind: 'Pgreplica', metadata: { name, namespace, labels: { 'pg-cluster': cluster, name } }, spec: { namespace, name, clustername: cluster, status: '', userlabels: {} } };
}

function task(name: string, cluster: string, namespace: string): Record<string, unknown> {
  return { apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name, namespace, labels: { 'pg-cluster': cluster } }, spec: { namespace, name, tasktype: 'backrest', status: '', parameters: { 'pg-cluster': cluster } } };
}

function policy(name: string, namespace: string): Record<string, unknown> {
  return { apiVersion: 'crunchydata.com/v1', kind: 'Pgpolicy', metadata: { name, namespace }, spec: { namespace, name, url: '', sql: 'select 1;', status: '' } };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Page {
  clusters: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { name: string; replicas: { name: string; cluster: { name: string } }[]; tasks: { name: string }[]; policies: { name: string }[] }[] };
}

describe('GraphQL queries over the watch cache', () => {
  let t: TestApp;

  before(async () => {
    // The API's own writes are checked here; the controllers would move them on.
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    const writes: Promise<unknown>[] = ['pgouser1', 'pgouser2'].map((namespace) => custom.createNamespacedCustomObject({ ...CR, namespace, plural: 'pgpolicies', body: policy('audit', namespace) }));
    for (let i = 0; i < CLUSTERS; i++) {
      const name = `c${String(i).padStart(3, '0')}`;
      const namespace = i % 2 === 0 ? 'pgouser1' : 'pgouser2';
      writes.push(custom.createNamespacedCustomObject({ ...CR, namespace, plural: 'pgclusters', body: pgcluster(name, namespace, { env: i < 10 ? 'prod' : 'dev', audit: 'pgpolicy', dropped: 'pgpolicy' }) }));
      for (const r of ['a', 'b']) writes.push(custom.createNamespacedCustomObject({ ...CR, namespace, plural: 'pgreplicas', body: replica(`${name}-${r}`, name, namespace) }));
      writes.push(custom.createNamespacedCustomObject({ ...CR, namespace, plural: 'pgtasks', body: task(`${name}-t`, name, namespace) }));
    }
    await Promise.all(writes);
    await until(() => t.app.cache.list({ group: 'crunchydata.com', version: 'v1', plural: 'pgtasks', kind: 'Pgtask', namespaced: true, apiVersion: 'crunchydata.com/v1' }).length >= CLUSTERS, 'the cache to hold every task');
  });
  after(() => t.dispose());

  test('a nested query of 100 clusters with every relation makes no Kubernetes API request', async () => {
    const before = t.app.cache.requestCount + t.app.writer.requests;
    const res = await t.gql<Page>('{ clusters(first: 100) { totalCount nodes { name replicas { name cluster { name } } tasks { name cluster { name } } backups { name } workflows { id } policies { name } pods { name } services { name } deployments { name } volumes { name } } } }');
    assert.equal(res.errors, undefined);
    assert.equal(res.data?.clusters.nodes.length, CLUSTERS);
    assert.ok(res.data?.clusters.nodes.every((c) => c.replicas.length === 2 && c.tasks.length === 1 && c.replicas.every((r) => r.cluster.name === c.name)));
    assert.ok(res.data?.clusters.nodes.every((c) => c.policies.length === 1 && c.policies[0].name === 'audit'), 'each cluster shows the applied policy that exists, and not the one that does not');
    assert.equal(t.app.cache.requestCount + t.app.writer.requests, before);
  });

  test('pages follow endCursor without gaps or repeats, and totalCount counts every match', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: { data?: Page | null } = await t.gql<Page>('query($after: String) { clusters(first: 30, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name replicas { name } tasks { name } } } }', { after });
      const page: Page['clusters'] = res.data!.clusters;
      assert.equal(page.totalCount, CLUSTERS);
      seen.push(...page.nodes.map((n) => n.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.equal(seen.length, CLUSTERS);
    assert.equal(new Set(seen).size, CLUSTERS);
  });

  test('namespace, selector and name filters narrow the list', async () => {
    const byNs = await t.gql<Page>('{ clusters(namespace: "pgouser1") { totalCount } }');
    assert.equal(byNs.data?.clusters.totalCount, CLUSTERS / 2);
    const bySelector = await t.gql<Page>('{ clusters(selector: "env=prod") { totalCount } }');
    assert.equal(bySelector.data?.clusters.totalCount, 10);
    const byName = await t.gql<Page>('{ clusters(nameContains: "c09") { totalCount } }');
    assert.equal(byName.data?.clusters.totalCount, 10);
  });

  test('a malformed selector is a BAD_USER_INPUT naming the selector', async () => {
    const res = await t.gql('{ clusters(selector: "env in (prod") { totalCount } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.field, 'selector');
  });

  test('a cursor this server did not issue is refused', async () => {
    const res = await t.gql('{ clusters(after: "bm90LWEtY3Vyc29y!") { totalCount } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  test('a single cluster is found by namespace and name, and a missing one is null', async () => {
    const found = await t.gql<{ cluster: { name: string; port: number; primaryStorage: { size: string } } | null }>('{ cluster(namespace: "pgouser1", name: "c000") { name port primaryStorage { size } } }');
    assert.deepEqual(found.data?.cluster, { name: 'c000', port: 5432, primaryStorage: { size: '1G' } });
    const missing = await t.gql<{ cluster: null }>('{ cluster(namespace: "pgouser1", name: "nope") { name } }');
    assert.equal(missing.data?.cluster, null);
  });

  test('a namespace the server does not manage is refused', async () => {
    const res = await t.gql('{ clusters(namespace: "kube-system") { totalCount } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  test('namespaces and version answer what the server manages and speaks', async () => {
    const res = await t.gql<{ namespaces: string[]; version: { pgoVersion: string } }>('{ namespaces version { pgoVersion } }');
    assert.deepEqual(res.data, { namespaces: ['pgouser1', 'pgouser2'], version: { pgoVersion: '4.2.4' } });
  });

  test('a query without credentials is UNAUTHENTICATED with status 401', async () => {
    const res = await t.gql('{ version { pgoVersion } }', {}, null);
    assert.equal(res.status, 401);
    assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  test('a wrong password is UNAUTHENTICATED', async () => {
    const res = await t.gql('{ version { pgoVersion } }', {}, `Basic ${Buffer.from('pgoadmin:wrong').toString('base64')}`);
    assert.equal(res.status, 401);
  });
});

interface Details {
  cluster: {
    services: { name: string; type: string; clusterIp: string; externalAddresses: string[]; ports: { name: string; port: number; protocol: string; nodePort: number | null }[] }[];
    volumes: { name: string; phase: string; requested: string; capacity: string; storageClass: string }[];
    deployments: { name: string; replicas: number; readyReplicas: number; image: string }[];
  };
}

const DETAILS = '{ cluster(namespace: "pgouser1", name: "detail") { services { name type clusterIp externalAddresses ports { name port protocol nodePort } } volumes { name phase requested capacity storageClass } deployments { name replicas readyReplicas image } } }';

describe('the objects a dashboard shows beside a cluster', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  const details = async () => (await t.gql<Details>(DETAILS)).data!.cluster;

  before(async () => {
    t = await startTestApp();
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    const created = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "detail", replicaCount: 0 }) { workflowId } }');
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    await untilTrue(async () => {
      const cluster = (await t.gql<Details>(DETAILS)).data?.cluster;
      return cluster !== undefined && cluster.deployments.some((d) => d.name === 'detail' && d.readyReplicas === 1) && cluster.volumes.length > 0 && cluster.volumes.every((v) => v.phase === 'Bound');
    }, 'the controllers to build the cluster');
  });
  after(() => t.dispose());

  test('services answer each Service of the cluster with its type, cluster IP and ports as the Kubernetes API holds them', async () => {
    const listed = (await core.listNamespacedService({ namespace: 'pgouser1', labelSelector: 'pg-cluster=detail' })).items;
    const expected = listed
      .map((s) => ({ name: s.metadata!.name!, type: s.spec!.type!, clusterIp: s.spec!.clusterIP!, externalAddresses: [], ports: s.spec!.ports!.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', nodePort: p.nodePort ?? null })) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const primary = expected.find((s) => s.name === 'detail');
    assert.ok(primary?.ports.some((p) => p.port === 5432), 'the primary Service exposes PostgreSQL');
    assert.match(String(primary?.clusterIp), /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual([...(await details()).services].sort((a, b) => a.name.localeCompare(b.name)), expected);
  });

  test('a load balancer\'s ingress address is an external address of the Service', async () => {
    await core.patchNamespacedServiceStatus({ namespace: 'pgouser1', name: 'detail', body: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'detail.example.com' }] } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await untilTrue(async () => (await details()).services.find((s) => s.name === 'detail')?.externalAddresses.length === 2, 'the ingress in the cache');
    assert.deepEqual((await details()).services.find((s) => s.name === 'detail')?.externalAddresses, ['203.0.113.7', 'detail.example.com']);
  });

  test('volumes answer each PVC with its requested size, storage class, phase and provisioned capacity', async () => {
    const volumes = await details();
    const primary = volumes.volumes.find((v) => v.name === 'detail');
    assert.deepEqual(primary, { name: 'detail', phase: 'Bound', requested: '300M', capacity: '300M', storageClass: 'fast' });
    const listed = (await core.listNamespacedPersistentVolumeClaim({ namespace: 'pgouser1', labelSelector: 'pg-cluster=detail' })).items.map((p) => p.metadata!.name!).sort();
    assert.deepEqual(volumes.volumes.map((v) => v.name).sort(), listed);
  });

  test('deployments answer desired and ready replicas and the database image', async () => {
    const primary = (await details()).deployments.find((d) => d.name === 'detail');
    const api = await apps.readNamespacedDeployment({ namespace: 'pgouser1', name: 'detail' });
    assert.deepEqual(primary, { name: 'detail', replicas: 1, readyReplicas: 1, image: api.spec!.template.spec!.containers[0].image! });
    assert.match(primary!.image, /crunchy-postgres-ha/);
  });

  test('a Deployment scaled to zero answers zero desired and, once its pod is gone, zero ready', async () => {
    await apps.patchNamespacedDeployment({ namespace: 'pgouser1', name: 'detail', body: { spec: { replicas: 0 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await untilTrue(async () => {
      const d = (await details()).deployments.find((x) => x.name === 'detail');
      return d?.replicas === 0 && d.readyReplicas === 0;
    }, 'the scaled-down Deployment in the cache');
  });
});
