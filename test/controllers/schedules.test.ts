/**
 * The scheduler: schedules made through pgo's REST routes run at their cron times (every minute
 * here, so the suite waits for the next minute boundary once) and do what pgo-scheduler 4.2.4 did.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { CLUSTER_STATES } from '../../src/domain/constants.js';
import { PGBACKUP, PGCLUSTER, PGPOLICY, PGTASK } from '../../src/domain/custom-resources.js';
import { CONFIGMAPS, EVENTS, JOBS } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { CLIENT_VERSION, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';
import { until } from '../support/until.js';

const NS = 'pgouser1';
/** Up to a minute until the first run, and some room for a loaded machine. */
const FIRST_RUN_DEADLINE_MS = 100_000;

describe('the scheduler', () => {
  let t: TestApp;
  let pgo: PgoClient;

  const post = (path: string, body: Record<string, unknown>) => pgo.call('POST', path, { ClientVersion: CLIENT_VERSION, Namespace: NS, ...body });
  const events = (reason: string, name: string) => t.app.cache.list(EVENTS, NS).filter((e) => e.reason === reason && (e.involvedObject as { name?: string }).name === name);
  const firstRun = <T>(probe: () => T | undefined, what: string) => until(probe, what, FIRST_RUN_DEADLINE_MS);

  before(async () => {
    t = await startTestApp();
    pgo = pgoClient(t);
    await post('/clusters', { Name: 'sched' });
    await until(() => (t.app.cache.get(PGCLUSTER, NS, 'sched')?.status?.state === CLUSTER_STATES.initialized ? true : undefined), 'the cluster Initialized');
    for (const name of ['nightly', 'temporary']) await post('/policies', { Name: name, SQL: 'vacuum;' });
    await until(() => (t.app.cache.get(PGPOLICY, NS, 'temporary') ? true : undefined), 'the policies');
    const every = { ClusterName: 'sched', Schedule: '* * * * *' };
    for (const body of [
      { ...every, ScheduleType: 'pgbackrest', PGBackRestType: 'full', ScheduleOptions: '--compress-level=3' },
      { ...every, ScheduleType: 'pgbasebackup' },
      { ...every, ScheduleType: 'policy', PolicyName: 'nightly', Database: 'userdb' },
      { ...every, ScheduleType: 'policy', PolicyName: 'temporary', Database: 'userdb' },
    ]) {
      const res = await post('/schedule', body);
      assert.match(res.text, /"Code":"ok"/, res.text);
    }
    // The policy goes after its schedule was made: that schedule must skip, not fail.
    await t.kc.makeApiClient(k8s.CustomObjectsApi).deleteNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: NS, plural: 'pgpolicies', name: 'temporary' });
    await t.kc.makeApiClient(k8s.CoreV1Api).createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'broken-schedule', labels: { 'crunchy-scheduler': 'true', 'pg-cluster': 'sched' } }, data: { 'broken-schedule': JSON.stringify({ name: 'broken-schedule', cluster: 'sched', namespace: NS, type: 'pgbackrest', schedule: '61 * * * *' }) } },
    });
  });
  after(() => t.dispose());

  test('a pgBackRest schedule creates its backup task aimed at the repository pod, and the backup runs', async () => {
    const task = await firstRun(() => t.app.cache.get(PGTASK, NS, 'sched-backrest-full-backup-schedule'), 'the scheduled backup task');
    const p = task.spec.parameters ?? {};
    assert.equal(task.spec.tasktype, 'backrest');
    assert.equal(p['backrest-command'], 'backup');
    assert.equal(p['backrest-opts'], '--stanza=db --type=full --compress-level=3');
    assert.equal(p['job-name'], 'sched-backrest-full-backup-schedule');
    assert.match(p.podname ?? '', /^sched-backrest-shared-repo-/);
    const job = await until(() => t.app.cache.get(JOBS, NS, 'sched-backrest-full-backup-schedule'), 'the scheduled backup Job');
    const env = (job.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec.containers[0].env;
    assert.match(String(env.find((e) => e.name === 'COMMAND_OPTS')?.value), /^--stanza=db --type=full --compress-level=3 --db-host=\S+ --db-path=\/pgdata\/sched$/);
    await until(() => (t.app.cache.get(PGTASK, NS, 'sched-backrest-full-backup-schedule')?.spec.status === 'job completed' ? true : undefined), 'the scheduled backup to complete');
  });

  test('a pg_basebackup schedule creates the cluster\'s Pgbackup and its Job runs', async () => {
    const backup = await firstRun(() => t.app.cache.get(PGBACKUP, NS, 'sched'), 'the scheduled Pgbackup');
    assert.equal(backup.spec.backupusersecret, 'sched-primaryuser-secret');
    await until(() => (t.app.cache.get(PGBACKUP, NS, 'sched')?.spec.backupstatus === 'Backup Job Completed' ? true : undefined), 'the pg_basebackup to complete');
  });

  test('a policy schedule stores the SQL in its ConfigMap and runs it as the schedule\'s user in its database', async () => {
    const job = await firstRun(() => t.app.cache.get(JOBS, NS, 'policy-sched-nightly-schedule'), 'the scheduled policy Job');
    const sql = t.app.cache.get(CONFIGMAPS, NS, 'policy-sched-nightly-schedule');
    assert.deepEqual(sql?.data, { 'nightly.sql': 'vacuum;' });
    const pod = JSON.parse(JSON.stringify((job.spec as { template: unknown }).template)) as k8s.V1PodTemplateSpec;
    const container = pod.spec?.containers[0];
    assert.equal(container?.env?.find((e) => e.name === 'PGDATABASE')?.value, 'userdb');
    assert.deepEqual(container?.env?.find((e) => e.name === 'PGUSER')?.valueFrom?.secretKeyRef, { name: 'sched-primaryuser-secret', key: 'username' });
    assert.deepEqual(pod.spec?.volumes, [{ name: 'sql', configMap: { name: 'policy-sched-nightly-schedule' } }]);
    assert.deepEqual(container?.volumeMounts, [{ name: 'sql', mountPath: '/sql', readOnly: true }]);
  });

  test('a schedule whose policy is gone is skipped with a Warning Event on its ConfigMap', async () => {
    const [event] = await firstRun(() => {
      const found = events('ScheduleSkipped', 'sched-policy-temporary');
      return found.length > 0 ? found : undefined;
    }, 'the skipped schedule\'s Event');
    assert.equal(event.type, 'Warning');
    assert.match(String(event.message), /pgpolicy temporary not found/);
    assert.equal(t.app.cache.get(JOBS, NS, 'policy-sched-temporary-schedule'), undefined);
  });

  test('a schedule the scheduler cannot read gets a Warning Event naming the reason', async () => {
    const [event] = await until(() => {
      const found = events('ScheduleInvalid', 'broken-schedule');
      return found.length > 0 ? found : undefined;
    }, 'the invalid schedule\'s Event');
    assert.match(String(event.message), /end of range \(61\) above maximum \(59\)/);
  });

  test('a schedule runs again at its next time, and a deleted one does not', async () => {
    const firstTask = t.app.cache.get(PGTASK, NS, 'sched-backrest-full-backup-schedule')?.metadata.uid;
    const res = await post('/scheduledelete', { ScheduleName: 'backup-sched' });
    assert.match(res.text, /"Code":"ok"/, res.text);
    await until(() => (t.app.cache.get(CONFIGMAPS, NS, 'backup-sched') ? undefined : true), 'the schedule ConfigMap to go');
    const submissions = t.app.cache.get(PGBACKUP, NS, 'sched')?.metadata.annotations;
    await firstRun(() => {
      const uid = t.app.cache.get(PGTASK, NS, 'sched-backrest-full-backup-schedule')?.metadata.uid;
      return uid !== undefined && uid !== firstTask ? true : undefined;
    }, 'the pgBackRest schedule to run again');
    assert.deepEqual(t.app.cache.get(PGBACKUP, NS, 'sched')?.metadata.annotations, submissions);
  });
});
