/**
 * The GraphQL API on this machine: the dashboard query (1,000 clusters × 2 replicas × 5 tasks)
 * end-to-end over HTTPS against bare graphql-js `execute` of the same schema over the same cached
 * objects; single-cluster query latency; and a status change delivered to 1,000 graphql-ws
 * subscribers next to the raw Kubernetes watch latency of the same change.
 */
import { request } from 'node:https';
import { Agent } from 'node:https';
import { execute, parse } from 'graphql';
import * as k8s from '@kubernetes/client-node';
import { graphqlSchema } from '../src/graphql/schema.js';
import { createContext } from '../src/graphql/context.js';
import { createServices } from '../src/domain/services.js';
import { ChangeLog } from '../src/graphql/change-log.js';
import { defaultSettings } from '../src/domain/settings.js';
import { PGCLUSTERS } from '../src/kube/resources.js';
import { pgcluster } from '../test/support/fixtures.js';
import { startTestApp } from '../test/support/app.js';
import type { TestApp } from '../test/support/app.js';
import { fmt, line, summarize } from './stats.js';

const CLUSTERS = 1000;
const REPLICAS_PER_CLUSTER = 2;
const TASKS_PER_CLUSTER = 5;
const DASHBOARD_RUNS = 20;
const SINGLE_RUNS = 500;
const SUBSCRIBERS = 1000;
const SUBSCRIBERS_PER_CONNECTION = 20;
const STATUS_CHANGES = 20;
const NS = 'pgouser1';

const DASHBOARD = `{ clusters(first: 1000) { totalCount nodes { name namespace state stateMessage imageTag port autofail
  replicas { name state built } tasks { name taskType progress state } } } }`;
const SINGLE = `query($name: String!) { cluster(namespace: "${NS}", name: $name) { name state port replicas { name state } tasks { name progress } } }`;

async function seed(t: TestApp): Promise<void> {
  const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  const bodies: { plural: string; body: Record<string, unknown> }[] = [];
  for (let i = 0; i < CLUSTERS; i++) {
    const name = `dash-${i}`;
    bodies.push({ plural: 'pgclusters', body: pgcluster(name, NS) });
    for (let r = 0; r < REPLICAS_PER_CLUSTER; r++) {
      const rn = `${name}-r${r}`;
      bodies.push({ plural: 'pgreplicas', body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgreplica', metadata: { name: rn, namespace: NS, labels: { 'pg-cluster': name } }, spec: { namespace: NS, name: rn, clustername: name, status: '', userlabels: {} } } });
    }
    for (let k = 0; k < TASKS_PER_CLUSTER; k++) {
      const tn = `${name}-t${k}`;
      bodies.push({ plural: 'pgtasks', body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name: tn, namespace: NS, labels: { 'pg-cluster': name } }, spec: { namespace: NS, name: tn, tasktype: 'backrest', status: 'job completed', parameters: { 'pg-cluster': name } } } });
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < bodies.length) {
        const { plural, body } = bodies[next++];
        await custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: NS, plural, body });
      }
    }),
  );
  const expected = CLUSTERS * (1 + REPLICAS_PER_CLUSTER + TASKS_PER_CLUSTER);
  while (t.app.cache.list(PGCLUSTERS).length + t.app.cache.list({ ...PGCLUSTERS, plural: 'pgreplicas', kind: 'Pgreplica' }).length + t.app.cache.list({ ...PGCLUSTERS, plural: 'pgtasks', kind: 'Pgtask' }).length < expected) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

