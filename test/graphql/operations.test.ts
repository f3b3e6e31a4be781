/**
 * Operations that need a running cluster. The objects the controllers would build (Deployments,
 * ready pods with Patroni roles) are created here through the Kubernetes API, as a kubelet and
 * Patroni would leave them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { untilTrue } from '../support/until.js';

const NS = 'pgouser1';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface Obj {
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & { parameters?: Record<string, string> };
}

describe('operations on a running cluster', () => {
  let t: TestApp;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  const task = (name: string) => custom.getNamespacedCustomObject({ ...CR, plural: 'pgtasks', name }) as Promise<Obj>;

  async function runningPod(name: string, labels: Record<string, string>): Promise<void> {
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name, labels }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } } });
    await core.patchNamespacedPodStatus({ namespace: NS, name, body: { status: { phase: 'Running', podIP: '10.0.0.9', containerStatuses: [{ name: 'database', ready: true, restartCount: 0, image: 'crunchy-postgres-ha', imageID: '', started: true }] } } }, MERGE);
  }

  async function deployment(name: string, labels: Record<string, string>): Promise<void> {
    await apps.createNamespacedDeployment({ namespace: NS, body: { metadata: { name, labels }, spec: { replicas: 1, selector: { matchLabels: { name } }, template: { metadata: { labels: { name } }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } } } } });
  }


  before(async () => {
    // The API's own writes are checked here; the controllers would move them on.
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    const created = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "ops" }) { workflowId } }');
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const db = { 'pg-cluster': 'ops', 'pgo-pg-database': 'true', vendor: 'crunchydata' };
    await deployment('ops', { ...db, 'service-name': 'ops', 'deployment-name': 'ops' });
    await deployment('ops-rep1', { ...db, 'service-name': 'ops-replica', 'deployment-name': 'ops-rep1' });
    await runningPod('ops-primary-pod', { ...db, 'service-name': 'ops', 'deployment-name': 'ops', role: 'master' });
    await runningPod('ops-rep1-pod', { ...db, 'service-name': 'ops-replica', 'deployment-name': 'ops-rep1', role: 'replica' });
    await runningPod('ops-backrest-shared-repo-pod', { 'pg-cluster': 'ops', 'pgo-backrest-repo': 'true', 'service-name': 'ops-backrest-shared-repo' });
    await untilTrue(async () => {
      const res = await t.gql<{ cluster: { pods: { name: string; ready: boolean }[] } }>('{ cluster(namespace: "pgouser1", name: "ops") { pods { name ready } } }');
      return res.data?.cluster.pods.filter((p) => p.ready).length === 3;
    }, 'three ready pods in the cache');
  });
  after(() => t.dispose());

  test('clusterConnectivity reports each instance ready with its role', async () => {
    const res = await t.gql<{ clusterConnectivity: { available: boolean; instances: { pod: string; role: string; ready: boolean }[] } }>('{ clusterConnectivity(namespace: "pgouser1", name: "ops") { available instances { pod role ready } } }');
    assert.equal(res.data?.clusterConnectivity.available, true);
    assert.deepEqual(res.data?.clusterConnectivity.instances.map((i) => i.role).sort(), ['master', 'replica']);
  });

  test('backrestBackup creates the backrest task aimed at the repository pod', async () => {
    const res = await t.gql('mutation { backrestBackup(input: { namespace: "pgouser1", cluster: "ops", type: FULL, options: "--start-fast" }) { task { name taskType } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const created = await task('backrest-backup-ops');
    assert.equal(created.spec.tasktype, 'backrest');
    assert.equal(created.spec.parameters?.podname, 'ops-backrest-shared-repo-pod');
    assert.equal(created.spec.parameters?.['backrest-command'], 'backup');
    assert.equal(created.spec.parameters?.['backrest-opts'], '--type=full --start-fast');
    assert.equal(created.metadata.labels?.['pg-cluster'], 'ops');
  });

  test('a --type option is refused in favour of the type field', async () => {
    const res = await t.gql('mutation { backrestBackup(input: { namespace: "pgouser1", cluster: "ops", options: "--type=incr" }) { task { name } } }');
    assert.equal(res.errors?.[0]?.extensions?.field, 'options');
  });

  test('pgdumpBackup creates the unlabelled pgdump task with its parameters', async () => {
    const res = await t.gql('mutation { pgdumpBackup(input: { namespace: "pgouser1", cluster: "ops", options: "--dump-all --verbose" }) { task { name } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const created = await task('backup-ops-pgdump');
    assert.equal(created.spec.tasktype, 'pgdump');
    assert.equal(created.metadata.labels, undefined);
    assert.equal(created.spec.parameters?.['pgdump-all'], 'true');
    assert.equal(created.spec.parameters?.['pgdump-opts'], '--verbose');
    assert.equal(created.spec.parameters?.['pvc-name'], 'backup-ops-pgdump-pvc');
  });

  test('a cluster lists its pgBackRest and pg_dump backups', async () => {
    await untilTrue(async () => {
      const res = await t.gql<{ cluster: { backups: { name: string }[] } }>('{ cluster(namespace: "pgouser1", name: "ops") { backups { name } } }');
      return res.data?.cluster.backups.length === 2;
    }, 'both backups listed');
  });

  test('a pg_dump restore from a PVC that does not exist names fromPvc', async () => {
    const res = await t.gql('mutation { pgdumpRestore(input: { namespace: "pgouser1", cluster: "ops", fromCluster: "ops", fromPvc: "nope" }) { task { name } } }');
    assert.equal(res.errors?.[0]?.extensions?.field, 'fromPvc');
  });

  test('failoverTargets lists the replica Deployment with its ready pod', async () => {
    const res = await t.gql<{ failoverTargets: { deployment: string; pod: string; ready: boolean }[] }>('{ failoverTargets(namespace: "pgouser1", cluster: "ops") { deployment pod ready } }');
    assert.deepEqual(res.data?.failoverTargets, [{ deployment: 'ops-rep1', pod: 'ops-rep1-pod', ready: true }]);
  });

  test('failover to the primary is refused with the 4.2.4 message', async () => {
    const res = await t.gql('mutation { failover(input: { namespace: "pgouser1", cluster: "ops", target: "ops" }) { name } }');
    assert.match(String(res.errors?.[0]?.message), /The primary database cannot be selected as a failover target/);
  });

  test('failover to a replica creates the failover task labelled with its target', async () => {
    const res = await t.gql('mutation { failover(input: { namespace: "pgouser1", cluster: "ops", target: "ops-rep1" }) { name taskType } }');
    assert.deepEqual(res.data, { failover: { name: 'ops-failover', taskType: 'failover' } });
    const created = await task('ops-failover');
    assert.equal(created.metadata.labels?.target, 'ops-rep1');
    assert.deepEqual(created.spec.parameters, { ops: 'ops' });
  });

  test('scaleDownCluster creates the replica rmdata task', async () => {
    const res = await t.gql('mutation { scaleDownCluster(input: { namespace: "pgouser1", cluster: "ops", replica: "ops-rep1" }) { name } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const created = await task('ops-rep1-rmdata');
    assert.equal(created.spec.parameters?.['is-replica'], 'true');
    assert.equal(created.spec.parameters?.['replica-name'], 'ops-rep1');
  });

  test('scaling down a replica that does not exist names the replica', async () => {
    const res = await t.gql('mutation { scaleDownCluster(input: { namespace: "pgouser1", cluster: "ops", replica: "ops-zzzz" }) { name } }');
    assert.equal(res.errors?.[0]?.extensions?.field, 'replica');
  });

  test('applyPolicy reports the primary Deployment in a dry run and otherwise records the request in the policies task', async () => {
    await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "rls", sql: "select 1;" }) { name } }');
    await untilTrue(async () => (await t.gql<{ policy: { name: string } | null }>('{ policy(namespace: "pgouser1", name: "rls") { name } }')).data?.policy?.name === 'rls', 'the policy in the cache');
    const dry = await t.gql<{ applyPolicy: { deployment: string }[] }>('mutation { applyPolicy(input: { policy: "rls", target: { namespace: "pgouser1", names: ["ops"] }, dryRun: true }) { deployment } }');
    assert.deepEqual(dry.data?.applyPolicy, [{ deployment: 'ops' }]);
    assert.equal((await custom.listNamespacedCustomObject({ ...CR, plural: 'pgtasks', fieldSelector: 'metadata.name=ops-policies' }) as { items: unknown[] }).items.length, 0);
    const res = await t.gql('mutation { applyPolicy(input: { policy: "rls", target: { namespace: "pgouser1", selector: "name=ops" } }) { deployment } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const recorded = await task('ops-policies');
    assert.equal(recorded.spec.tasktype, 'addpolicies');
    assert.deepEqual(recorded.spec.parameters, { rls: 'rls' });
  });

  test('basebackup creates the Pgbackup and its backup workflow', async () => {
    const res = await t.gql<{ basebackup: { workflowId: string; backup: { name: string; backupStatus: string } } }>('mutation { basebackup(input: { namespace: "pgouser1", cluster: "ops" }) { workflowId backup { name backupStatus } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(res.data?.basebackup.backup, { name: 'ops', backupStatus: 'initial' });
    const workflow = await task('ops-backupworkflow');
    assert.equal(workflow.metadata.labels?.workflowid, res.data?.basebackup.workflowId);
  });
});
