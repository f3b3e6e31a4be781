/**
 * Failed Jobs surface (reference §11 item 8): each task whose Job fails is marked failed with the
 * Job's reason, its workflow records the failure, and Warning Events land on the task and on the
 * cluster. The simulated node fails the Jobs a cluster's FAIL_JOBS_ANNOTATION selects, or a Job
 * annotated FAIL_ANNOTATION (clone Jobs belong to a cluster that does not exist yet); Jobs run for
 * a few hundred milliseconds so a test can annotate one before it finishes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { CLUSTER_STATES } from '../../src/domain/constants.js';
import { PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import { DEPLOYMENTS, SERVICES } from '../../src/kube/resources.js';
import { FAIL_ANNOTATION, FAIL_JOBS_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { kubeReads } from '../support/kube-reads.js';
import type { KubeReads } from '../support/kube-reads.js';
import { until, untilTrue } from '../support/until.js';

const NS = 'pgouser1';
const CLUSTER = 'frail';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
/** A Job's pod finishes two delays after its creation, timed to the second: room to annotate it first. */
const RUNTIME_DELAY_MS = '1000';

describe('failed Jobs', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let custom: k8s.CustomObjectsApi;
  let reads: KubeReads;

  const task = (name: string) => reads.task(name);
  const taskUntil: KubeReads['taskUntil'] = (name, check, what) => reads.taskUntil(name, check, what);
  const eventUntil: KubeReads['eventUntil'] = (name, reason) => reads.eventUntil(name, reason);

  const failJobs = (selector: string | null) => custom.patchNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: CLUSTER, body: { metadata: { annotations: { [FAIL_JOBS_ANNOTATION]: selector } } } }, MERGE);
  const gql = async (query: string) => {
    const res = await t.gql(query);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res;
  };
  /** Fails the first Job matching the selector the moment it appears (before its pod finishes). */
  const failJobWhenCreated = async (labelSelector: string) => {
    const run = await until(async () => (await batch.listNamespacedJob({ namespace: NS, labelSelector })).items[0], `a Job ${labelSelector}`);
    await batch.patchNamespacedJob({ namespace: NS, name: String(run.metadata?.name), body: { metadata: { annotations: { [FAIL_ANNOTATION]: 'the repository was unreachable' } } } }, MERGE);
    return String(run.metadata?.name);
  };
  const workflowSteps = async (id: string) => {
    const res = await t.gql<{ workflow: { steps: { name: string }[] } }>(`{ workflow(namespace: "${NS}", id: "${id}") { steps { name } } }`);
    return res.data?.workflow.steps.map((s) => s.name) ?? [];
  };

  before(async () => {
    t = await startTestApp({ PGO_RUNTIME_DELAY_MS: RUNTIME_DELAY_MS });
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    batch = t.kc.makeApiClient(k8s.BatchV1Api);
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    reads = kubeReads(t.kc, NS);
    await gql(`mutation { createCluster(input: { namespace: "${NS}", name: "${CLUSTER}" }) { workflowId } }`);
    await until(() => (t.app.cache.get(PGCLUSTER, NS, CLUSTER)?.status?.state === CLUSTER_STATES.initialized ? true : undefined), 'the cluster Initialized', 90_000);
  });
  after(() => t.dispose());

  test('a failed pgBackRest backup Job fails its task with the reason and records Warning Events on the task and the cluster', async () => {
    await failJobs('backrest-command=backup');
    await gql(`mutation { backrestBackup(input: { namespace: "${NS}", cluster: "${CLUSTER}" }) { task { name } } }`);
    const failed = await taskUntil(`backrest-backup-${CLUSTER}`, (x) => x.spec.status === 'job error', 'the backup task failed');
    assert.equal(failed.status?.message, `job backrest-backup-${CLUSTER} failed: simulated failure of job backrest-backup-${CLUSTER}`);
    assert.match(String((await eventUntil(`backrest-backup-${CLUSTER}`, 'TaskFailed')).message), /simulated failure/);
    assert.equal((await eventUntil(CLUSTER, 'CreateBackupFailed')).type, 'Warning');
    await failJobs(null);
  });

  test('a failed pg_dump Job fails its task as "job error [<job>]" with a PgdumpFailed Event on the cluster', async () => {
    await failJobs('pgdump=true');
    await gql(`mutation { pgdumpBackup(input: { namespace: "${NS}", cluster: "${CLUSTER}" }) { task { name } } }`);
    const failed = await taskUntil(`backup-${CLUSTER}-pgdump`, (x) => x.spec.status.startsWith('job error'), 'the pgdump task failed');
    assert.match(failed.spec.status, new RegExp(`^job error \\[backup-${CLUSTER}-pgdump-[0-9a-f]{4}\\]$`));
    assert.match(String(failed.status?.message), /simulated failure/);
    assert.equal((await eventUntil(CLUSTER, 'PgdumpFailed')).type, 'Warning');
    await failJobs(null);
  });

  test('a failed pg_restore Job fails its task with a PgrestoreFailed Event on the cluster', async () => {
    await failJobs('pgrestore=true');
    await untilTrue(async () => (await core.listNamespacedPersistentVolumeClaim({ namespace: NS, fieldSelector: `metadata.name=backup-${CLUSTER}-pgdump-pvc` })).items.length === 1, 'the dump PVC');
    await gql(`mutation { pgdumpRestore(input: { namespace: "${NS}", cluster: "${CLUSTER}", fromCluster: "${CLUSTER}", fromPvc: "backup-${CLUSTER}-pgdump-pvc" }) { task { name } } }`);
    const failed = await taskUntil(`restore-${CLUSTER}-pgdump`, (x) => x.spec.status.startsWith('job error'), 'the pgrestore task failed');
    assert.match(String(failed.status?.message), /simulated failure/);
    assert.equal((await eventUntil(CLUSTER, 'PgrestoreFailed')).type, 'Warning');
    await failJobs(null);
  });

  test('a failed benchmark Job fails its task with a BenchmarkFailed Event on the cluster', async () => {
    await failJobs('pgo-benchmark=true');
    const res = await t.gql<{ benchmarkCluster: { task: { name: string } } }>(`mutation { benchmarkCluster(input: { namespace: "${NS}", cluster: "${CLUSTER}" }) { task { name } } }`);
    const name = res.data!.benchmarkCluster.task.name;
    await taskUntil(name, (x) => x.spec.status === `job error [${name}]`, 'the benchmark task failed');
    assert.equal((await eventUntil(CLUSTER, 'BenchmarkFailed')).type, 'Warning');
    await failJobs(null);
  });

  test('a failed pg_basebackup Job records the failure in the backup workflow and on the cluster', async () => {
    await failJobs('pgbackup=true');
    const res = await t.gql<{ basebackup: { workflowId: string } }>(`mutation { basebackup(input: { namespace: "${NS}", cluster: "${CLUSTER}" }) { workflowId } }`);
    await untilTrue(async () => (await workflowSteps(res.data!.basebackup.workflowId)).includes('task failed'), 'the workflow to record the failure');
    assert.equal((await eventUntil(CLUSTER, 'CreateBackupFailed')).type, 'Warning');
    await failJobs(null);
  });

  test('a failed policy Job does not label the cluster as applied, and applying the policy again runs it again', async () => {
    await gql(`mutation { createPolicy(input: { namespace: "${NS}", name: "brittle", sql: "select 1;" }) { name } }`);
    await failJobs('pgo-policy=brittle');
    await gql(`mutation { applyPolicy(input: { policy: "brittle", target: { namespace: "${NS}", names: ["${CLUSTER}"] } }) { deployment } }`);
    assert.match(String((await eventUntil(CLUSTER, 'ApplyPolicyFailed')).message), /policy brittle was not applied: job .* failed: simulated failure/);
    await untilTrue(async () => !(await task(`${CLUSTER}-policies`).catch(() => undefined))?.spec.parameters?.brittle, 'the policy off the queue');
    assert.equal(t.app.cache.get(PGCLUSTER, NS, CLUSTER)?.metadata.labels?.brittle, undefined);
    await failJobs(null);
    await gql(`mutation { applyPolicy(input: { policy: "brittle", target: { namespace: "${NS}", names: ["${CLUSTER}"] } }) { deployment } }`);
    await untilTrue(async () => (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: CLUSTER }) as { metadata: { labels: Record<string, string> } }).metadata.labels.brittle === 'pgpolicy', 'the policy applied');
  });

  test('a failed pgBouncer credentials Job fails its task with an Event on the cluster', async () => {
    await failJobs('crunchy-pgbouncer=true');
    await gql(`mutation { addPgbouncer(input: { namespace: "${NS}", cluster: "${CLUSTER}" }) { name } }`);
    const failed = await taskUntil(`${CLUSTER}update-pgbouncer-auths`, (x) => x.spec.status === 'job error', 'the credentials task failed');
    assert.match(String(failed.status?.message), /simulated failure/);
    assert.equal((await eventUntil(CLUSTER, 'UpdatePgbouncerAuthsFailed')).type, 'Warning');
    await failJobs(null);
  });

  test('a failed clone repository sync Job ends the clone at step 1 with CloneClusterFailure on the source and the failure in the workflow', async () => {
    const res = await t.gql<{ cloneCluster: { workflowId: string } }>(`mutation { cloneCluster(input: { namespace: "${NS}", source: "${CLUSTER}", target: "frail-copy" }) { workflowId } }`);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const jobName = await failJobWhenCreated('pgo-clone-step-1=true,pg-cluster=frail-copy');
    assert.match(String((await eventUntil(CLUSTER, 'CloneClusterFailure')).message), new RegExp(`job ${jobName} failed: the repository was unreachable`));
    await untilTrue(async () => (await workflowSteps(res.data!.cloneCluster.workflowId)).includes('task failed'), 'the workflow to record the failure');
    const steps = t.app.cache.byCluster(PGTASK, NS, 'frail-copy').map((x) => x.spec.tasktype);
    assert.deepEqual(steps.filter((x) => x.startsWith('clone-step')), ['clone-step1']);
  });

  test('a failed clone restore Job ends the clone at step 2 and no cluster is created', async () => {
    const res = await t.gql<{ cloneCluster: { workflowId: string } }>(`mutation { cloneCluster(input: { namespace: "${NS}", source: "${CLUSTER}", target: "frail-twin" }) { workflowId } }`);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const jobName = await failJobWhenCreated('pgo-clone-step-2=true,pg-cluster=frail-twin');
    const step2 = await until(() => t.app.cache.byCluster(PGTASK, NS, 'frail-twin').find((x) => x.spec.tasktype === 'clone-step2' && x.status?.message?.includes('failed')), 'the step 2 task failed');
    assert.equal(step2.status?.message, `job ${jobName} failed: the repository was unreachable`);
    assert.equal((await eventUntil(step2.metadata.name, 'TaskFailed')).type, 'Warning');
    assert.equal(t.app.cache.byCluster(PGTASK, NS, 'frail-twin').some((x) => x.spec.tasktype === 'clone-step3'), false);
    assert.equal(t.app.cache.get(PGCLUSTER, NS, 'frail-twin'), undefined);
    // Step 2 built the target's repository to restore from, before any target cluster existed.
    for (const kind of [DEPLOYMENTS, SERVICES]) assert.deepEqual(t.app.cache.get(kind, NS, 'frail-twin-backrest-shared-repo')?.metadata.labels?.['pgo-backrest-repo'], 'true', `${kind.kind} of the target's repository`);
  });

  test('a failed pgBackRest restore Job fails the restore task, records the failure in its workflow and RestoreClusterFailed on the cluster', async () => {
    await failJobs('pgo-backrest-restore=true');
    const res = await t.gql<{ backrestRestore: { workflowId: string; task: { name: string } } }>(`mutation { backrestRestore(input: { namespace: "${NS}", cluster: "${CLUSTER}", toPvc: "frail-restored" }) { workflowId task { name } } }`);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const failed = await taskUntil(res.data!.backrestRestore.task.name, (x) => x.spec.status === 'job error', 'the restore task failed');
    assert.match(String(failed.status?.message), /^restore job restore-frail-[0-9a-f]{4} failed: simulated failure/);
    const steps = await workflowSteps(res.data!.backrestRestore.workflowId);
    assert.ok(steps.includes('restore job created') && steps.includes('task failed') && !steps.includes('restored Primary created'), JSON.stringify(steps));
    assert.equal((await eventUntil(CLUSTER, 'RestoreClusterFailed')).type, 'Warning');
    await failJobs(null);
  });

  test('a failed rmdata Job fails the delete task, which has no owner, and the cluster stays', async () => {
    await failJobs('pgrmdata=true');
    await gql(`mutation { deleteClusters(input: { target: { namespace: "${NS}", names: ["${CLUSTER}"] } }) { name } }`);
    const failed = await taskUntil(`${CLUSTER}-rmdata`, (x) => x.spec.status === 'job error', 'the rmdata task failed');
    assert.equal(failed.metadata.ownerReferences, undefined, 'the rmdata task must outlive the cluster');
    assert.equal((await eventUntil(CLUSTER, 'DeleteClusterFailed')).type, 'Warning');
    assert.ok(t.app.cache.get(PGCLUSTER, NS, CLUSTER));
  });
});
