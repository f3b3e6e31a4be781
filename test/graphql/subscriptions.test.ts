/** Subscriptions over a real graphql-ws client against the real server and embedded API. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { startTestApp, subscribe } from '../support/app.js';
import type { TestApp } from '../support/app.js';

const CR = { group: 'crunchydata.com', version: 'v1', plural: 'pgclusters' };

interface ClusterChanged {
  clusterChanged: { type: string; resourceVersion: string | null; cluster: { name: string; namespace: string; labels: { key: string; value: string }[] } | null };
}

const CLUSTER_CHANGED = `subscription($namespace: String, $selector: String, $name: String, $since: String) {
  clusterChanged(namespace: $namespace, selector: $selector, name: $name, since: $since) { type resourceVersion cluster { name namespace labels { key value } } }
}`;

describe('GraphQL subscriptions', () => {
  let t: TestApp;
  let custom: k8s.CustomObjectsApi;

  const create = (name: string, namespace = 'pgouser1', labels: Record<string, string> = {}) => custom.createNamespacedCustomObject({ ...CR, namespace, body: pgcluster(name, namespace, labels) });
  const label = (name: string, labels: Record<string, string | null>, namespace = 'pgouser1') =>
    custom.patchNamespacedCustomObject({ ...CR, namespace, name, body: { metadata: { labels } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const remove = (name: string, namespace = 'pgouser1') => custom.deleteNamespacedCustomObject({ ...CR, namespace, name });

  before(async () => {
    // The API's own writes are checked here; the controllers would move them on.
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  });
  after(() => t.dispose());

  test('a cluster subscription sees ADDED, MODIFIED and DELETED in order', async () => {
    const sub = subscribe<ClusterChanged>(t.ws(), CLUSTER_CHANGED, { name: 'ordered' });
    await new Promise((r) => setTimeout(r, 200));
    await create('ordered');
    await label('ordered', { touched: 'yes' });
    await remove('ordered');
    const changes = await sub.next(3);
    assert.deepEqual(changes.map((c) => c.clusterChanged.type), ['ADDED', 'MODIFIED', 'DELETED']);
    assert.ok(changes[1].clusterChanged.cluster?.labels.some((l) => l.key === 'touched'));
    sub.stop();
  });

  test('a namespace filter hides changes in other namespaces', async () => {
    const sub = subscribe<ClusterChanged>(t.ws(), CLUSTER_CHANGED, { namespace: 'pgouser2' });
    await new Promise((r) => setTimeout(r, 200));
    await create('elsewhere', 'pgouser1');
    await create('here', 'pgouser2');
    const [change] = await sub.next(1);
    assert.equal(change.clusterChanged.cluster?.name, 'here');
    sub.stop();
  });

  test('a selector subscription sees a cluster that starts matching as ADDED and one that stops as DELETED', async () => {
    await create('flip');
    const sub = subscribe<ClusterChanged>(t.ws(), CLUSTER_CHANGED, { selector: 'tier=gold' });
    await new Promise((r) => setTimeout(r, 200));
    await label('flip', { tier: 'gold' });
    await label('flip', { tier: null });
    const changes = await sub.next(2);
    assert.deepEqual(changes.map((c) => c.clusterChanged.type), ['ADDED', 'DELETED']);
    sub.stop();
  });

  test('a client reconnecting with the last resourceVersion it saw receives what it missed', async () => {
    const first = subscribe<ClusterChanged>(t.ws(), CLUSTER_CHANGED, { name: 'resumed' });
    await new Promise((r) => setTimeout(r, 200));
    await create('resumed');
    const [added] = await first.next(1);
    first.stop();
    await label('resumed', { step: 'one' });
    await label('resumed', { step: 'two' });
    const second = subscribe<ClusterChanged>(t.ws(), CLUSTER_CHANGED, { name: 'resumed', since: added.clusterChanged.resourceVersion });
    const missed = await second.next(2);
    assert.deepEqual(missed.map((c) => [c.clusterChanged.type, c.clusterChanged.cluster?.labels.find((l) => l.key === 'step')?.value]), [['MODIFIED', 'one'], ['MODIFIED', 'two']]);
    second.stop();
  });

  test('a resume point the server no longer knows gets a RESYNC first', async () => {
    const sub = subscribe<ClusterChanged>(t.ws(), CLUSTER_CHANGED, { name: 'whatever', since: '1' });
    const [first] = await sub.next(1);
    assert.equal(first.clusterChanged.type, 'RESYNC');
    assert.equal(first.clusterChanged.cluster, null);
    sub.stop();
  });

  test('workflowProgress sends the current state at once', async () => {
    const created = await t.gql<{ createCluster: { workflowId: string } }>('mutation { createCluster(input: { namespace: "pgouser1", name: "wf" }) { workflowId } }');
    const id = created.data!.createCluster.workflowId;
    const sub = subscribe<{ workflowProgress: { id: string; steps: { name: string }[]; completed: boolean } }>(t.ws(), 'subscription($id: String!) { workflowProgress(namespace: "pgouser1", id: $id) { id steps { name } completed } }', { id });
    const [state] = await sub.next(1);
    assert.equal(state.workflowProgress.id, id);
    assert.deepEqual(state.workflowProgress.steps.map((s) => s.name), ['task submitted']);
    sub.stop();
  });

  test('a replica subscription sees ADDED, MODIFIED and DELETED of its cluster\'s replicas in order, and no other cluster\'s', async () => {
    const sub = subscribe<{ replicaChanged: { type: string; replica: { name: string; clusterName: string } | null } }>(t.ws(), 'subscription { replicaChanged(namespace: "pgouser1", selector: "pg-cluster=rep") { type replica { name clusterName } } }');
    await new Promise((r) => setTimeout(r, 200));
    const replicas = { group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgreplicas' };
    const replica = (name: string, cluster: string) => ({ apiVersion: 'crunchydata.com/v1', kind: 'Pgreplica', metadata: { name, namespace: 'pgouser1', labels: { 'pg-cluster': cluster, name } }, spec: { namespace: 'pgouser1', name, clustername: cluster, status: '', userlabels: {} } });
    await custom.createNamespacedCustomObject({ ...replicas, body: replica('other-abcd', 'other') });
    await custom.createNamespacedCustomObject({ ...replicas, body: replica('rep-abcd', 'rep') });
    await custom.patchNamespacedCustomObject({ ...replicas, name: 'rep-abcd', body: { metadata: { labels: { touched: 'yes' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await custom.deleteNamespacedCustomObject({ ...replicas, name: 'other-abcd' });
    await custom.deleteNamespacedCustomObject({ ...replicas, name: 'rep-abcd' });
    const changes = await sub.next(3);
    assert.deepEqual(
      changes.map((c) => [c.replicaChanged.type, c.replicaChanged.replica?.name, c.replicaChanged.replica?.clusterName]),
      [
        ['ADDED', 'rep-abcd', 'rep'],
        ['MODIFIED', 'rep-abcd', 'rep'],
        ['DELETED', 'rep-abcd', 'rep'],
      ],
    );
    sub.stop();
  });

  test('a policy subscription sees ADDED, MODIFIED and DELETED in order in its namespace only', async () => {
    const sub = subscribe<{ policyChanged: { type: string; policy: { name: string; namespace: string; sql: string } | null } }>(t.ws(), 'subscription { policyChanged(namespace: "pgouser2") { type policy { name namespace sql } } }');
    await new Promise((r) => setTimeout(r, 200));
    const policies = (namespace: string) => ({ group: 'crunchydata.com', version: 'v1', namespace, plural: 'pgpolicies' });
    const policy = (name: string, namespace: string) => ({ apiVersion: 'crunchydata.com/v1', kind: 'Pgpolicy', metadata: { name, namespace }, spec: { namespace, name, url: '', sql: 'select 1;', status: '' } });
    await custom.createNamespacedCustomObject({ ...policies('pgouser1'), body: policy('audit', 'pgouser1') });
    await custom.createNamespacedCustomObject({ ...policies('pgouser2'), body: policy('audit', 'pgouser2') });
    await custom.patchNamespacedCustomObject({ ...policies('pgouser2'), name: 'audit', body: { spec: { sql: 'select 2;' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await custom.deleteNamespacedCustomObject({ ...policies('pgouser1'), name: 'audit' });
    await custom.deleteNamespacedCustomObject({ ...policies('pgouser2'), name: 'audit' });
    const changes = await sub.next(3);
    assert.deepEqual(
      changes.map((c) => [c.policyChanged.type, c.policyChanged.policy?.namespace, c.policyChanged.policy?.sql]),
      [
        ['ADDED', 'pgouser2', 'select 1;'],
        ['MODIFIED', 'pgouser2', 'select 2;'],
        ['DELETED', 'pgouser2', 'select 2;'],
      ],
    );
    sub.stop();
  });

  test('workflowProgress sends the current state, then each step, and completes when the workflow completes', async () => {
    const created = await t.gql<{ createCluster: { workflowId: string } }>('mutation { createCluster(input: { namespace: "pgouser1", name: "progress" }) { workflowId } }');
    const id = created.data!.createCluster.workflowId;
    const states = t.ws().iterate<{ workflowProgress: { steps: { name: string }[]; completed: boolean } }>({ query: 'subscription($id: String!) { workflowProgress(namespace: "pgouser1", id: $id) { steps { name } completed } }', variables: { id } });
    // Steps are ordered by their time: each one a minute after the previous.
    const step = (name: string, minutesLater: number) =>
      custom.patchNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgtasks', name: 'progress-createcluster', body: { spec: { parameters: { [name]: new Date(Date.now() + minutesLater * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    const seen: [string[], boolean][] = [];
    const completes = (async () => {
      for await (const state of states) {
        const progress = state.data!.workflowProgress;
        seen.push([progress.steps.map((s) => s.name), progress.completed]);
        if (seen.length === 1) await step('primary ready', 1);
        else if (seen.length === 2) await step('task completed', 2);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const stalls = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the subscription did not complete; saw ${JSON.stringify(seen)}`)), 10_000)));
    await Promise.race([completes, stalls]).finally(() => clearTimeout(timer));
    assert.deepEqual(seen, [
      [['task submitted'], false],
      [['task submitted', 'primary ready'], false],
      [['task submitted', 'primary ready', 'task completed'], true],
    ]);
  });

  test('taskChanged filtered by cluster sees the tasks a mutation creates', async () => {
    const sub = subscribe<{ taskChanged: { type: string; task: { name: string; taskType: string } } }>(t.ws(), 'subscription { taskChanged(namespace: "pgouser1", cluster: "tasky") { type task { name taskType } } }');
    await new Promise((r) => setTimeout(r, 200));
    await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "tasky" }) { workflowId } }');
    const [change] = await sub.next(1);
    assert.deepEqual(change.taskChanged, { type: 'ADDED', task: { name: 'tasky-createcluster', taskType: 'workflow' } });
    sub.stop();
  });

  test('backupChanged sees a pg_dump backup task of its cluster and not other tasks', async () => {
    const sub = subscribe<{ backupChanged: { type: string; task: { name: string } } }>(t.ws(), 'subscription { backupChanged(namespace: "pgouser1", cluster: "dumped") { type task { name } } }');
    await new Promise((r) => setTimeout(r, 200));
    const task = (name: string, tasktype: string) => ({ apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name, namespace: 'pgouser1' }, spec: { namespace: 'pgouser1', name, tasktype, status: '', parameters: { 'pg-cluster': 'dumped' } } });
    await custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgtasks', body: task('dumped-failover', 'failover') });
    await custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgtasks', body: task('backup-dumped-pgdump', 'pgdump') });
    const [change] = await sub.next(1);
    assert.deepEqual(change.backupChanged, { type: 'ADDED', task: { name: 'backup-dumped-pgdump' } });
    sub.stop();
  });

  test('subscriptions that differ only in their fragments each get the fields they asked for', async () => {
    const document = (fields: string) => `subscription { clusterChanged(name: "fragments") { ...F } } fragment F on ClusterChange { ${fields} }`;
    const bare = subscribe<{ clusterChanged: Record<string, unknown> }>(t.ws(), document('type'));
    const full = subscribe<{ clusterChanged: Record<string, unknown> }>(t.ws(), document('type cluster { name }'));
    await new Promise((r) => setTimeout(r, 200));
    await create('fragments');
    assert.deepEqual((await bare.next(1))[0].clusterChanged, { type: 'ADDED' });
    assert.deepEqual((await full.next(1))[0].clusterChanged, { type: 'ADDED', cluster: { name: 'fragments' } });
    bare.stop();
    full.stop();
  });

  test('twenty identical subscriptions on two connections all receive the change', async () => {
    const query = 'subscription { clusterChanged(namespace: "pgouser1", name: "shared") { type cluster { name } } }';
    const clients = [t.ws(), t.ws()];
    const subs = Array.from({ length: 20 }, (_, i) => subscribe<ClusterChanged>(clients[i % 2], query));
    await new Promise((r) => setTimeout(r, 300));
    await create('shared');
    for (const sub of subs) {
      const [change] = await sub.next(1);
      assert.equal(change.clusterChanged.cluster?.name, 'shared');
      sub.stop();
    }
  });

  test('a connection without valid credentials is refused', async () => {
    const sub = subscribe<ClusterChanged>(t.ws(`Basic ${Buffer.from('pgoadmin:nope').toString('base64')}`), CLUSTER_CHANGED, {});
    await assert.rejects(sub.next(1, 3000), /closed 4403/);
  });

  test('a connection without credentials is closed with 4401', async () => {
    const sub = subscribe<ClusterChanged>(t.ws(''), CLUSTER_CHANGED, {});
    await assert.rejects(sub.next(1, 3000), /closed 4401/);
  });
});