function post(t: TestApp, agent: Agent, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/graphql', t.app.url), { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Authorization: t.authorization } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function benchGraphql(): Promise<void> {
  // The API alone: with the controllers on, the seeded clusters would be built meanwhile.
  const t = await startTestApp({ PGO_MAX_SUBSCRIPTIONS_PER_USER: String(SUBSCRIBERS), PGO_CONTROLLERS: 'false' });
  const agent = new Agent({ keepAlive: true, ca: t.ca, maxSockets: 8 });
  try {
    process.stdout.write(`\n== GraphQL API (in-process app, embedded API, HTTPS + basic auth) ==\n`);
    const seedStart = performance.now();
    await seed(t);
    line(`seeded ${CLUSTERS} clusters, ${CLUSTERS * REPLICAS_PER_CLUSTER} replicas, ${CLUSTERS * TASKS_PER_CLUSTER} tasks, s`, ((performance.now() - seedStart) / 1000).toFixed(1));

    const dashboardBody = JSON.stringify({ query: DASHBOARD });
    const check = JSON.parse(await post(t, agent, dashboardBody)) as { data?: { clusters: { totalCount: number } }; errors?: unknown };
    if (check.data?.clusters.totalCount !== CLUSTERS) throw new Error(`dashboard query failed: ${JSON.stringify(check.errors)}`);
    let started = performance.now();
    for (let i = 0; i < DASHBOARD_RUNS; i++) await post(t, agent, dashboardBody);
    const httpPerSecond = DASHBOARD_RUNS / ((performance.now() - started) / 1000);

    const schema = await graphqlSchema();
    const document = parse(DASHBOARD);
    const ctx = { cache: t.app.cache, writer: t.app.writer, settings: defaultSettings(), namespaces: ['pgouser1', 'pgouser2'], operatorNamespace: 'pgo', now: () => new Date() };
    const shared = { services: createServices(ctx), hub: t.app.cache.hub, changes: new ChangeLog(t.app.cache.hub, []) };
    const caller = { username: 'bench', canAccess: () => true, can: () => true };
    started = performance.now();
    for (let i = 0; i < DASHBOARD_RUNS; i++) {
      const result = await execute({ schema, document, contextValue: createContext(caller, shared) });
      if (result.errors) throw new Error(JSON.stringify(result.errors));
    }
    const barePerSecond = DASHBOARD_RUNS / ((performance.now() - started) / 1000);
    shared.changes.close();
    line('dashboard query (1,000 × 2 replicas × 5 tasks), over HTTPS, q/s', httpPerSecond.toFixed(2));
    line('same query, bare graphql-js execute in-process, q/s', barePerSecond.toFixed(2));
    line('ratio HTTPS end-to-end / bare execute', `${(httpPerSecond / barePerSecond).toFixed(2)}`);

    const singleMs: number[] = [];
    for (let i = 0; i < SINGLE_RUNS; i++) {
      const body = JSON.stringify({ query: SINGLE, variables: { name: `dash-${i % CLUSTERS}` } });
      const t0 = performance.now();
      await post(t, agent, body);
      singleMs.push(performance.now() - t0);
    }
    const single = summarize(singleMs);
    line(`single-cluster query over HTTPS, ms (${SINGLE_RUNS} runs)`, `p50 ${fmt(single.p50)}  p99 ${fmt(single.p99)}`);

    // Status changes: 1,000 subscribers of one cluster, and one raw watch of the same object.
    const target = 'dash-0';
    const sentAt = new Map<string, number>();
    const gqlDelays: number[] = [];
    const rawDelays: number[] = [];
    let received = 0;
    const stops: (() => void)[] = [];
    const clients = Array.from({ length: SUBSCRIBERS / SUBSCRIBERS_PER_CONNECTION }, () => t.ws());
    for (const client of clients) {
      for (let s = 0; s < SUBSCRIBERS_PER_CONNECTION; s++) {
        stops.push(
          client.subscribe<{ clusterChanged: { cluster: { stateMessage: string } | null } }>(
            { query: `subscription { clusterChanged(namespace: "${NS}", name: "${target}") { type cluster { stateMessage } } }` },
            {
              next: (value) => {
                const message = value.data?.clusterChanged.cluster?.stateMessage ?? '';
                const sent = sentAt.get(message);
                if (sent !== undefined) {
                  gqlDelays.push(performance.now() - sent);
                  received++;
                }
              },
              error: () => undefined,
              complete: () => undefined,
            },
          ),
        );
      }
    }
    const watch = new k8s.Watch(t.kc);
    const rawWatch = await watch.watch(`/apis/crunchydata.com/v1/namespaces/${NS}/pgclusters`, { fieldSelector: `metadata.name=${target}` }, (_type, obj: { status?: { message?: string } }) => {
      const sent = sentAt.get(obj.status?.message ?? '');
      if (sent !== undefined) rawDelays.push(performance.now() - sent);
    }, () => undefined);
    await new Promise((r) => setTimeout(r, 2000));
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    for (let i = 0; i < STATUS_CHANGES; i++) {
      const message = `bench status ${i}`;
      sentAt.set(message, performance.now());
      await custom.patchNamespacedCustomObjectStatus(
        { group: 'crunchydata.com', version: 'v1', namespace: NS, plural: 'pgclusters', name: target, body: { status: { state: 'pgcluster Initialized', message } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    const deadline = Date.now() + 15_000;
    while (received < SUBSCRIBERS * STATUS_CHANGES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    rawWatch.abort();
    for (const stop of stops) stop();
    const g = summarize(gqlDelays);
    const r = summarize(rawDelays);
    line(`status change → ${SUBSCRIBERS} graphql-ws subscribers, ms`, `p50 ${fmt(g.p50)}  p99 ${fmt(g.p99)}  (${received}/${SUBSCRIBERS * STATUS_CHANGES} delivered)`);
    line('same change → one raw Kubernetes watch, ms', `p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}`);
  } finally {
    agent.destroy();
    await t.dispose();
  }
}
