/** Each mutation creates the custom resources 4.2.4 created, checked through the Kubernetes API. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { until } from '../support/until.js';

const CR = { group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1' };

interface Obj {
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & { parameters?: Record<string, string>; userlabels?: Record<string, string> };
  status?: { state?: string; message?: string };
}

function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  return until(async () => {
    const value = await read();
    return ok(value) ? value : undefined;
  }, what);
}

describe('GraphQL mutations', () => {
  let t: TestApp;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;

  const get = (plural: string, name: string) => custom.getNamespacedCustomObject({ ...CR, plural, name }) as Promise<Obj>;
  const list = async (plural: string, labelSelector?: string) => ((await custom.listNamespacedCustomObject({ ...CR, plural, ...(labelSelector ? { labelSelector } : {}) })) as { items: Obj[] }).items;
  const inCache = (name: string) => eventually(() => t.gql<{ cluster: { name: string } | null }>(`{ cluster(namespace: "pgouser1", name: "${name}") { name } }`), (r) => r.data?.cluster?.name === name, `${name} in the cache`);

  before(async () => {
    // The API's own writes are checked here; the controllers would move them on.
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => t.dispose());

  test('createCluster creates the Pgcluster with 4.2.4 keys, labels and Created status', async () => {
    const res = await t.gql<{ createCluster: { workflowId: string; cluster: { name: string; state: string } } }>('mutation { createCluster(input: { namespace: "pgouser1", name: "hippo", replicaCount: 1, autofail: false }) { workflowId cluster { name state } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data?.createCluster.cluster.state, 'CREATED');
    const cr = await get('pgclusters', 'hippo');
    assert.equal(cr.status?.state, 'pgcluster Created');
    assert.equal(cr.status?.message, 'Created, not processed yet');
    assert.equal(cr.spec.replicas, '1');
    assert.equal(cr.spec.port, '5432');
    assert.equal((cr.spec.PrimaryStorage as { size: string }).size, '300M');
    assert.equal(cr.spec.usersecretname, 'hippo-testuser-secret');
    assert.equal(cr.spec.userlabels?.workflowid, res.data?.createCluster.workflowId);
    assert.equal(cr.metadata.labels?.autofail, 'false');
    assert.equal(cr.metadata.labels?.pgouser, 'pgoadmin');
    assert.equal(cr.metadata.labels?.['pgo-backrest'], 'true');
  });

  test('createCluster creates the user secrets, the backrest repo secret and the createcluster workflow', async () => {
    const secrets = (await core.listNamespacedSecret({ namespace: 'pgouser1', labelSelector: 'pg-cluster=hippo' })).items.map((s) => s.metadata?.name).sort();
    assert.deepEqual(secrets, ['hippo-backrest-repo-config', 'hippo-postgres-secret', 'hippo-primaryuser-secret', 'hippo-testuser-secret']);
    const repo = await core.readNamespacedSecret({ namespace: 'pgouser1', name: 'hippo-backrest-repo-config' });
    assert.match(Buffer.from(String(repo.data?.authorized_keys), 'base64').toString(), /^ssh-rsa AAAA/);
    const workflow = await get('pgtasks', 'hippo-createcluster');
    assert.equal(workflow.spec.tasktype, 'workflow');
    assert.equal(workflow.spec.parameters?.['pg-cluster'], 'hippo');
    assert.ok(workflow.spec.parameters?.['task submitted']);
  });

  test('the workflow query answers the creation workflow by id', async () => {
    const cr = await get('pgclusters', 'hippo');
    const id = String(cr.spec.userlabels?.workflowid);
    const res = await t.gql<{ workflow: { id: string; clusterName: string; steps: { name: string }[]; completed: boolean } }>(`{ workflow(namespace: "pgouser1", id: "${id}") { id clusterName steps { name } completed } }`);
    assert.deepEqual(res.data?.workflow, { id, clusterName: 'hippo', steps: [{ name: 'task submitted' }], completed: false });
  });

  test('an unknown workflow id is NOT_FOUND', async () => {
    const res = await t.gql('{ workflow(namespace: "pgouser1", id: "00000000-0000-4000-8000-000000000000") { id } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('creating a cluster that exists is ALREADY_EXISTS and writes nothing', async () => {
    const before = t.app.writer.requests;
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "hippo" }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'ALREADY_EXISTS');
    assert.equal(t.app.writer.requests, before);
  });

  test('an invalid cluster name is BAD_USER_INPUT naming the field, and nothing is created', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "Hippo_2" }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.field, 'name');
    assert.equal((await list('pgtasks')).filter((x) => x.metadata.name.startsWith('Hippo')).length, 0);
  });

  test('input shape errors name every field at fault and never echo the input', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "x", replicaCount: -2, password: "short" }) { workflowId } }');
    const error = res.errors?.[0];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(String(error?.message), /replicaCount: .*password: /);
    assert.ok(!JSON.stringify(res).includes('short'), 'the password was echoed back');
  });

  test('"all" is refused as a cluster name', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "all" }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.field, 'name');
  });

  test('a policy that does not exist is refused before anything is written', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "withpolicy", policies: ["nope"] }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.field, 'policies');
    assert.equal((await core.listNamespacedSecret({ namespace: 'pgouser1', labelSelector: 'pg-cluster=withpolicy' })).items.length, 0);
  });

  test('scaleCluster creates Pgreplicas named <cluster>-<4 letters> with Created status', async () => {
    await inCache('hippo');
    const res = await t.gql<{ scaleCluster: { name: string; clusterName: string; state: string }[] }>('mutation { scaleCluster(input: { namespace: "pgouser1", cluster: "hippo", replicaCount: 2 }) { name clusterName state } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const names = res.data!.scaleCluster.map((r) => r.name);
    assert.equal(names.length, 2);
    for (const name of names) {
      assert.match(name, /^hippo-[a-z]{4}$/);
      const cr = await get('pgreplicas', name);
      assert.equal(cr.metadata.labels?.['pg-cluster'], 'hippo');
      assert.equal(cr.status?.state, 'pgreplica Created');
    }
  });

  test('scaling a cluster that does not exist is NOT_FOUND', async () => {
    const res = await t.gql('mutation { scaleCluster(input: { namespace: "pgouser1", cluster: "ghost" }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('labelClusters adds a label to the Pgcluster', async () => {
    const res = await t.gql('mutation { labelClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, labels: [{ key: "env", value: "prod" }] }) { name } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal((await get('pgclusters', 'hippo')).metadata.labels?.env, 'prod');
  });

  test('an invalid label value is BAD_USER_INPUT', async () => {
    const res = await t.gql('mutation { labelClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, labels: [{ key: "env", value: "has space" }] }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  test('updateClusters turns automatic failover on', async () => {
    await t.gql('mutation { updateClusters(input: { target: { namespace: "pgouser1", selector: "env=prod" }, autofail: true }) { name autofail } }');
    assert.equal((await get('pgclusters', 'hippo')).metadata.labels?.autofail, 'true');
  });

  test('createPolicy stores the SQL and applyPolicy in dry-run reports without labelling', async () => {
    const created = await t.gql<{ createPolicy: { name: string; sql: string } }>('mutation { createPolicy(input: { namespace: "pgouser1", name: "audit", sql: "create table audit(id int);" }) { name sql } }');
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const cr = await get('pgpolicies', 'audit');
    assert.equal(cr.spec.sql, 'create table audit(id int);');
    assert.equal(cr.status?.state, 'pgpolicy Created');
    const both = await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "both", sql: "x", url: "http://example.com/x.sql" }) { name } }');
    assert.equal(both.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  test('a pgBackRest backup of a cluster with no repository pod is UNAVAILABLE and writes nothing', async () => {
    const res = await t.gql('mutation { backrestBackup(input: { namespace: "pgouser1", cluster: "hippo", type: FULL }) { task { name } } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'UNAVAILABLE');
    assert.equal((await list('pgtasks')).some((x) => x.metadata.name === 'backrest-backup-hippo'), false);
  });

  test('backrestRestore creates the restore workflow and the restore task with its parameters', async () => {
    const res = await t.gql<{ backrestRestore: { workflowId: string; task: { name: string } } }>('mutation { backrestRestore(input: { namespace: "pgouser1", cluster: "hippo", toPvc: "hippo-rest" }) { workflowId task { name } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const task = await get('pgtasks', 'backrest-restore-hippo-to-hippo-rest');
    assert.equal(task.spec.tasktype, 'restore');
    assert.equal(task.spec.parameters?.['backrest-restore-to-pvc'], 'hippo-rest');
    assert.equal(task.spec.parameters?.workflowid, res.data?.backrestRestore.workflowId);
    const workflow = await get('pgtasks', 'hippo-pgbackrestrestore');
    assert.equal(workflow.metadata.labels?.workflowid, res.data?.backrestRestore.workflowId);
  });

  test('failover to a Deployment that is not a replica of the cluster is BAD_USER_INPUT naming the target', async () => {
    const res = await t.gql('mutation { failover(input: { namespace: "pgouser1", cluster: "hippo", target: "hippo-zzzz" }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.field, 'target');
  });

  test('deleteClusters creates the rmdata task with delete-data and delete-backups', async () => {
    const res = await t.gql<{ deleteClusters: { name: string }[] }>('mutation { deleteClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, keepBackups: true }) { name } }');
    assert.deepEqual(res.data?.deleteClusters, [{ name: 'hippo' }]);
    const task = await get('pgtasks', 'hippo-rmdata');
    assert.equal(task.spec.tasktype, 'delete-data');
    assert.equal(task.spec.parameters?.['delete-data'], 'true');
    assert.equal(task.spec.parameters?.['delete-backups'], 'false');
    assert.equal(task.metadata.labels?.pgrmdata, 'true');
  });

  test('a mutation into a namespace the server does not manage is refused', async () => {
    const res = await t.gql('mutation { createPolicy(input: { namespace: "default", name: "p", sql: "select 1" }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.field, 'namespace');
  });
});
