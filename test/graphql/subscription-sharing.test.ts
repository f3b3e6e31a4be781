/**
 * Identical subscriptions share one execution per event, over the real server: counted with the
 * server's own metric, and a socket that stops reading is told to resync while the others go on.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import WebSocket from 'ws';
import { WS_CLOSE_CODES } from '../../src/protocol.js';
import { pgcluster } from '../support/fixtures.js';
import { startTestApp, subscribe } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser } from '../support/rest.js';
import { untilTrue } from '../support/until.js';

const NS = 'pgouser1';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
const EXECUTIONS = 'pgo_graphql_subscription_executions_total';

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('shared subscription executions', () => {
  let t: TestApp;
  let custom: k8s.CustomObjectsApi;
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

  /** The executions counter, read from GET /metrics as Prometheus would. */
  const executions = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(new URL('/metrics', t.app.url), { ca: t.ca, headers: { Authorization: t.authorization } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const line = text.split('\n').find((l) => l.startsWith(`${EXECUTIONS} `));
          if (!line) reject(new Error(`no ${EXECUTIONS} in /metrics`));
          else resolve(Number(line.split(' ')[1]));
        });
      });
      req.on('error', reject);
      req.end();
    });

  before(async () => {
    // Only the API's own objects are watched here; the controllers would add events of their own.
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  });
  after(() => t.dispose());

  // First, so no earlier test's subscriptions are still coming or going.
  test('when every subscriber completes, its watch on the event hub is released without waiting for another event', async () => {
    const idle = t.app.cache.hub.receiverCount;
    const query = `subscription { clusterChanged(namespace: "${NS}", name: "quiet") { type } }`;
    const subs = [subscribe(t.ws(), query), subscribe(t.ws(), `subscription { taskChanged(namespace: "${NS}", name: "quiet") { type } }`)];
    await untilTrue(async () => t.app.cache.hub.receiverCount === idle + 2, 'both subscriptions to watch the hub');
    for (const sub of subs) sub.stop();
    await untilTrue(async () => t.app.cache.hub.receiverCount === idle, 'the hub watches to be released', 5_000);
  });

  test('fifty identical subscriptions of one user make one execution per event', async () => {
    const query = `subscription { clusterChanged(namespace: "${NS}", name: "fifty") { type cluster { name } } }`;
    const clients = Array.from({ length: 5 }, () => t.ws());
    const subs = Array.from({ length: 50 }, (_, i) => subscribe<{ clusterChanged: { type: string; cluster: { name: string } } }>(clients[i % clients.length], query));
    await new Promise((r) => setTimeout(r, 500));
    const before = await executions();
    await custom.createNamespacedCustomObject({ ...CR, plural: 'pgclusters', body: pgcluster('fifty', NS) });
    for (const sub of subs) assert.deepEqual((await sub.next(1))[0].clusterChanged, { type: 'ADDED', cluster: { name: 'fifty' } });
    assert.equal((await executions()) - before, 1);
    for (const sub of subs) sub.stop();
  });

  test('the same subscription from two users is executed once per user', async () => {
    const query = `subscription { clusterChanged(namespace: "${NS}", name: "twice") { type } }`;
    const watcher = await addPgoUser(t, 'watcher', 'ShowCluster');
    const subs = [subscribe(t.ws(), query), subscribe(t.ws(), query), subscribe(t.ws(watcher.authorization), query), subscribe(t.ws(watcher.authorization), query)];
    await new Promise((r) => setTimeout(r, 500));
    const before = await executions();
    await custom.createNamespacedCustomObject({ ...CR, plural: 'pgclusters', body: pgcluster('twice', NS) });
    for (const sub of subs) await sub.next(1);
    assert.equal((await executions()) - before, 2);
    for (const sub of subs) sub.stop();
  });

  test('a subscriber whose socket stops reading is closed with 4408 (reconnect and resync) while the others of its group keep receiving', async () => {
    const query = `subscription { taskChanged(namespace: "${NS}", name: "bulky") { type task { parameters { key value } } } }`;
    const tasks = { ...CR, plural: 'pgtasks' };
    await custom.createNamespacedCustomObject({ ...tasks, body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name: 'bulky', namespace: NS }, spec: { namespace: NS, name: 'bulky', tasktype: 'pgdump', status: '', parameters: {} } } });
    const fast = subscribe<{ taskChanged: { type: string } }>(t.ws(), query);
    const slow = new WebSocket(`${t.app.url.replace(/^https/, 'wss')}/graphql`, 'graphql-transport-ws', { ca: t.ca });
    const closed = new Promise<number>((resolve) => slow.on('close', (code) => resolve(code)));
    const acked = new Promise<void>((resolve) => slow.once('message', () => resolve()));
    await new Promise((resolve) => slow.once('open', resolve));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: t.authorization } }));
    await acked;
    slow.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query } }));
    await new Promise((r) => setTimeout(r, 300));
    slow.pause();
    // Well past the server's 8 MiB per-socket limit plus what the kernel buffers on both ends.
    const events = 40;
    for (let i = 0; i < events; i++) {
      await custom.patchNamespacedCustomObject({ ...tasks, name: 'bulky', body: { spec: { parameters: { blob: String(i % 10).repeat(512 * 1024) } } } }, mergePatch);
    }
    assert.equal((await fast.next(events, 60_000)).length, events);
    slow.resume();
    assert.equal(await within(closed, 20_000, 'the slow socket to be closed'), WS_CLOSE_CODES.tooSlow);
    await custom.patchNamespacedCustomObject({ ...tasks, name: 'bulky', body: { spec: { parameters: { blob: 'small' } } } }, mergePatch);
    assert.deepEqual((await fast.next(1))[0].taskChanged.type, 'MODIFIED');
    fast.stop();
  });

  test('each event resolves nested relations afresh, not from the first event\'s reads', async () => {
    const sub = subscribe<{ clusterChanged: { type: string; cluster: { replicas: { name: string }[] } } }>(t.ws(), `subscription { clusterChanged(namespace: "${NS}", name: "fresh") { type cluster { replicas { name } } } }`);
    await new Promise((r) => setTimeout(r, 200));
    await custom.createNamespacedCustomObject({ ...CR, plural: 'pgclusters', body: pgcluster('fresh', NS) });
    assert.deepEqual((await sub.next(1))[0].clusterChanged.cluster.replicas, []);
    await custom.createNamespacedCustomObject({ ...CR, plural: 'pgreplicas', body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgreplica', metadata: { name: 'fresh-abcd', namespace: NS, labels: { 'pg-cluster': 'fresh' } }, spec: { namespace: NS, name: 'fresh-abcd', clustername: 'fresh', status: '', userlabels: {} } } });
    await new Promise((r) => setTimeout(r, 200));
    await custom.patchNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'fresh', body: { metadata: { labels: { touched: 'yes' } } } }, mergePatch);
    assert.deepEqual((await sub.next(1))[0].clusterChanged.cluster.replicas, [{ name: 'fresh-abcd' }]);
    sub.stop();
  });
});
