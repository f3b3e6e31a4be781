/**
 * Pgtasks carried out as 4.2.4 did, checked through the Kubernetes API: the Jobs' parameters, the
 * owners of the bootstrap tasks, the Events a person sees with kubectl describe, the minor upgrade
 * order, and the tasks that only a few clients create (pg_restore, delete-backups, info).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { CLUSTER_STATES } from '../../src/domain/constants.js';
import { PGCLUSTER } from '../../src/domain/custom-resources.js';
import { UNREADY_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { kubeReads } from '../support/kube-reads.js';
import type { KubeReads } from '../support/kube-reads.js';
import { until, untilTrue } from '../support/until.js';

const NS = 'pgouser1';
const CLUSTER = 'chore';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface ClusterResource {
  metadata: { uid: string; labels: Record<string, string> };
  spec: { ccpimagetag: string };
}

describe('task execution', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;
  let custom: k8s.CustomObjectsApi;
  let reads: KubeReads;

  const taskUntil: KubeReads['taskUntil'] = (name, check, what) => reads.taskUntil(name, check, what);
  const eventUntil: KubeReads['eventUntil'] = (name, reason) => reads.eventUntil(name, reason);

  const cluster = async (name = CLUSTER) => (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgclusters', name })) as ClusterResource;
  const gql = async <T = Record<string, unknown>>(query: string) => {
    const res = await t.gql<T>(query);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!;
  };
  const env = (run: k8s.V1Job) => Object.fromEntries((run.spec?.template.spec?.containers[0].env ?? []).map((e) => [e.name, e.value]));
  const createTask = (name: string, tasktype: string, parameters: Record<string, string>) =>
    custom.createNamespacedCustomObject({ ...CR, plural: 'pgtasks', body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name, labels: { 'pg-cluster': CLUSTER } }, spec: { name, tasktype, parameters } } });
  const instances = async () => (await apps.listNamespacedDeployment({ namespace: NS, labelSelector: `pg-cluster=${CLUSTER},pgo-pg-database=true` })).items;
  const readyOnImage = async (tag: string) => {
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: `pg-cluster=${CLUSTER},pgo-pg-database=true` })).items;
    return pods.length === 3 && pods.every((p) => p.spec?.containers[0].image?.endsWith(`:${tag}`) && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  };

  before(async () => {
    t = await startTestApp();
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    batch = t.kc.makeApiClient(k8s.BatchV1Api);
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    reads = kubeReads(t.kc, NS);
    await gql(`mutation { createCluster(input: { namespace: "${NS}", name: "${CLUSTER}", replicaCount: 2 }) { workflowId } }`);
    await until(() => (t.app.cache.get(PGCLUSTER, NS, CLUSTER)?.status?.state === CLUSTER_STATES.initialized ? true : undefined), 'the cluster Initialized', 90_000);
    const tag = (await cluster()).spec.ccpimagetag;
    await untilTrue(() => readyOnImage(tag), 'the replicas ready');
  });
  after(() => t.dispose());

  test('the create workflow, stanza-create and bootstrap backup tasks are owned by their cluster', async () => {
    const { uid } = (await cluster()).metadata;
    for (const name of [`${CLUSTER}-createcluster`, `${CLUSTER}-stanza-create`, `backrest-backup-${CLUSTER}`]) {
      const owned = await taskUntil(name, (x) => Boolean(x.metadata.ownerReferences?.length), `${name} owned`);
      assert.deepEqual(owned.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Pgcluster', CLUSTER, uid]], name);
    }
  });

  test('a pgBackRest Job runs against the primary: its IP as --db-host, its PGBACKREST_DB_PATH as --db-path and in the environment', async () => {
    const [primary] = (await core.listNamespacedPod({ namespace: NS, labelSelector: `pg-cluster=${CLUSTER},role=master` })).items;
    const dbPath = primary.spec?.containers[0].env?.find((e) => e.name === 'PGBACKREST_DB_PATH')?.value;
    assert.equal(dbPath, `/pgdata/${CLUSTER}`);
    const run = await batch.readNamespacedJob({ namespace: NS, name: `backrest-backup-${CLUSTER}` });
    const vars = env(run);
    assert.equal(vars.COMMAND, 'backup');
    assert.equal(vars.COMMAND_OPTS, `--type=full --db-host=${primary.status?.podIP} --db-path=${dbPath}`);
    assert.equal(vars.PGBACKREST_DB_PATH, dbPath);
    assert.equal(vars.PGBACKREST_REPO_TYPE, 'posix');
    assert.equal(vars.PGHA_PGBACKREST_LOCAL_S3_STORAGE, 'false');
    assert.equal(vars.PGBACKREST_LOG_PATH, '/tmp');
  });

  test('a pgBackRest info task runs its Job with the S3 repository type and completes', async () => {
    await createTask(`${CLUSTER}-info`, 'backrest', { 'job-name': `${CLUSTER}-info`, 'pg-cluster': CLUSTER, podname: 'repo', 'backrest-command': 'info', 'backrest-opts': '--db-host=elsewhere', 'backrest-storage-type': 's3' });
    await taskUntil(`${CLUSTER}-info`, (x) => x.spec.status === 'job completed', 'the info task completed');
    const vars = env(await batch.readNamespacedJob({ namespace: NS, name: `${CLUSTER}-info` }));
    assert.equal(vars.COMMAND, 'info');
    assert.equal(vars.COMMAND_OPTS, `--db-host=elsewhere --db-path=/pgdata/${CLUSTER}`, 'options naming the host keep theirs');
    assert.equal(vars.PGBACKREST_REPO_TYPE, 's3');
  });

  test('a repository on local and S3 storage runs the command on both: posix type with the local-and-S3 flag', async () => {
    await createTask(`${CLUSTER}-both`, 'backrest', { 'job-name': `${CLUSTER}-both`, 'pg-cluster': CLUSTER, podname: 'repo', 'backrest-command': 'info', 'backrest-opts': '', 'backrest-storage-type': 'local,s3' });
    await taskUntil(`${CLUSTER}-both`, (x) => x.spec.status === 'job completed', 'the info task completed');
    const vars = env(await batch.readNamespacedJob({ namespace: NS, name: `${CLUSTER}-both` }));
    assert.equal(vars.PGBACKREST_REPO_TYPE, 'posix');
    assert.equal(vars.PGHA_PGBACKREST_LOCAL_S3_STORAGE, 'true');
  });

  test('a task records TaskStarted and TaskCompleted Events on itself', async () => {
    await gql(`mutation { pgdumpBackup(input: { namespace: "${NS}", cluster: "${CLUSTER}" }) { task { name } } }`);
    await taskUntil(`backup-${CLUSTER}-pgdump`, (x) => x.spec.status.startsWith('job completed'), 'the pgdump task completed');
    assert.equal((await eventUntil(`backup-${CLUSTER}-pgdump`, 'TaskStarted')).type, 'Normal');
    assert.match(String((await eventUntil(`backup-${CLUSTER}-pgdump`, 'TaskCompleted')).message), /^job backup-chore-pgdump-[0-9a-f]{4} completed$/);
  });

  test('a pg_restore from a dump PVC runs its Job reading that PVC and the task completes', async () => {
    await gql(`mutation { pgdumpRestore(input: { namespace: "${NS}", cluster: "${CLUSTER}", fromCluster: "${CLUSTER}", fromPvc: "backup-${CLUSTER}-pgdump-pvc" }) { task { name } } }`);
    const done = await taskUntil(`restore-${CLUSTER}-pgdump`, (x) => x.spec.status.startsWith('job completed'), 'the pgrestore task completed');
    const jobName = /\[(.*)\]/.exec(done.spec.status)?.[1] ?? '';
    assert.match(jobName, new RegExp(`^pgrestore-${CLUSTER}-from-backup-${CLUSTER}-pgdump-pvc-[0-9a-f]{4}$`));
    const run = await batch.readNamespacedJob({ namespace: NS, name: jobName });
    assert.deepEqual(run.spec?.template.spec?.volumes?.map((v) => ({ ...v.persistentVolumeClaim })), [{ claimName: `backup-${CLUSTER}-pgdump-pvc`, readOnly: true }]);
    assert.equal((await eventUntil(`restore-${CLUSTER}-pgdump`, 'TaskCompleted')).type, 'Normal');
  });

  test('a benchmark records Benchmark when its Job starts and BenchmarkCompleted when it succeeded', async () => {
    const data = await gql<{ benchmarkCluster: { task: { name: string } } }>(`mutation { benchmarkCluster(input: { namespace: "${NS}", cluster: "${CLUSTER}" }) { task { name } } }`);
    const name = data.benchmarkCluster.task.name;
    assert.match(String((await eventUntil(CLUSTER, 'Benchmark')).message), new RegExp(name));
    assert.match(String((await eventUntil(CLUSTER, 'BenchmarkCompleted')).message), new RegExp(name));
  });

  test('deleting a policy records DeletePolicy on it', async () => {
    await gql(`mutation { createPolicy(input: { namespace: "${NS}", name: "fleeting", sql: "select 1;" }) { name } }`);
    await eventUntil('fleeting', 'CreatePolicy');
    await gql(`mutation { deletePolicy(namespace: "${NS}", name: "fleeting") { name } }`);
    assert.equal((await eventUntil('fleeting', 'DeletePolicy')).type, 'Normal');
  });

  test('a delete-backups task removes the Jobs of the cluster and nothing else', async () => {
    const before = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: `pg-cluster=${CLUSTER}` })).items.map((v) => v.metadata?.name).sort();
    assert.ok((await batch.listNamespacedJob({ namespace: NS, labelSelector: `pg-cluster=${CLUSTER}` })).items.length > 0, 'earlier tasks left Jobs');
    await createTask(`${CLUSTER}-delete-backups`, 'delete-backups', { 'pg-cluster': CLUSTER });
    await taskUntil(`${CLUSTER}-delete-backups`, (x) => x.spec.status === 'completed', 'the delete-backups task completed');
    await untilTrue(async () => (await batch.listNamespacedJob({ namespace: NS, labelSelector: `pg-cluster=${CLUSTER}` })).items.length === 0, 'the Jobs removed');
    assert.deepEqual((await core.listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: `pg-cluster=${CLUSTER}` })).items.map((v) => v.metadata?.name).sort(), before);
    assert.equal((await instances()).length, 3);
  });

  test('a minor upgrade records its targets, then moves the replicas one at a time and the primary last', async () => {
    const watch = new k8s.Watch(t.kc);
    const order: string[] = [];
    const request = await watch.watch(`/apis/apps/v1/namespaces/${NS}/deployments`, { labelSelector: `pg-cluster=${CLUSTER},pgo-pg-database=true` }, (_type: string, d: k8s.V1Deployment) => {
      const name = String(d.metadata?.name);
      if (d.spec?.template.spec?.containers[0].image?.endsWith(':centos7-12.5-4.2.5') && !order.includes(name)) order.push(name);
    }, () => undefined);
    try {
      await gql(`mutation { upgradeCluster(input: { namespace: "${NS}", cluster: "${CLUSTER}", imageTag: "centos7-12.5-4.2.5" }) { name } }`);
      const started = await taskUntil(`${CLUSTER}-minor-upgrade`, (x) => x.spec.status === 'in progress', 'the upgrade in progress');
      assert.equal(started.spec.parameters?.['upgrade-backrest'], '');
      const done = await taskUntil(`${CLUSTER}-minor-upgrade`, (x) => x.spec.status === 'completed', 'the upgrade completed');
      const replicas = (await custom.listNamespacedCustomObject({ ...CR, plural: 'pgreplicas', labelSelector: `pg-cluster=${CLUSTER}` })) as { items: { metadata: { name: string } }[] };
      assert.equal(order.length, 3, JSON.stringify(order));
      assert.deepEqual(order.slice(0, 2).sort(), replicas.items.map((r) => r.metadata.name).sort());
      assert.equal(order[2], CLUSTER);
      assert.equal(done.spec.parameters?.['upgrade-replicas'], '');
      assert.equal(done.spec.parameters?.['upgrade-primary'], '');
      assert.equal((await cluster()).spec.ccpimagetag, 'centos7-12.5-4.2.5');
    } finally {
      request.abort();
    }
    await untilTrue(() => readyOnImage('centos7-12.5-4.2.5'), 'every instance ready on the new image');
  });

  test('with automatic failover off a minor upgrade patches every instance at once and completes without waiting for them', async () => {
    await gql(`mutation { updateClusters(input: { target: { namespace: "${NS}", names: ["${CLUSTER}"] }, autofail: false }) { name } }`);
    await untilTrue(async () => (await cluster()).metadata.labels.autofail === 'false', 'autofail off');
    for (const d of await instances()) await apps.patchNamespacedDeployment({ namespace: NS, name: String(d.metadata?.name), body: { metadata: { annotations: { [UNREADY_ANNOTATION]: 'true' } } } }, MERGE);
    try {
      await gql(`mutation { upgradeCluster(input: { namespace: "${NS}", cluster: "${CLUSTER}", imageTag: "centos7-12.5-4.2.6" }) { name } }`);
      await taskUntil(`${CLUSTER}-minor-upgrade`, (x) => x.spec.status === 'completed', 'the upgrade completed');
      assert.ok((await instances()).every((d) => d.spec?.template.spec?.containers[0].image?.endsWith(':centos7-12.5-4.2.6')));
      assert.equal((await cluster()).metadata.labels['minor-upgrade'], 'upgrade-complete');
    } finally {
      for (const d of await instances()) await apps.patchNamespacedDeployment({ namespace: NS, name: String(d.metadata?.name), body: { metadata: { annotations: { [UNREADY_ANNOTATION]: null } } } }, MERGE);
      await gql(`mutation { updateClusters(input: { target: { namespace: "${NS}", names: ["${CLUSTER}"] }, autofail: true }) { name } }`);
    }
  });

  test('deleting a cluster records DeleteClusterCompleted once its rmdata Job finished', async () => {
    await gql(`mutation { deleteClusters(input: { target: { namespace: "${NS}", names: ["${CLUSTER}"] } }) { name } }`);
    const event = await eventUntil(CLUSTER, 'DeleteClusterCompleted');
    assert.match(String(event.message), new RegExp(`^cluster ${CLUSTER} removed by job ${CLUSTER}-rmdata-[0-9a-f]{4}$`));
    await assert.rejects(cluster(), (e: { code?: number }) => e.code === 404);
  });
});
