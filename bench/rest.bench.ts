/**
 * The legacy REST shim beside GraphQL on the same data: `POST /showclusters` with AllFlag over
 * 1,000 clusters (each with a Deployment, its running pod, a Service and a replica) and the GraphQL
 * query asking for the same facts, both over HTTPS with basic auth, in one run.
 */
import { Agent, request } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { DEPLOYMENTS, PGCLUSTERS, PODS } from '../src/kube/resources.js';
import { pgcluster } from '../test/support/fixtures.js';
import { startTestApp } from '../test/support/app.js';
import type { TestApp } from '../test/support/app.js';
import { fmt, line, summarize } from './stats.js';

const CLUSTERS = 1000;
const RUNS = 100;
const WARMUP_RUNS = 5;
const CONCURRENCY = 4;
const NS = 'pgouser1';

const SHOW_ALL = JSON.stringify({ clientversion: '4.2.4', namespace: NS, allflag: true });
const GRAPHQL_EQUIVALENT = JSON.stringify({
  query: `{ clusters(namespace: "${NS}", first: ${CLUSTERS}) { totalCount nodes { name namespace state imageTag port labels { key value } userLabels { key value }
    deployments { name } pods { name phase ready role } services { name clusterIp externalAddresses } replicas { name } } } }`,
});

async function seed(t: TestApp): Promise<void> {
  const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  const core = t.kc.makeApiClient(k8s.CoreV1Api);
  const apps = t.kc.makeApiClient(k8s.AppsV1Api);
  const writes: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < CLUSTERS; i++) {
    const name = `show-${i}`;
    const labels = { 'pg-cluster': name, name, 'service-name': name, role: 'master', 'pgo-pg-database': 'true', 'deployment-name': name };
    writes.push(
      () => custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: NS, plural: 'pgclusters', body: pgcluster(name, NS) }),
      () => custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: NS, plural: 'pgreplicas', body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgreplica', metadata: { name: `${name}-abcd`, namespace: NS, labels: { 'pg-cluster': name } }, spec: { namespace: NS, name: `${name}-abcd`, clustername: name, status: '', userlabels: {} } } }),
      () => core.createNamespacedService({ namespace: NS, body: { metadata: { name, labels: { 'pg-cluster': name } }, spec: { selector: { 'service-name': name }, ports: [{ name: 'postgres', port: 5432 }] } } }),
      () => apps.createNamespacedDeployment({ namespace: NS, body: { metadata: { name, labels: { 'pg-cluster': name } }, spec: { replicas: 1, selector: { matchLabels: { name } }, template: { metadata: { labels }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } } } } }),
    );
  }
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < writes.length) await writes[next++](); }));
  // The simulated node runs each Deployment's pod; wait until all are in the cache.
  while (t.app.cache.list(PGCLUSTERS).length < CLUSTERS || t.app.cache.list(DEPLOYMENTS).length < CLUSTERS || t.app.cache.list(PODS).length < CLUSTERS) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

function post(t: TestApp, agent: Agent, path: string, body: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, t.app.url), { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Authorization: t.authorization } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(label: string, t: TestApp, agent: Agent, path: string, body: string): Promise<void> {
  const first = await post(t, agent, path, body);
  if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
  for (let i = 0; i < WARMUP_RUNS; i++) await post(t, agent, path, body);
  const samples: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < RUNS) {
        const t0 = performance.now();
        await post(t, agent, path, body);
        samples.push(performance.now() - t0);
      }
    }),
  );
  const perSecond = RUNS / ((performance.now() - started) / 1000);
  const s = summarize(samples);
  line(`${label}, ${CONCURRENCY} concurrent (${(first.bytes / 1024).toFixed(0)} KiB)`, `${perSecond.toFixed(2)} req/s  p50 ${fmt(s.p50)} ms  p99 ${fmt(s.p99)} ms`);
}

export async function benchRest(): Promise<void> {
  const t = await startTestApp({ PGO_CONTROLLERS: 'false' });
  const agent = new Agent({ keepAlive: true, ca: t.ca, maxSockets: CONCURRENCY });
  try {
    process.stdout.write(`\n== REST shim beside GraphQL (in-process app, embedded API, HTTPS + basic auth) ==\n`);
    const seedStart = performance.now();
    await seed(t);
    line(`seeded ${CLUSTERS} clusters with deployment, pod, service, replica, s`, ((performance.now() - seedStart) / 1000).toFixed(1));
    await measure(`POST /showclusters AllFlag (${CLUSTERS} clusters)`, t, agent, '/showclusters', SHOW_ALL);
    await measure('equivalent GraphQL query', t, agent, '/graphql', GRAPHQL_EQUIVALENT);
  } finally {
    agent.destroy();
    await t.dispose();
  }
}
