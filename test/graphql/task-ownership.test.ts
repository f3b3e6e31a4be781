/**
 * Tasks belong to a cluster and a workflow by one rule, whether or not their labels say so: the
 * Cluster.tasks relation, Task.cluster and the taskChanged filters all follow it (pg_dump,
 * pg_restore and pgBackRest restore tasks carry no `pg-cluster` label; restore, clone and benchmark
 * step tasks carry their workflow id only as a parameter).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { startTestApp, subscribe } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { untilTrue } from '../support/until.js';

const NS = 'pgouser1';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };

/** A Pgtask as 4.2.4's API wrote it: labels and parameters as given, nothing added. */
function pgtask(name: string, tasktype: string, labels: Record<string, string>, parameters: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name, namespace: NS, labels }, spec: { namespace: NS, name, tasktype, status: '', parameters } };
}

interface TaskChanged {
  taskChanged: { type: string; task: { name: string; clusterName: string | null } | null };
}

const TASK_CHANGED = `subscription($cluster: String, $workflowId: String) {
  taskChanged(namespace: "${NS}", cluster: $cluster, workflowId: $workflowId) { type task { name clusterName } }
}`;

describe('tasks belong to clusters and workflows by one rule', () => {
  let t: TestApp;
  let custom: k8s.CustomObjectsApi;
  const createTask = (body: Record<string, unknown>) => custom.createNamespacedCustomObject({ ...CR, plural: 'pgtasks', body });
  const createCluster = (name: string) => custom.createNamespacedCustomObject({ ...CR, plural: 'pgclusters', body: pgcluster(name, NS) });
  const cached = (name: string) => untilTrue(async () => (await t.gql<{ task: { name: string } | null }>(`{ task(namespace: "${NS}", name: "${name}") { name } }`)).data?.task?.name === name, `task ${name} in the cache`);

  before(async () => {
    // The tasks are checked as the API wrote them; the controllers would carry them out.
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  });
  after(() => t.dispose());

  test('Cluster.tasks includes the pg_dump, pg_restore and pgBackRest restore tasks that carry no pg-cluster label', async () => {
    await createCluster('owner');
    await createCluster('other');
    await createTask(pgtask('owner-stanza-create', 'backrest', { 'pg-cluster': 'owner' }, { 'pg-cluster': 'owner' }));
    await createTask(pgtask('backup-owner-pgdump', 'pgdump', {}, { 'pg-cluster': 'owner', 'pgdump-host': 'owner' }));
    await createTask(pgtask('restore-owner-pgdump', 'pgrestore', {}, { 'pgrestore-host': 'owner', 'pgrestore-from-cluster': 'other' }));
    await createTask(pgtask('backrest-restore-owner-to-owner-abcd', 'restore', { pgouser: 'admin' }, { 'backrest-restore-from-cluster': 'owner', 'backrest-restore-to-pvc': 'owner-abcd' }));
    await createTask(pgtask('backup-other-pgdump', 'pgdump', {}, { 'pg-cluster': 'other', 'pgdump-host': 'other' }));
    await cached('backup-other-pgdump');
    const res = await t.gql<{ cluster: { tasks: { name: string }[] } }>(`{ cluster(namespace: "${NS}", name: "owner") { tasks { name } } }`);
    assert.equal(res.errors, undefined);
    assert.deepEqual(res.data?.cluster.tasks.map((task) => task.name).sort(), ['backrest-restore-owner-to-owner-abcd', 'backup-owner-pgdump', 'owner-stanza-create', 'restore-owner-pgdump']);
  });

  test('Task.cluster of an unlabelled pg_restore task is the cluster it restores into', async () => {
    await createCluster('into');
    await createTask(pgtask('restore-into-pgdump', 'pgrestore', {}, { 'pgrestore-host': 'into', 'pgrestore-from-cluster': 'owner' }));
    await cached('restore-into-pgdump');
    const res = await t.gql<{ task: { clusterName: string; cluster: { name: string } | null } }>(`{ task(namespace: "${NS}", name: "restore-into-pgdump") { clusterName cluster { name } } }`);
    assert.deepEqual(res.data?.task, { clusterName: 'into', cluster: { name: 'into' } });
  });

  test('taskChanged by cluster sees the unlabelled tasks of its cluster and not those of others', async () => {
    const sub = subscribe<TaskChanged>(t.ws(), TASK_CHANGED, { cluster: 'watched' });
    await new Promise((r) => setTimeout(r, 200));
    await createTask(pgtask('backup-elsewhere-pgdump', 'pgdump', {}, { 'pg-cluster': 'elsewhere' }));
    await createTask(pgtask('backup-watched-pgdump', 'pgdump', {}, { 'pg-cluster': 'watched' }));
    await createTask(pgtask('restore-watched-pgdump', 'pgrestore', {}, { 'pgrestore-host': 'watched', 'pgrestore-from-cluster': 'elsewhere' }));
    await createTask(pgtask('backrest-restore-watched-to-w1', 'restore', {}, { 'backrest-restore-from-cluster': 'watched' }));
    const changes = await sub.next(3);
    assert.deepEqual(
      changes.map((c) => [c.taskChanged.type, c.taskChanged.task?.name, c.taskChanged.task?.clusterName]),
      [
        ['ADDED', 'backup-watched-pgdump', 'watched'],
        ['ADDED', 'restore-watched-pgdump', 'watched'],
        ['ADDED', 'backrest-restore-watched-to-w1', 'watched'],
      ],
    );
    sub.stop();
  });

  test('taskChanged by workflow id sees the workflow task and the step tasks that carry the id only as a parameter', async () => {
    const id = 'c0ffee00-0000-4000-8000-000000000001';
    const sub = subscribe<TaskChanged>(t.ws(), TASK_CHANGED, { workflowId: id });
    await new Promise((r) => setTimeout(r, 200));
    await createTask(pgtask('target-abcd-cloneworkflow', 'workflow', { 'pg-cluster': 'target', workflowid: id }, { 'pg-cluster': 'target', workflowid: id }));
    await createTask(pgtask('clone-step1-target-abcd', 'clone-step1', { 'pg-cluster': 'target', 'pgo-clone': 'true' }, { sourceClusterName: 'owner', targetClusterName: 'target', workflowid: id }));
    await createTask(pgtask('clone-step1-target-efgh', 'clone-step1', { 'pg-cluster': 'target', 'pgo-clone': 'true' }, { sourceClusterName: 'owner', targetClusterName: 'target', workflowid: 'another-id' }));
    await createTask(pgtask('benchmark-target-abcd', 'benchmark', { 'pg-cluster': 'target', 'pgo-benchmark': 'true' }, { clusterName: 'target', workflowID: id }));
    await createTask(pgtask('backrest-restore-target-to-t1', 'restore', {}, { 'backrest-restore-from-cluster': 'target', workflowid: id }));
    const changes = await sub.next(4);
    assert.deepEqual(
      changes.map((c) => c.taskChanged.task?.name),
      ['target-abcd-cloneworkflow', 'clone-step1-target-abcd', 'benchmark-target-abcd', 'backrest-restore-target-to-t1'],
    );
    sub.stop();
  });
});
