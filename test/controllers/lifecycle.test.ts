/**
 * The whole life of a cluster through GraphQL, carried out by the controllers on the embedded API
 * with the simulated node (zero delay), checked through the Kubernetes API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { ClusterController } from '../../controllers/cluster-controller.js';
import { ReplicaController } from '../../controllers/replica-controller.js';
import { TaskController } from '../../controllers/task-controller.js';
import { defaultSettings } from '../../src/domain/settings.js';
import { FAIL_JOBS_ANNOTATION, UNREADY_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { AUTOFAILOVER_AFTER_MS } from '../../controllers/cluster-controller.js';
import { KubeWriter } from '../../src/kube/writer.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { untilTrue } from '../support/until.js';

const NS = 'pgouser1';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface ClusterView {
  state: string;
  currentPrimary: string;
  replicas: { name: string; state: string }[];
  pods: { name: string; role: string; ready: boolean; deployment: string }[];
  tasks: { name: string; progress: string; stateMessage: string }[];
  workflows: { completed: boolean }[];
  labels: { key: string; value: string }[];
}

const VIEW = 'query($name: String!) { cluster(namespace: "pgouser1", name: $name) { state currentPrimary replicas { name state } pods { name role ready deployment } tasks { name progress stateMessage } workflows { completed } labels { key value } } }';

describe('the life of a cluster', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let custom: k8s.CustomObjectsApi;

  async function view(name: string): Promise<ClusterView | null> {
    const res = await t.gql<{ cluster: ClusterView | null }>(VIEW, { name });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data?.cluster ?? null;
  }

  async function until(name: string, check: (c: ClusterView | null) => boolean, what: string, timeoutMs = 20_000): Promise<ClusterView | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await view(name);
      if (check(current)) return current;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(current)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const names = async (list: Promise<{ items: { metadata?: { name?: string } }[] }>) => (await list).items.map((i) => String(i.metadata?.name)).sort();

  before(async () => {
    t = await startTestApp();
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    await until('none', () => t.app.controllers.isLeader, 'leadership', 10_000);
  });
  after(() => t.dispose());

  test('a new cluster reaches Initialized with its replica built and the create workflow completed', async () => {
    const created = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "hippo", replicaCount: 1 }) { workflowId } }');
    assert.equal(created.errors, undefined);
    const cluster = await until('hippo', (c) => c?.state === 'INITIALIZED' && c.replicas.every((r) => r.state === 'PROCESSED') && c.pods.filter((p) => p.role === 'replica' && p.ready).length === 1, 'Initialized with a ready replica');
    assert.equal(cluster?.workflows[0]?.completed, true);
    assert.equal(cluster?.pods.find((p) => p.role === 'master')?.deployment, 'hippo');
    assert.ok(cluster?.tasks.some((x) => x.name === 'hippo-stanza-create' && x.progress === 'job completed'));
    assert.ok(cluster?.tasks.some((x) => x.name === 'backrest-backup-hippo' && x.progress === 'job completed'));
  });

  test('every object 4.2.4 created for a cluster exists with its names and labels', async () => {
    const replica = (await view('hippo'))!.replicas[0].name;
    assert.deepEqual(await names(apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'pg-cluster=hippo' })), ['hippo', 'hippo-backrest-shared-repo', replica].sort());
    assert.deepEqual(await names(core.listNamespacedService({ namespace: NS, labelSelector: 'pg-cluster=hippo' })), ['hippo', 'hippo-backrest-shared-repo', 'hippo-replica']);
    assert.deepEqual(await names(core.listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: 'pg-cluster=hippo' })), ['hippo', 'hippo-pgbr-repo', replica].sort());
    const primary = await apps.readNamespacedDeployment({ namespace: NS, name: 'hippo' });
    for (const [key, value] of Object.entries({ vendor: 'crunchydata', 'pgo-pg-database': 'true', 'pg-cluster': 'hippo', 'crunchy-pgha-scope': 'hippo', 'deployment-name': 'hippo', 'service-name': 'hippo' })) {
      assert.equal(primary.metadata?.labels?.[key], value, key);
    }
    assert.equal(primary.metadata?.ownerReferences?.[0]?.kind, 'Pgcluster');
    const primaryService = await core.readNamespacedService({ namespace: NS, name: 'hippo' });
    assert.deepEqual(primaryService.spec?.selector, { 'pg-cluster': 'hippo', role: 'master' });
    assert.deepEqual(primaryService.spec?.ports?.map((p) => p.name), ['postgres', 'sshd']);
    const config = await core.readNamespacedConfigMap({ namespace: NS, name: 'hippo-pgha-default-config' });
    assert.equal(config.data?.init, 'false');
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'hippo' });
    assert.equal(pvc.metadata?.ownerReferences, undefined, 'PVCs must survive a delete that keeps data');
    const cr = (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'hippo' })) as { metadata: { labels: Record<string, string> }; spec: { status: string; PrimaryStorage: { name: string } } };
    assert.equal(cr.spec.status, 'completed');
    assert.equal(cr.spec.PrimaryStorage.name, 'hippo');
    assert.match(cr.metadata.labels['pg-cluster-id'], /^[0-9a-f-]{36}$/);
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=hippo' });
    assert.ok(events.items.some((e) => e.reason === 'Initialized'), 'an Initialized event is recorded on the Pgcluster');
  });

  test('the initial Pgreplica and Patroni\'s ConfigMaps belong to the cluster; its PVCs and Secrets do not', async () => {
    const cr = (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'hippo' })) as { metadata: { uid: string } };
    const replicas = (await custom.listNamespacedCustomObject({ ...CR, plural: 'pgreplicas', labelSelector: 'pg-cluster=hippo' })) as { items: { metadata: { ownerReferences?: { kind: string; uid: string }[] } }[] };
    assert.deepEqual(replicas.items.map((r) => r.metadata.ownerReferences?.map((o) => [o.kind, o.uid])), [[['Pgcluster', cr.metadata.uid]]]);
    for (const name of ['hippo-config', 'hippo-leader']) {
      await untilTrue(async () => Boolean((await core.readNamespacedConfigMap({ namespace: NS, name })).metadata?.ownerReferences?.some((o) => o.uid === cr.metadata.uid)), `${name} owned by the cluster`);
    }
    for (const name of ['hippo-postgres-secret', 'hippo-backrest-repo-config']) assert.equal((await core.readNamespacedSecret({ namespace: NS, name })).metadata?.ownerReferences, undefined, name);
  });

  test('reconciling a converged cluster, its replicas and tasks makes no writes', async () => {
    const writer = new KubeWriter(t.kc);
    const ctx = { cache: t.app.cache, writer };
    const settings = defaultSettings();
    const cluster = new ClusterController(ctx, settings);
    const replicas = new ReplicaController(ctx, settings);
    const tasks = new TaskController(ctx, settings);
    for (const key of cluster.allKeys()) await cluster.reconcile(key);
    for (const key of replicas.allKeys()) await replicas.reconcile(key);
    for (const key of tasks.allKeys()) await tasks.reconcile(key);
    assert.equal(writer.requests, 0);
    writer.close();
  });

  test('turning automatic failover off pauses Patroni and turning it on resumes it', async () => {
    const paused = async () => JSON.parse(String((await core.readNamespacedConfigMap({ namespace: NS, name: 'hippo-config' })).metadata?.annotations?.config)).pause === true;
    assert.equal(await paused(), false);
    await t.gql('mutation { updateClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, autofail: false }) { name } }');
    await untilTrue(paused, 'Patroni to be paused');
    await t.gql('mutation { updateClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] }, autofail: true }) { name } }');
    await untilTrue(async () => !(await paused()), 'Patroni to be resumed');
  });

  test('/metrics reports reconciles per controller and leadership to an authenticated caller', async () => {
    const { request } = await import('node:https');
    const get = (auth?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        request(new URL('/metrics', t.app.url), { ca: t.ca, headers: auth ? { Authorization: auth } : {} }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        })
          .on('error', reject)
          .end();
      });
    assert.equal((await get()).status, 401);
    const { status, text } = await get(t.authorization);
    assert.equal(status, 200);
    assert.match(text, /pgo_controller_reconcile_duration_seconds_count\{controller="pgcluster"\} [1-9]/);
    assert.match(text, /^pgo_controller_leader 1$/m);
    assert.match(text, /^pgo_controller_queue_depth\{controller="pgcluster"\} \d+$/m, 'the queue depth is read at scrape time, for every running controller');
  });

  test('changing the cluster\'s container resources reaches its Deployments', async () => {
    const resources = { requestsmemory: '256Mi', requestscpu: '250m', limitsmemory: '512Mi', limitscpu: '500m' };
    await custom.patchNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'hippo', body: { spec: { ContainerResources: resources } } }, MERGE);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const d = await apps.readNamespacedDeployment({ namespace: NS, name: 'hippo' });
      const r = d.spec?.template.spec?.containers[0].resources;
      if (r?.limits?.cpu === '500m' && r.requests?.memory === '256Mi') break;
      if (Date.now() > deadline) assert.fail(`resources: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    await until('hippo', (c) => Boolean(c?.pods.some((p) => p.role === 'master' && p.ready)), 'a ready primary again');
  });

  test('scaling up adds a built replica and scaling down removes it', async () => {
    const scaled = await t.gql<{ scaleCluster: { name: string }[] }>('mutation { scaleCluster(input: { namespace: "pgouser1", cluster: "hippo" }) { name } }');
    const added = scaled.data!.scaleCluster[0].name;
    await until('hippo', (c) => c?.replicas.length === 2 && c.pods.some((p) => p.deployment === added && p.ready && p.role === 'replica'), 'the new replica ready');
    const down = await t.gql('mutation { scaleDownCluster(input: { namespace: "pgouser1", cluster: "hippo", replica: "' + added + '" }) { name } }');
    assert.equal(down.errors, undefined, JSON.stringify(down.errors));
    await until('hippo', (c) => c?.replicas.length === 1 && !c.pods.some((p) => p.deployment === added), 'the replica removed');
    assert.deepEqual((await core.listNamespacedPersistentVolumeClaim({ namespace: NS, fieldSelector: `metadata.name=${added}` })).items, []);
  });

  test('a requested pgBackRest backup runs its Job and the task completes', async () => {
    const res = await t.gql('mutation { backrestBackup(input: { namespace: "pgouser1", cluster: "hippo", type: INCR }) { task { name } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    await until('hippo', (c) => Boolean(c?.tasks.some((x) => x.name === 'backrest-backup-hippo' && x.progress === 'job completed')), 'the backup task completed');
    const run = await t.kc.makeApiClient(k8s.BatchV1Api).readNamespacedJob({ namespace: NS, name: 'backrest-backup-hippo' });
    assert.match(String(run.spec?.template.spec?.containers[0].env?.find((e) => e.name === 'COMMAND_OPTS')?.value), /^--type=incr --db-host=/);
  });

  test('a pg_dump backup runs its Job and its task records the Job completed', async () => {
    const res = await t.gql('mutation { pgdumpBackup(input: { namespace: "pgouser1", cluster: "hippo" }) { task { name } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const task = (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgtasks', name: 'backup-hippo-pgdump' })) as { spec: { status: string } };
      if (/^job completed \[backup-hippo-pgdump-[0-9a-f]{4}\]$/.test(task.spec.status)) break;
      if (Date.now() > deadline) assert.fail(`pgdump task status: ${task.spec.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const claim = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'backup-hippo-pgdump-pvc' });
    assert.equal(claim.metadata?.labels?.['pg-cluster'], 'hippo');
    const [run] = (await t.kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: NS, labelSelector: 'pgdump=true' })).items;
    const pod = JSON.parse(JSON.stringify(run.spec?.template.spec)) as k8s.V1PodSpec;
    assert.deepEqual(pod?.volumes, [{ name: 'pgdata', persistentVolumeClaim: { claimName: 'backup-hippo-pgdump-pvc' } }]);
    assert.deepEqual(pod?.containers[0].volumeMounts, [{ name: 'pgdata', mountPath: '/pgdata' }]);
    const fromSecret = pod?.containers[0].env?.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.key]);
    assert.deepEqual(fromSecret, [['PGDUMP_USER', 'hippo-postgres-secret', 'username'], ['PGDUMP_PASS', 'hippo-postgres-secret', 'password']]);
  });

  test('a legacy backup-delete rmdata task removes the backup Jobs and the pg_dump PVC and keeps the cluster', async () => {
    const batch = t.kc.makeApiClient(k8s.BatchV1Api);
    const backupJobs = async () => (await batch.listNamespacedJob({ namespace: NS, labelSelector: 'pg-cluster=hippo' })).items.map((j) => j.metadata?.labels ?? {}).filter((l) => l['pgdump'] === 'true' || l['pgo-backrest-job'] === 'true' || l['pgbackup'] === 'true');
    assert.ok((await backupJobs()).length > 0, 'the earlier backups left Jobs');
    await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'backup-hippo-pgdump-pvc' });
    await custom.createNamespacedCustomObject({
      ...CR,
      plural: 'pgtasks',
      body: {
        apiVersion: 'crunchydata.com/v1',
        kind: 'Pgtask',
        metadata: { name: 'hippo-rmdata-backup', labels: { 'pg-cluster': 'hippo', pgrmdata: 'true' } },
        spec: { name: 'hippo-rmdata-backup', tasktype: 'delete-data', parameters: { 'delete-data': 'true', 'delete-backups': 'true', 'is-replica': 'false', 'is-backup': 'true', 'pg-cluster': 'hippo', 'replica-name': '', 'crunchy-pgha-scope': '' } },
      },
    });
    await untilTrue(async () => (await names(custom.listNamespacedCustomObject({ ...CR, plural: 'pgtasks', labelSelector: 'pgrmdata=true' }) as Promise<{ items: { metadata?: { name?: string } }[] }>)).length === 0, 'the rmdata task to finish');
    assert.deepEqual(await backupJobs(), []);
    await assert.rejects(core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'backup-hippo-pgdump-pvc' }), (e: { code?: number }) => e.code === 404);
    const cluster = await view('hippo');
    assert.equal(cluster?.state, 'INITIALIZED');
    assert.ok((await names(core.listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: 'pg-cluster=hippo' }))).includes('hippo'), 'the primary PVC stays');
  });

  test('a legacy pg_basebackup runs, records its path and completes its workflow', async () => {
    const res = await t.gql<{ basebackup: { workflowId: string } }>('mutation { basebackup(input: { namespace: "pgouser1", cluster: "hippo" }) { workflowId } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const backup = (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgbackups', name: 'hippo' })) as { spec: { backupstatus: string; toc: Record<string, string> }; status?: { state?: string } };
      if (backup.spec.backupstatus === 'Backup Job Completed') {
        assert.equal(Object.keys(backup.spec.toc).length, 1);
        assert.equal(backup.status?.state, 'pgbackup Processed');
        break;
      }
      if (Date.now() > deadline) assert.fail(`backupstatus: ${backup.spec.backupstatus}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const workflow = await t.gql<{ workflow: { completed: boolean } }>(`{ workflow(namespace: "pgouser1", id: "${res.data!.basebackup.workflowId}") { completed } }`);
    assert.equal(workflow.data?.workflow.completed, true);
  });

  test('a legacy pg_basebackup restores into a new PVC through its Job', async () => {
    const res = await t.gql<{ basebackupRestore: { workflowId: string; task: { name: string } } }>('mutation { basebackupRestore(input: { namespace: "pgouser1", cluster: "hippo", toPvc: "hippo-from-base" }) { workflowId task { name } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const name = res.data!.basebackupRestore.task.name;
    assert.equal(name, 'pgbasebackup-restore-hippo-to-hippo-from-base');
    await until('hippo', (c) => Boolean(c?.tasks.some((x) => x.name === name && /^job completed \[pgbasebackup-restore-hippo-[0-9a-f]{4}\]$/.test(x.progress))), 'the restore task completed');
    assert.equal((await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'hippo-from-base' })).metadata?.name, 'hippo-from-base');
    const workflow = await t.gql<{ workflow: { steps: { name: string }[] } }>(`{ workflow(namespace: "pgouser1", id: "${res.data!.basebackupRestore.workflowId}") { steps { name } } }`);
    assert.deepEqual(workflow.data?.workflow.steps.map((s) => s.name), ['task submitted', 'restore job created']);
  });

  test('a failing Job yields a failed task with its reason', async () => {
    await custom.patchNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'hippo', body: { metadata: { annotations: { [FAIL_JOBS_ANNOTATION]: 'backrest-command=backup' } } } }, MERGE);
    await t.gql('mutation { backrestBackup(input: { namespace: "pgouser1", cluster: "hippo" }) { task { name } } }');
    const cluster = await until('hippo', (c) => Boolean(c?.tasks.some((x) => x.name === 'backrest-backup-hippo' && x.progress === 'job error')), 'the backup task failed');
    assert.match(String(cluster?.tasks.find((x) => x.name === 'backrest-backup-hippo')?.stateMessage), /failed: simulated failure of job backrest-backup-hippo/);
    await custom.patchNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'hippo', body: { metadata: { annotations: { [FAIL_JOBS_ANNOTATION]: null } } } }, MERGE);
  });

  test('failover promotes the replica and the old primary becomes a replica', async () => {
    const replica = (await view('hippo'))!.replicas[0].name;
    const res = await t.gql(`mutation { failover(input: { namespace: "pgouser1", cluster: "hippo", target: "${replica}" }) { name } }`);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const cluster = await until('hippo', (c) => c?.currentPrimary === replica && c.pods.some((p) => p.deployment === replica && p.role === 'master') && c.pods.some((p) => p.deployment === 'hippo' && p.role === 'replica'), 'the roles to move');
    assert.ok(cluster);
  });

  test('a primary that stays unready is replaced by a ready replica automatically', async () => {
    const before = (await view('hippo'))!;
    const primary = before.currentPrimary;
    const replica = before.pods.find((p) => p.role === 'replica' && p.ready)!.deployment;
    await apps.patchNamespacedDeployment({ namespace: NS, name: primary, body: { metadata: { annotations: { [UNREADY_ANNOTATION]: 'true' } } } }, MERGE);
    await until('hippo', (c) => c?.currentPrimary === replica && c.pods.some((p) => p.deployment === replica && p.role === 'master' && p.ready), 'the replica promoted', AUTOFAILOVER_AFTER_MS + 15_000);
    await apps.patchNamespacedDeployment({ namespace: NS, name: primary, body: { metadata: { annotations: { [UNREADY_ANNOTATION]: null } } } }, MERGE);
    await until('hippo', (c) => Boolean(c?.pods.some((p) => p.deployment === primary && p.role === 'replica' && p.ready)), 'the old primary back as a replica');
    await until('hippo', (c) => Boolean(c?.tasks.some((x) => x.name === 'backrest-backup-hippo' && x.progress === 'job completed')), 'the backup after failover');
  });

  test('a minor upgrade moves every instance to the new image and records the new tag', async () => {
    const res = await t.gql('mutation { upgradeCluster(input: { namespace: "pgouser1", cluster: "hippo", imageTag: "centos7-12.5-4.2.4" }) { name } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const cr = (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'hippo' })) as { metadata: { labels: Record<string, string> }; spec: { ccpimagetag: string } };
      if (cr.spec.ccpimagetag === 'centos7-12.5-4.2.4' && cr.metadata.labels['minor-upgrade'] === 'upgrade-complete') break;
      if (Date.now() > deadline) assert.fail(`not upgraded: ${cr.spec.ccpimagetag} ${cr.metadata.labels['minor-upgrade']}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const images = (await apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'pg-cluster=hippo,pgo-pg-database=true' })).items.map((d) => d.spec?.template.spec?.containers[0].image);
    assert.ok(images.length >= 2 && images.every((i) => String(i).endsWith(':centos7-12.5-4.2.4')), JSON.stringify(images));
    await until('hippo', (c) => Boolean(c?.pods.some((p) => p.role === 'master' && p.ready)), 'a ready primary after the upgrade');
    const same = await t.gql('mutation { upgradeCluster(input: { namespace: "pgouser1", cluster: "hippo", imageTag: "centos7-12.5-4.2.4" }) { name } }');
    assert.equal(same.errors?.[0]?.extensions?.field, 'imageTag');
  });

  test('adding a pgBouncer builds its Secret, Deployment and Service, and deleting it removes them', async () => {
    const added = await t.gql('mutation { addPgbouncer(input: { namespace: "pgouser1", cluster: "hippo" }) { name } }');
    assert.equal(added.errors, undefined, JSON.stringify(added.errors));
    const objects = async () => [
      ...(await names(apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'crunchy-pgbouncer=true' }))),
      ...(await names(core.listNamespacedService({ namespace: NS, labelSelector: 'crunchy-pgbouncer=true' }))),
      ...(await names(core.listNamespacedSecret({ namespace: NS, labelSelector: 'crunchy-pgbouncer=true' }))),
    ];
    const deadline = Date.now() + 10_000;
    while ((await objects()).length < 3) {
      if (Date.now() > deadline) assert.fail(`pgBouncer objects: ${JSON.stringify(await objects())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await objects(), ['hippo-pgbouncer', 'hippo-pgbouncer', 'hippo-pgbouncer-secret']);
    const secret = await core.readNamespacedSecret({ namespace: NS, name: 'hippo-pgbouncer-secret' });
    assert.match(Buffer.from(String(secret.data?.['users.txt']), 'base64').toString(), /^"pgbouncer" "md5[0-9a-f]{32}"\n$/);
    // The credentials are set up in PostgreSQL by a Job, after which the deferred task is consumed.
    while ((await custom.listNamespacedCustomObject({ ...CR, plural: 'pgtasks', fieldSelector: 'metadata.name=hippoupdate-pgbouncer-auths' }) as { items: unknown[] }).items.length > 0) {
      if (Date.now() > deadline) assert.fail('the pgBouncer credential task was not consumed');
      await new Promise((r) => setTimeout(r, 50));
    }
    const again = await t.gql('mutation { addPgbouncer(input: { namespace: "pgouser1", cluster: "hippo" }) { name } }');
    assert.equal(again.errors?.[0]?.extensions?.field, 'cluster');
    const before = (await apps.readNamespacedDeployment({ namespace: NS, name: 'hippo-pgbouncer' })).metadata?.uid;
    const reconfigure = { apiVersion: 'crunchydata.com/v1', kind: 'Pgtask', metadata: { name: 'pgbouncer-reconfigure-hippo', namespace: NS, labels: { 'pg-cluster': 'hippo', 'pgbouncer-reconfigure': 'true' } }, spec: { namespace: NS, name: 'pgbouncer-reconfigure-hippo', tasktype: 'reconfigure-pgbouncer', status: '', parameters: { 'pgbouncer-cluster': 'hippo' } } };
    await custom.createNamespacedCustomObject({ ...CR, plural: 'pgtasks', body: reconfigure });
    for (;;) {
      const now = await apps.readNamespacedDeployment({ namespace: NS, name: 'hippo-pgbouncer' }).catch(() => undefined);
      if (now && now.metadata?.uid !== before) break;
      if (Date.now() > deadline + 5000) assert.fail('pgBouncer was not rebuilt');
      await new Promise((r) => setTimeout(r, 50));
    }
    await t.gql('mutation { deletePgbouncer(namespace: "pgouser1", cluster: "hippo") { name } }');
    while ((await objects()).length > 0) {
      if (Date.now() > deadline + 10_000) assert.fail(`left: ${JSON.stringify(await objects())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  test('a policy applied to the cluster labels it and its primary Deployment', async () => {
    await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "audit", sql: "create table audit(id int);" }) { name } }');
    const deadline = Date.now() + 5000;
    let res;
    do {
      res = await t.gql<{ applyPolicy: { deployment: string }[] }>('mutation { applyPolicy(input: { policy: "audit", target: { namespace: "pgouser1", names: ["hippo"] } }) { deployment } }');
    } while (res.errors && Date.now() < deadline && (await new Promise((r) => setTimeout(r, 50))) === undefined);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    await until('hippo', (c) => Boolean(c?.labels.some((l) => l.key === 'audit' && l.value === 'pgpolicy')), 'the policy label');
  });

  test('a benchmark runs pgbench in a Job and completes its workflow', async () => {
    const res = await t.gql<{ benchmarkCluster: { workflowId: string; task: { name: string } } }>('mutation { benchmarkCluster(input: { namespace: "pgouser1", cluster: "hippo", clients: 4, transactions: 100 }) { workflowId task { name } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const taskName = res.data!.benchmarkCluster.task.name;
    assert.match(taskName, /^benchmark-hippo-[a-z]{4}$/);
    await until('hippo', (c) => Boolean(c?.tasks.some((x) => x.name === taskName && x.progress === `job completed [${taskName}]`)), 'the benchmark task completed');
    const workflow = await t.gql<{ workflow: { steps: { name: string }[] } }>(`{ workflow(namespace: "pgouser1", id: "${res.data!.benchmarkCluster.workflowId}") { steps { name } } }`);
    assert.ok(workflow.data?.workflow.steps.some((s) => s.name === 'job completed'));
  });

  test('a clone goes through its three steps and the new cluster reaches Initialized', async () => {
    const res = await t.gql<{ cloneCluster: { target: string; workflowId: string } }>('mutation { cloneCluster(input: { namespace: "pgouser1", source: "hippo", target: "hippo-clone" }) { target workflowId } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    await until('hippo-clone', (c) => c?.state === 'INITIALIZED', 'the clone Initialized');
    const workflow = await t.gql<{ workflow: { steps: { name: string }[] } }>(`{ workflow(namespace: "pgouser1", id: "${res.data!.cloneCluster.workflowId}") { steps { name } } }`);
    const steps = workflow.data!.workflow.steps.map((s) => s.name);
    for (const step of ['clone 1.1: create pvc', 'clone 1.2: sync pgbackrest repo', 'clone 2: restoring backup', 'clone 3: cluster creating']) assert.ok(steps.includes(step), `${step} missing from ${steps.join(', ')}`);
    const secret = await core.readNamespacedSecret({ namespace: NS, name: 'hippo-clone-postgres-secret' });
    const original = await core.readNamespacedSecret({ namespace: NS, name: 'hippo-postgres-secret' });
    assert.equal(secret.data?.password, original.data?.password);
    // Step 2 built the target's repository before the target existed; the target then owns it.
    const clone = await custom.getNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'hippo-clone' }) as { metadata: { uid: string } };
    const repo = await apps.readNamespacedDeployment({ namespace: NS, name: 'hippo-clone-backrest-shared-repo' });
    const repoService = await core.readNamespacedService({ namespace: NS, name: 'hippo-clone-backrest-shared-repo' });
    for (const owned of [repo, repoService]) assert.deepEqual(owned.metadata?.ownerReferences?.map((r) => r.uid), [clone.metadata.uid]);
    const again = await t.gql('mutation { cloneCluster(input: { namespace: "pgouser1", source: "hippo", target: "hippo-clone" }) { target } }');
    assert.equal(again.errors?.[0]?.extensions?.code, 'ALREADY_EXISTS');
    await t.gql('mutation { deleteClusters(input: { target: { namespace: "pgouser1", names: ["hippo-clone"] } }) { name } }');
    await until('hippo-clone', (c) => c === null, 'the clone deleted');
    await untilTrue(async () => (await apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'pg-cluster=hippo-clone' })).items.length === 0, 'the clone\'s Deployments, its repository included, to go');
  });

  test('a pgBackRest restore goes through Restoring and back to Initialized on the restored primary', async () => {
    const res = await t.gql<{ backrestRestore: { workflowId: string } }>('mutation { backrestRestore(input: { namespace: "pgouser1", cluster: "hippo", toPvc: "hippo-restored" }) { workflowId } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const id = res.data!.backrestRestore.workflowId;
    await until('hippo', (c) => c?.state === 'RESTORING' || c?.currentPrimary === 'hippo-restored', 'the restore to start');
    const cluster = await until(
      'hippo',
      (c) => c?.state === 'INITIALIZED' && c.currentPrimary === 'hippo-restored' && c.pods.some((p) => p.deployment === 'hippo-restored' && p.role === 'master' && p.ready) && c.replicas.every((r) => r.state === 'PROCESSED') && c.pods.some((p) => p.role === 'replica' && p.ready),
      'Initialized again on the restored primary with its replica rebuilt',
    );
    assert.ok(cluster);
    const workflow = await t.gql<{ workflow: { steps: { name: string }[] } }>(`{ workflow(namespace: "pgouser1", id: "${id}") { steps { name } } }`);
    assert.deepEqual(workflow.data?.workflow.steps.map((s) => s.name), ['task submitted', 'restore job created', 'restored Primary created']);
    // Patroni's old scope was paused before its instances were taken away, so it could not fail over to one.
    const oldScope = JSON.parse(String((await core.readNamespacedConfigMap({ namespace: NS, name: 'hippo-config' })).metadata?.annotations?.config)) as { pause?: boolean };
    assert.equal(oldScope.pause, true);
  });

  test('deleting the cluster removes everything it owned, its data and its backups', async () => {
    const res = await t.gql('mutation { deleteClusters(input: { target: { namespace: "pgouser1", names: ["hippo"] } }) { name } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    await until('hippo', (c) => c === null, 'the Pgcluster to go');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const left = [
        ...(await names(apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'pg-cluster=hippo' }))),
        ...(await names(core.listNamespacedService({ namespace: NS, labelSelector: 'pg-cluster=hippo' }))),
        ...(await names(core.listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: 'pg-cluster=hippo' }))),
        ...(await names(core.listNamespacedSecret({ namespace: NS, labelSelector: 'pg-cluster=hippo' }))),
        ...(await names(core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'pg-cluster=hippo' }))),
        ...(await names(core.listNamespacedPod({ namespace: NS, labelSelector: 'pg-cluster=hippo' }))),
        ...(await names(custom.listNamespacedCustomObject({ ...CR, plural: 'pgtasks', labelSelector: 'pg-cluster=hippo' }) as Promise<{ items: { metadata?: { name?: string } }[] }>)),
        ...(await names(custom.listNamespacedCustomObject({ ...CR, plural: 'pgreplicas', labelSelector: 'pg-cluster=hippo' }) as Promise<{ items: { metadata?: { name?: string } }[] }>)),
      ];
      if (left.length === 0) break;
      if (Date.now() > deadline) {
        const pods = (await core.listNamespacedPod({ namespace: NS })).items.map((p) => `${p.metadata?.name} owners=${JSON.stringify(p.metadata?.ownerReferences)} phase=${p.status?.phase} deleting=${p.metadata?.deletionTimestamp}`);
        const jobs = (await t.kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: NS })).items.map((j) => `${j.metadata?.name} ${j.metadata?.uid} ${JSON.stringify(j.metadata?.finalizers)} ${j.metadata?.deletionTimestamp}`);
        assert.fail(`left behind: ${left.join(', ')}\npods: ${pods.join('\n')}\njobs: ${jobs.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('deleting with keepData and keepBackups keeps the PVCs and Secrets and removes the rest', async () => {
    await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "keeper" }) { workflowId } }');
    await until('keeper', (c) => c?.state === 'INITIALIZED', 'keeper Initialized');
    await t.gql('mutation { deleteClusters(input: { target: { namespace: "pgouser1", names: ["keeper"] }, keepData: true, keepBackups: true }) { name } }');
    await until('keeper', (c) => c === null, 'the Pgcluster to go');
    const deadline = Date.now() + 20_000;
    while ((await names(apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'pg-cluster=keeper' }))).length > 0) {
      if (Date.now() > deadline) assert.fail('Deployments left');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await names(core.listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: 'pg-cluster=keeper' })), ['keeper', 'keeper-pgbr-repo']);
    assert.deepEqual(await names(core.listNamespacedSecret({ namespace: NS, labelSelector: 'pg-cluster=keeper' })), ['keeper-backrest-repo-config', 'keeper-postgres-secret', 'keeper-primaryuser-secret', 'keeper-testuser-secret']);
  });

  test('a cluster created with a policy applies it through a Job and labels the cluster and its primary Deployment', async () => {
    const policy = await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "kiwi-audit", sql: "create table audit(id int);" }) { name } }');
    assert.equal(policy.errors, undefined, JSON.stringify(policy.errors));
    // The Job goes with the policies task once applied: watched, not listed afterwards.
    const succeeded: string[] = [];
    const watch = await new k8s.Watch(t.kc).watch(`/apis/batch/v1/namespaces/${NS}/jobs`, { labelSelector: 'pg-cluster=kiwi,pgo-policy=kiwi-audit' }, (_type, job: k8s.V1Job) => {
      if (job.status?.succeeded === 1) succeeded.push(String(job.metadata?.name));
    }, () => undefined);
    const created = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "kiwi", replicaCount: 1, policies: ["kiwi-audit"] }) { workflowId } }');
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    await until('kiwi', (c) => Boolean(c?.labels.some((l) => l.key === 'kiwi-audit' && l.value === 'pgpolicy')), 'the policy label on the cluster');
    watch.abort();
    assert.equal(new Set(succeeded).size, 1, 'one policy Job ran to success');
    assert.equal((await apps.readNamespacedDeployment({ namespace: NS, name: 'kiwi' })).metadata?.labels?.['kiwi-audit'], 'pgpolicy');
    await untilTrue(async () => (await custom.listNamespacedCustomObject({ ...CR, plural: 'pgtasks', fieldSelector: 'metadata.name=kiwi-policies' }) as { items: unknown[] }).items.length === 0, 'the policies task consumed');
  });

  test('deleting the Pgcluster object itself takes its Pgreplicas and Patroni ConfigMaps with it, not its PVCs and Secrets', async () => {
    await until('kiwi', (c) => c?.state === 'INITIALIZED', 'kiwi Initialized');
    const cr = (await custom.getNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'kiwi' })) as { metadata: { uid: string } };
    await untilTrue(async () => Boolean((await core.readNamespacedConfigMap({ namespace: NS, name: 'kiwi-leader' }).catch(() => undefined))?.metadata?.ownerReferences?.some((o) => o.uid === cr.metadata.uid)), 'kiwi-leader owned');
    await custom.deleteNamespacedCustomObject({ ...CR, plural: 'pgclusters', name: 'kiwi' });
    const replicas = () => names(custom.listNamespacedCustomObject({ ...CR, plural: 'pgreplicas', labelSelector: 'pg-cluster=kiwi' }) as Promise<{ items: { metadata?: { name?: string } }[] }>);
    const patroni = async () => (await names(core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'crunchy-pgha-scope=kiwi' }))).filter((n) => ['kiwi-config', 'kiwi-leader'].includes(n));
    await untilTrue(async () => (await replicas()).length === 0 && (await patroni()).length === 0, 'the Pgreplica and Patroni ConfigMaps collected');
    assert.ok((await names(core.listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: 'pg-cluster=kiwi' }))).includes('kiwi'));
    assert.ok((await names(core.listNamespacedSecret({ namespace: NS, labelSelector: 'pg-cluster=kiwi' }))).includes('kiwi-postgres-secret'));
  });
});
