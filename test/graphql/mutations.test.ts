/** Each mutation creates the custom resources 4.2.4 created, checked through the Kubernetes API. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { CONFIGMAPS } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { until } from '../support/until.js';

const NS = 'pgouser1';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

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
  let apps: k8s.AppsV1Api;

  const get = (plural: string, name: string) => custom.getNamespacedCustomObject({ ...CR, plural, name }) as Promise<Obj>;
  const list = async (plural: string, labelSelector?: string) => ((await custom.listNamespacedCustomObject({ ...CR, plural, ...(labelSelector ? { labelSelector } : {}) })) as { items: Obj[] }).items;
  const secretText = async (name: string, key: string) => Buffer.from(String((await core.readNamespacedSecret({ namespace: NS, name })).data?.[key]), 'base64').toString();
  const deploymentLabels = async (name: string) => (await apps.readNamespacedDeployment({ namespace: NS, name })).metadata?.labels ?? {};
  const configMap = async (namespace: string, name: string) => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { 'postgres-ha.yaml': 'bootstrap: {}\n' } } });
    await until(() => t.app.cache.get(CONFIGMAPS, namespace, name), `ConfigMap ${name} in the cache`);
  };
  const inCache = (name: string) => eventually(() => t.gql<{ cluster: { name: string } | null }>(`{ cluster(namespace: "pgouser1", name: "${name}") { name } }`), (r) => r.data?.cluster?.name === name, `${name} in the cache`);

  before(async () => {
    // The API's own writes are checked here; the controllers would move them on.
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
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

  test('createCluster with backrestS3Key and backrestS3KeySecret writes them into the repository Secret\'s aws-s3-credentials.yaml', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "s3keyed", backrestStorageType: "local,s3", backrestS3Bucket: "b", backrestS3Region: "r", backrestS3Endpoint: "s3.local", backrestS3Key: "AKIAEXAMPLE", backrestS3KeySecret: "se/cr+et" }) { workflowId } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(parse(await secretText('s3keyed-backrest-repo-config', 'aws-s3-credentials.yaml')), { 'aws-s3-key': 'AKIAEXAMPLE', 'aws-s3-key-secret': 'se/cr+et' });
    const cr = await get('pgclusters', 's3keyed');
    assert.deepEqual([cr.spec.backrestS3Bucket, cr.spec.backrestS3Region, cr.spec.backrestS3Endpoint], ['b', 'r', 's3.local']);
  });

  test('without S3 credentials the repository Secret carries the empty credentials file', async () => {
    assert.deepEqual(parse(await secretText('hippo-backrest-repo-config', 'aws-s3-credentials.yaml')), { 'aws-s3-key': null, 'aws-s3-key-secret': null });
  });

  test('backrestS3Key without backrestS3KeySecret is BAD_USER_INPUT naming backrestS3KeySecret, and nothing is created', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "halfkey", backrestS3Key: "AKIAEXAMPLE" }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.field, 'backrestS3KeySecret');
    assert.equal((await core.listNamespacedSecret({ namespace: NS, labelSelector: 'pg-cluster=halfkey' })).items.length, 0);
  });

  test('createCluster with customConfig records the ConfigMap on the cluster as 4.2.4 did', async () => {
    await configMap(NS, 'tuned-pg');
    const res = await t.gql<{ createCluster: { cluster: { customConfig: string } } }>('mutation { createCluster(input: { namespace: "pgouser1", name: "tuned", customConfig: "tuned-pg" }) { cluster { customConfig } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data?.createCluster.cluster.customConfig, 'tuned-pg');
    const cr = await get('pgclusters', 'tuned');
    assert.equal(cr.spec.customconfig, 'tuned-pg');
    assert.equal(cr.spec.userlabels?.['custom-config'], 'tuned-pg');
  });

  test('a namespace\'s pgo-custom-pg-config ConfigMap is recorded as the custom-config user label, as 4.2.4 did', async () => {
    await configMap('pgouser2', 'pgo-custom-pg-config');
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser2", name: "defaulted" }) { workflowId } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const cr = (await custom.getNamespacedCustomObject({ ...CR, namespace: 'pgouser2', plural: 'pgclusters', name: 'defaulted' })) as Obj;
    assert.equal(cr.spec.userlabels?.['custom-config'], 'pgo-custom-pg-config');
    assert.equal(cr.spec.customconfig, '');
  });

  test('a customConfig ConfigMap that does not exist is BAD_USER_INPUT naming customConfig', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "untuned", customConfig: "no-such-map" }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.field, 'customConfig');
  });

  test('createCluster with series 3 creates <name>0, <name>1 and <name>2, each with its own workflow', async () => {
    const res = await t.gql<{ createCluster: { clusters: { name: string; workflowId: string }[] } }>('mutation { createCluster(input: { namespace: "pgouser1", name: "herd", series: 3 }) { clusters { name workflowId } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const created = res.data!.createCluster.clusters;
    assert.deepEqual(created.map((c) => c.name), ['herd0', 'herd1', 'herd2']);
    assert.equal(new Set(created.map((c) => c.workflowId)).size, 3);
    for (const c of created) assert.equal((await get('pgclusters', c.name)).spec.userlabels?.workflowid, c.workflowId);
  });

  test('a series with a name already taken is ALREADY_EXISTS and creates none of the others', async () => {
    await inCache('herd1');
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "herd", series: 4 }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'ALREADY_EXISTS');
    assert.equal((await list('pgclusters')).some((c) => c.metadata.name === 'herd3'), false);
  });

  test('a series above the limit is BAD_USER_INPUT naming series', async () => {
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "crowd", series: 1000 }) { workflowId } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.field, 'series');
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

  test('labelClusters also labels the cluster\'s Deployments', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: { metadata: { name: 'hippo', labels: { 'pg-cluster': 'hippo', 'service-name': 'hippo' } }, spec: { replicas: 1, selector: { matchLabels: { name: 'hippo' } }, template: { metadata: { labels: { name: 'hippo' } }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } } } } });
    await eventually(() => t.gql<{ cluster: { deployments: { name: string }[] } }>('{ cluster(namespace: "pgouser1", name: "hippo") { deployments { name } } }'), (r) => r.data?.cluster.deployments.length === 1, 'the Deployment in the cache');
    const res = await t.gql('mutation { labelClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, labels: [{ key: "tier", value: "gold" }] }) { name } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal((await deploymentLabels('hippo')).tier, 'gold');
  });

  test('unlabelClusters removes the label from the Pgcluster and its Deployments', async () => {
    const res = await t.gql<{ unlabelClusters: { name: string }[] }>('mutation { unlabelClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, keys: ["tier"] }) { name } }');
    assert.deepEqual(res.data?.unlabelClusters, [{ name: 'hippo' }]);
    assert.equal((await get('pgclusters', 'hippo')).metadata.labels?.tier, undefined);
    assert.equal((await deploymentLabels('hippo')).tier, undefined);
  });

  test('unlabelClusters without keys is BAD_USER_INPUT naming keys', async () => {
    const res = await t.gql('mutation { unlabelClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, keys: [] }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.field, 'keys');
  });

  test('an invalid label value is BAD_USER_INPUT', async () => {
    const res = await t.gql('mutation { labelClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, labels: [{ key: "env", value: "has space" }] }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  test('updateClusters turns automatic failover on', async () => {
    await t.gql('mutation { updateClusters(input: { target: { namespace: "pgouser1", selector: "env=prod" }, autofail: true }) { name autofail } }');
    assert.equal((await get('pgclusters', 'hippo')).metadata.labels?.autofail, 'true');
  });

  test('createPolicy stores inline SQL on a Pgpolicy with Created status', async () => {
    const created = await t.gql<{ createPolicy: { name: string; sql: string } }>('mutation { createPolicy(input: { namespace: "pgouser1", name: "audit", sql: "create table audit(id int);" }) { name sql } }');
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const cr = await get('pgpolicies', 'audit');
    assert.equal(cr.spec.sql, 'create table audit(id int);');
    assert.equal(cr.status?.state, 'pgpolicy Created');
  });

  test('a policy with both sql and url is BAD_USER_INPUT', async () => {
    const both = await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "both", sql: "x", url: "http://example.com/x.sql" }) { name } }');
    assert.equal(both.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  test('createPolicy from a URL stores the URL and leaves fetching the SQL to the apply', async () => {
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched++;
      res.end('create table fetched(id int);');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fetched.sql`;
      const res = await t.gql<{ createPolicy: { url: string; sql: string } }>('mutation($url: String) { createPolicy(input: { namespace: "pgouser1", name: "fetched", url: $url }) { url sql } }', { url });
      assert.deepEqual(res.data?.createPolicy, { url, sql: '' });
      const cr = await get('pgpolicies', 'fetched');
      assert.equal(cr.spec.url, url);
      assert.equal(cr.spec.sql, '');
      assert.equal(fetched, 0, 'the SQL was fetched at create time');
    } finally {
      server.close();
    }
  });

  test('deletePolicy deletes the Pgpolicy and answers it', async () => {
    await eventually(() => t.gql<{ policy: { name: string } | null }>('{ policy(namespace: "pgouser1", name: "fetched") { name } }'), (r) => r.data?.policy?.name === 'fetched', 'the policy in the cache');
    const res = await t.gql<{ deletePolicy: { name: string }[] }>('mutation { deletePolicy(namespace: "pgouser1", name: "fetched") { name } }');
    assert.deepEqual(res.data?.deletePolicy, [{ name: 'fetched' }]);
    assert.equal((await list('pgpolicies')).some((p) => p.metadata.name === 'fetched'), false);
  });

  test('deleting a policy that does not exist is NOT_FOUND', async () => {
    const res = await t.gql('mutation { deletePolicy(namespace: "pgouser1", name: "ghost") { name } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'NOT_FOUND');
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

  test('deleteClusters with keepData only keeps the data and still deletes the backups', async () => {
    const res = await t.gql('mutation { deleteClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, keepData: true }) { name } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const task = await get('pgtasks', 'hippo-rmdata');
    assert.equal(task.spec.parameters?.['delete-data'], 'false');
    assert.equal(task.spec.parameters?.['delete-backups'], 'true');
  });

  test('cloning into a cluster with an unfinished clone is CONFLICT', async () => {
    await custom.createNamespacedCustomObject({ ...CR, plural: 'pgtasks', body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name: 'clone-step1-dolly-abcd', labels: { 'pg-cluster': 'dolly', 'pgo-clone': 'true' } }, spec: { namespace: NS, name: 'clone-step1-dolly-abcd', tasktype: 'clone-step1', status: '', parameters: {} } } });
    await inCache('tuned');
    const res = await eventually(() => t.gql('mutation { cloneCluster(input: { namespace: "pgouser1", source: "tuned", target: "dolly" }) { workflowId } }'), (r) => r.errors !== undefined, 'the clone task in the cache');
    assert.equal(res.errors?.[0]?.extensions?.code, 'CONFLICT');
  });

  test('a mutation into a namespace the server does not manage is refused', async () => {
    const res = await t.gql('mutation { createPolicy(input: { namespace: "default", name: "p", sql: "select 1" }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.errors?.[0]?.extensions?.field, 'namespace');
  });

  describe('on a running cluster', () => {
    async function runningPod(name: string, labels: Record<string, string>): Promise<void> {
      await core.createNamespacedPod({ namespace: NS, body: { metadata: { name, labels }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } } });
      await core.patchNamespacedPodStatus({ namespace: NS, name, body: { status: { phase: 'Running', containerStatuses: [{ name: 'database', ready: true, restartCount: 0, image: 'crunchy-postgres-ha', imageID: '', started: true }] } } }, MERGE);
    }

    before(async () => {
      const created = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "lively" }) { workflowId } }');
      assert.equal(created.errors, undefined, JSON.stringify(created.errors));
      await runningPod('lively-primary-pod', { 'pg-cluster': 'lively', 'pgo-pg-database': 'true', 'service-name': 'lively', 'deployment-name': 'lively', role: 'master' });
      await runningPod('lively-backrest-shared-repo-pod', { 'pg-cluster': 'lively', 'pgo-backrest-repo': 'true', 'service-name': 'lively-backrest-shared-repo' });
      await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: { metadata: { name: 'lively-pgdump-pvc', labels: { 'pg-cluster': 'lively' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1G' } } } } });
      await eventually(
        () => t.gql<{ cluster: { pods: { ready: boolean }[]; volumes: { name: string }[] } | null }>('{ cluster(namespace: "pgouser1", name: "lively") { pods { ready } volumes { name } } }'),
        (r) => r.data?.cluster?.pods.filter((p) => p.ready).length === 2 && r.data.cluster.volumes.length === 1,
        'the ready pods and the dump PVC in the cache',
      );
    });

    test('a DIFF backrestBackup asks pgBackRest for a differential backup on the repository pod', async () => {
      const res = await t.gql<{ backrestBackup: { task: { name: string }; workflowId: string | null } }>('mutation { backrestBackup(input: { namespace: "pgouser1", cluster: "lively", type: DIFF }) { task { name } workflowId } }');
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.deepEqual(res.data?.backrestBackup, { task: { name: 'backrest-backup-lively' }, workflowId: null });
      const task = await get('pgtasks', 'backrest-backup-lively');
      assert.equal(task.spec.parameters?.['backrest-opts'], '--type=diff');
      assert.equal(task.spec.parameters?.podname, 'lively-backrest-shared-repo-pod');
    });

    test('pgdumpRestore creates the restore task from the dump PVC and, as in 4.2.4, no workflow', async () => {
      const res = await t.gql<{ pgdumpRestore: { task: { name: string; taskType: string }; workflowId: string | null } }>('mutation { pgdumpRestore(input: { namespace: "pgouser1", cluster: "lively", fromCluster: "lively", fromPvc: "lively-pgdump-pvc" }) { task { name taskType } workflowId } }');
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.deepEqual(res.data?.pgdumpRestore, { task: { name: 'restore-lively-pgdump', taskType: 'pgrestore' }, workflowId: null });
      const task = await get('pgtasks', 'restore-lively-pgdump');
      assert.equal(task.spec.parameters?.['pgrestore-from-pvc'], 'lively-pgdump-pvc');
      assert.equal(task.spec.parameters?.['pgrestore-host'], 'lively');
    });
  });
});
