/**
 * The schedule and benchmark routes as pgo 4.2.4's scheduleservice and benchmarkservice answered
 * them: schedules stored as 4.2.4's ConfigMaps, benchmarks run by the controllers as Jobs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { PGCLUSTER, PGPOLICY, PGTASK } from '../../src/domain/custom-resources.js';
import { defaultSettings } from '../../src/domain/settings.js';
import { CONFIGMAPS, JOBS, PVCS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';
import { until } from '../support/until.js';

interface ResultsBody {
  Results: string[] | null;
  Code: string;
  Msg: string;
}

const NS = 'pgouser1';
const NOT_INSTALLED = 'namespace [elsewhere] is not part of the Operator installation';
const SPEC_KEYS = ['version', 'name', 'cluster', 'created', 'schedule', 'namespace', 'type', 'pgbackrest', 'pgbasebackup', 'policy'];
const ROUTES = ['/schedule', '/scheduledelete', '/scheduleshow', '/benchmark', '/benchmarkdelete', '/benchmarkshow'];

/** The body as Go's encoder wrote it: <, > and & escaped. */
const goText = (value: unknown) => `${JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}\n`;
const results = (lines: string[]) => goText({ Results: lines, Code: 'ok', Msg: '' });
const refused = (msg: string, lines: string[] = []) => goText({ Results: lines, Code: 'error', Msg: msg });

describe('pgo schedule and benchmark routes', () => {
  let t: TestApp;
  let pgo: PgoClient;
  let core: k8s.CoreV1Api;

  const post = (path: string, body: Record<string, unknown>) => pgo.call('POST', path, { Namespace: NS, ...body });
  const configMap = (name: string) => t.app.cache.get(CONFIGMAPS, NS, name);
  const stored = (name: string) => JSON.parse(String((configMap(name)?.data as Record<string, string>)[name])) as Record<string, unknown>;
  const gone = (probe: () => unknown, what: string) => until(() => (probe() ? undefined : true), what);

  /** Creates a ConfigMap directly, as kubectl would. */
  async function putConfigMap(name: string, labels: Record<string, string>, data: Record<string, string>): Promise<void> {
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name, labels }, data } });
    await until(() => configMap(name), `ConfigMap ${name} in the cache`);
  }

  before(async () => {
    t = await startTestApp();
    pgo = pgoClient(t);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    for (const name of ['alpha', 'bravo']) await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: name, UserLabels: 'env=test' });
    await pgo.call('POST', '/policies', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'nightly', SQL: 'vacuum;' });
    await pgo.call('POST', '/policies', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'remote', URL: 'https://example.com/tx.sql' });
    await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: { metadata: { name: 'backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
    await until(() => (t.app.cache.get(PGCLUSTER, NS, 'alpha') && t.app.cache.get(PGCLUSTER, NS, 'bravo') && t.app.cache.get(PGPOLICY, NS, 'remote') && t.app.cache.get(PVCS, NS, 'backups') ? true : undefined), 'the clusters, policies and PVC');
  });
  after(() => t.dispose());

  describe('refusals every route shares', () => {
    test('every route refuses a namespace that is not part of the installation with an empty Results list', async () => {
      for (const path of ROUTES) assert.equal((await post(path, { Namespace: 'elsewhere', ClusterName: 'alpha' })).text, refused(NOT_INSTALLED), path);
    });

    test('every route refuses a namespace the pgo user may not access', async () => {
      const user = await addPgoUser(t, 'schedother', 'CreateSchedule,DeleteSchedule,ShowSchedule', ['pgouser2']);
      for (const path of ROUTES) {
        const res = await pgo.call('POST', path, { Namespace: NS, ClusterName: 'alpha' }, user.authorization);
        assert.equal(res.text, refused(`user [schedother] is not allowed access to namespace [${NS}]`), path);
      }
    });

    test('every route answers 400 with an empty Results list when a key has the wrong type', async () => {
      for (const path of ROUTES) {
        const res = await post(path, { ClusterName: 7 });
        assert.equal(res.status, 400, path);
        assert.equal(res.text, refused('field ClusterName must be a string, not number'), path);
      }
    });

    test('the benchmark routes take the schedule permissions, not the benchmark ones', async () => {
      const scheduler = await addPgoUser(t, 'scheduler', 'CreateSchedule');
      const benchmarker = await addPgoUser(t, 'benchmarker', 'CreateBenchmark,ShowBenchmark,DeleteBenchmark');
      assert.equal((await pgo.call('POST', '/benchmark', { Namespace: NS }, scheduler.authorization)).status, 200);
      for (const path of ['/benchmark', '/benchmarkshow', '/benchmarkdelete']) assert.equal((await pgo.call('POST', path, { Namespace: NS }, benchmarker.authorization)).status, 403, path);
    });
  });

  describe('POST /schedule', () => {
    test('stores a pgBackRest schedule as 4.2.4\'s ConfigMap and names it', async () => {
      const res = await post('/schedule', { ClusterName: 'alpha', Schedule: '0 1 * * *', ScheduleType: 'pgbackrest', PGBackRestType: 'full', BackrestStorageType: 'local', ScheduleOptions: '--compress-level=3' });
      assert.equal(res.text, results(['created schedule alpha-pgbackrest-full for cluster alpha']));
      const cm = await until(() => configMap('alpha-pgbackrest-full'), 'the schedule ConfigMap');
      assert.deepEqual(cm.metadata.labels, { 'pg-cluster': 'alpha', 'crunchy-scheduler': 'true' });
      assert.deepEqual(Object.keys(cm.data as object), ['alpha-pgbackrest-full']);
      const spec = stored('alpha-pgbackrest-full');
      assert.deepEqual(Object.keys(spec), SPEC_KEYS);
      assert.match(String(spec.created), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual({ ...spec, created: '' }, {
        version: 'v1',
        name: 'alpha-pgbackrest-full',
        cluster: 'alpha',
        created: '',
        schedule: '0 1 * * *',
        namespace: NS,
        type: 'pgbackrest',
        pgbackrest: { label: 'pg-cluster=alpha,name=alpha,deployment-name=alpha', container: 'database', type: 'full', storageType: 'local', options: '--compress-level=3' },
        pgbasebackup: { securityContext: {} },
        policy: {},
      });
    });

    test('stores one schedule per cluster a selector matches, by cluster name', async () => {
      const res = await post('/schedule', { Selector: 'env=test', Schedule: '*/15 * * * *', ScheduleType: 'pgbackrest', PGBackRestType: 'incr' });
      assert.equal(res.text, results(['created schedule alpha-pgbackrest-incr for cluster alpha', 'created schedule bravo-pgbackrest-incr for cluster bravo']));
      await until(() => configMap('bravo-pgbackrest-incr'), "bravo's schedule");
      assert.deepEqual(stored('bravo-pgbackrest-incr').pgbackrest, { label: 'pg-cluster=bravo,name=bravo,deployment-name=bravo', container: 'database', type: 'incr' });
    });

    test('stores a policy schedule with the cluster\'s primary user and the pgo images', async () => {
      const res = await post('/schedule', { ClusterName: 'bravo', Schedule: '30 2 * * sun', ScheduleType: 'policy', PolicyName: 'nightly', Database: 'userdb' });
      assert.equal(res.text, results(['created schedule bravo-policy-nightly for cluster bravo']));
      await until(() => configMap('bravo-policy-nightly'), 'the policy schedule');
      const settings = defaultSettings();
      assert.deepEqual(stored('bravo-policy-nightly').policy, { name: 'nightly', database: 'userdb', secret: 'bravo-primaryuser-secret', imagePrefix: settings.pgoImagePrefix, imageTag: settings.pgoImageTag });
    });

    test('stores a pg_basebackup schedule onto an existing PVC', async () => {
      const res = await post('/schedule', { ClusterName: 'alpha', Schedule: '0 0 1 * *', ScheduleType: 'pgbasebackup', PVCName: 'backups' });
      assert.equal(res.text, results(['created schedule backup-alpha for cluster alpha']));
      await until(() => configMap('backup-alpha'), 'the pg_basebackup schedule');
      const settings = defaultSettings();
      assert.deepEqual(stored('backup-alpha').pgbasebackup, { backupVolume: 'backups', imagePrefix: settings.ccpImagePrefix, imageTag: settings.ccpImageTag, secret: 'alpha-primaryuser-secret', securityContext: {} });
    });

    test('answers a cluster no schedule was made for with an empty list', async () => {
      const res = await post('/schedule', { ClusterName: 'nosuch', Schedule: '0 1 * * *', ScheduleType: 'pgbackrest', PGBackRestType: 'full' });
      assert.equal(res.text, results([]));
    });

    test('refuses a schedule that exists, writing nothing', async () => {
      await until(() => configMap('alpha-pgbackrest-full'), 'the first schedule');
      const writes = t.app.writer.requests;
      const res = await post('/schedule', { Selector: 'env=test', Schedule: '0 1 * * *', ScheduleType: 'pgbackrest', PGBackRestType: 'full' });
      assert.equal(res.text, refused('Schedule alpha-pgbackrest-full already exists'));
      assert.equal(t.app.writer.requests, writes);
      assert.equal(configMap('bravo-pgbackrest-full'), undefined);
    });

    const refusals: [string, Record<string, unknown>, string][] = [
      ['an unknown schedule type', { ScheduleType: 'weekly', Schedule: '0 1 * * *' }, 'Schedule type unknown: weekly'],
      ['a cron expression the scheduler cannot run', { ScheduleType: 'pgbackrest', PGBackRestType: 'full', Schedule: '61 * * * *' }, '61 * * * * is not a valid schedule: end of range (61) above maximum (59): 61'],
      ['a cron expression with six fields', { ScheduleType: 'pgbackrest', PGBackRestType: 'full', Schedule: '0 0 1 * * *' }, '0 0 1 * * * is not a valid schedule: expected exactly 5 fields, found 6: [0 0 1 * * *]'],
      ['a pgBackRest schedule without a backup type', { ScheduleType: 'pgbackrest', Schedule: '0 1 * * *' }, 'Backup Type required for pgBackRest schedules'],
      ['an unknown pgBackRest backup type', { ScheduleType: 'pgbackrest', PGBackRestType: 'weekly', Schedule: '0 1 * * *' }, 'pgBackRest Backup Type invalid: weekly'],
      ['a storage type the cluster does not use', { ScheduleType: 'pgbackrest', PGBackRestType: 'full', BackrestStorageType: 's3', Schedule: '0 1 * * *' }, "Storage type 's3' not allowed. S3 storage is not enabled for pgBackRest in thiscluster"],
      ['options that are not flags', { ScheduleType: 'pgbackrest', PGBackRestType: 'full', Schedule: '0 1 * * *', ScheduleOptions: 'compress' }, "bad flag syntax. Backup options must start with '-' or '--'"],
      ['a pgBackRest flag the operator sets itself', { ScheduleType: 'pgbackrest', PGBackRestType: 'full', Schedule: '0 1 * * *', ScheduleOptions: '--repo-path=/x' }, 'Flag --repo-path is not supported for use with PGO'],
      ['options for a policy schedule', { ScheduleType: 'policy', PolicyName: 'nightly', Database: 'userdb', Schedule: '0 1 * * *', ScheduleOptions: '--x' }, 'Request type not recognized. Unable to create struct for backup opts'],
      ['a policy schedule without a database', { ScheduleType: 'policy', PolicyName: 'nightly', Schedule: '0 1 * * *' }, 'Database name required for policy schedules'],
      ['an unknown policy', { ScheduleType: 'policy', PolicyName: 'nope', Database: 'userdb', Schedule: '0 1 * * *' }, 'policy nope not found'],
      ['a PVC that does not exist', { ScheduleType: 'pgbasebackup', PVCName: 'nope', Schedule: '0 1 * * *' }, 'PVC does not exist for backup: nope'],
    ];
    for (const [what, fields, message] of refusals) {
      test(`refuses ${what} with its message, writing nothing`, async () => {
        const writes = t.app.writer.requests;
        const res = await post('/schedule', { ClusterName: 'alpha', ...fields });
        assert.equal(res.text, refused(message));
        assert.equal(t.app.writer.requests, writes);
      });
    }

    test('refuses a selector that does not parse with 4.2.4\'s prefix', async () => {
      const body = json<ResultsBody>(await post('/schedule', { Selector: 'env in (', Schedule: '0 1 * * *', ScheduleType: 'pgbackrest', PGBackRestType: 'full' }));
      assert.equal(body.Code, 'error');
      assert.match(body.Msg, /^Could not get cluster via selector: unable to parse requirement/);
    });
  });

  describe('POST /scheduleshow and /scheduledelete', () => {
    before(async () => {
      await post('/schedule', { ClusterName: 'bravo', Schedule: '0 3 * * *', ScheduleType: 'pgbackrest', PGBackRestType: 'diff' });
      await post('/schedule', { ClusterName: 'bravo', Schedule: '0 4 * * *', ScheduleType: 'pgbasebackup' });
      await until(() => (configMap('bravo-pgbackrest-diff') && configMap('backup-bravo') ? true : undefined), "bravo's schedules");
    });

    test('shows a cluster\'s schedules by name, with their type\'s detail', async () => {
      const body = json<ResultsBody>(await post('/scheduleshow', { ClusterName: 'bravo' }));
      assert.equal(body.Code, 'ok');
      assert.ok(body.Results?.includes('backup-bravo:\n\tschedule: 0 4 * * *\n\tschedule-type: pgbasebackup\n\tbackup-volume: '));
      assert.ok(body.Results?.includes('bravo-pgbackrest-diff:\n\tschedule: 0 3 * * *\n\tschedule-type: pgbackrest\n\tbackup-type: diff'));
      assert.deepEqual(body.Results, [...(body.Results ?? [])].sort());
    });

    test('shows one schedule by its name', async () => {
      const res = await post('/scheduleshow', { ScheduleName: 'bravo-policy-nightly' });
      assert.equal(res.text, results(['bravo-policy-nightly:\n\tschedule: 30 2 * * sun\n\tschedule-type: policy']));
    });

    test('shows the schedules a selector matches among all clusters\' schedules', async () => {
      const body = json<ResultsBody>(await post('/scheduleshow', { ClusterName: 'all', Selector: 'pg-cluster=alpha' }));
      assert.ok((body.Results ?? []).length > 0);
      assert.ok((body.Results ?? []).every((line) => line.startsWith('alpha-') || line.startsWith('backup-alpha')));
    });

    test('answers an unknown schedule name with 4.2.4\'s words, nil error and all', async () => {
      assert.equal((await post('/scheduleshow', { ScheduleName: 'nope' })).text, refused('Could not delete ConfigMap nope: %!s(<nil>)'));
    });

    test('does not show a ConfigMap that is not a schedule', async () => {
      await putConfigMap('not-a-schedule', {}, { 'not-a-schedule': '{}' });
      assert.equal((await post('/scheduleshow', { ScheduleName: 'not-a-schedule' })).text, refused('Could not delete ConfigMap not-a-schedule: %!s(<nil>)'));
    });

    test('answers a schedule whose JSON is missing with encoding/json\'s words', async () => {
      await putConfigMap('broken', { 'crunchy-scheduler': 'true', 'pg-cluster': 'charlie' }, { other: 'x' });
      assert.equal((await post('/scheduleshow', { ScheduleName: 'broken' })).text, refused('Could not parse schedule json broken: unexpected end of JSON input'));
    });

    test('refuses a request naming no schedule, cluster or selector', async () => {
      for (const path of ['/scheduleshow', '/scheduledelete']) assert.equal((await post(path, {})).text, refused('Cluster name, schedule name or selector must be provided'), path);
    });

    test('refuses a selector that does not parse with 4.2.4\'s words', async () => {
      assert.equal((await post('/scheduleshow', { Selector: 'a in (' })).text, refused('No schedules found for selector: crunchy-scheduler=true,a in ('));
    });

    test('deletes one schedule by its name', async () => {
      const res = await post('/scheduledelete', { ScheduleName: 'bravo-pgbackrest-diff' });
      assert.equal(res.text, results(['deleted schedule bravo-pgbackrest-diff']));
      await gone(() => configMap('bravo-pgbackrest-diff'), 'the deleted schedule');
    });

    test('deletes every schedule of a cluster and nothing else', async () => {
      await putConfigMap('charlie-keep', { 'pg-cluster': 'charlie' }, { a: 'b' });
      const res = await post('/scheduledelete', { ClusterName: 'charlie' });
      assert.equal(res.text, results(['deleted schedule broken']));
      await gone(() => configMap('broken'), "charlie's schedule");
      assert.ok(configMap('charlie-keep'));
    });

    test('answers an unknown schedule name as 4.2.4 passed on the NotFound, and leaves other ConfigMaps alone', async () => {
      assert.equal((await post('/scheduledelete', { ScheduleName: 'nope' })).text, refused('Could not delete ConfigMap nope: configmaps "nope" not found'));
      assert.equal((await post('/scheduledelete', { ScheduleName: 'not-a-schedule' })).text, refused('Could not delete ConfigMap not-a-schedule: configmaps "not-a-schedule" not found'));
      assert.ok(configMap('not-a-schedule'));
    });
  });

  describe('POST /benchmark, /benchmarkshow and /benchmarkdelete', () => {
    let taskName = '';

    test('starts a benchmark task and workflow for a cluster, in the cluster\'s database', async () => {
      const body = json<ResultsBody>(await post('/benchmark', { ClusterName: 'alpha', Clients: 2, Transactions: 5 }));
      assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
      assert.equal(body.Code, 'ok');
      assert.equal(body.Results?.[0], 'Created benchmark task for alpha');
      assert.match(String(body.Results?.[1]), /^workflow id is [0-9a-f-]{36}$/);
      const task = await until(() => t.app.cache.list(PGTASK, NS).find((k) => k.spec.tasktype === 'benchmark' && k.metadata.labels?.['pg-cluster'] === 'alpha'), 'the benchmark task');
      taskName = task.metadata.name;
      assert.deepEqual([task.spec.parameters.clients, task.spec.parameters.jobs, task.spec.parameters.transactions], ['2', '1', '5']);
      assert.equal(task.spec.parameters.database, t.app.cache.get(PGCLUSTER, NS, 'alpha')?.spec.database);
    });

    test('refuses a request naming no cluster or selector', async () => {
      assert.equal((await post('/benchmark', {})).text, refused('Invalid create benchmark request: cluster name or selector not set'));
    });

    test('refuses a policy that does not exist or has no SQL with 4.2.4\'s words', async () => {
      assert.equal((await post('/benchmark', { ClusterName: 'bravo', Policy: 'nope' })).text, refused('Policy not found: nope'));
      assert.equal((await post('/benchmark', { ClusterName: 'bravo', Policy: 'remote' })).text, refused('Policy contained no SQL: remote'));
    });

    test('refuses a negative count, naming it', async () => {
      assert.equal((await post('/benchmark', { ClusterName: 'bravo', Clients: -1 })).text, refused('Invalid create benchmark request: Clients must be a whole number, 1 or more'));
    });

    test('answers a selector matching no cluster with an empty list', async () => {
      assert.equal((await post('/benchmark', { Selector: 'env=none' })).text, results([]));
    });

    test('answers 400 when a count is not an integer', async () => {
      const res = await post('/benchmark', { ClusterName: 'alpha', Jobs: 'many' });
      assert.deepEqual([res.status, res.text], [400, refused('field Jobs must be an integer, not string')]);
    });

    test('show says why the pgbench output cannot be shown, naming the benchmark jobs', async () => {
      await until(() => t.app.cache.get(JOBS, NS, taskName), 'the benchmark job');
      const body = json<ResultsBody>(await post('/benchmarkshow', { ClusterName: 'alpha' }));
      assert.deepEqual(body.Results, []);
      assert.equal(body.Code, 'error');
      assert.match(body.Msg, new RegExp(`^cannot show the results of ${taskName} \\((running|completed)\\): .*pods/log`));
    });

    test('show answers a cluster without benchmarks with 4.2.4\'s words', async () => {
      assert.equal((await post('/benchmarkshow', { ClusterName: 'bravo' })).text, refused('no benchmark jobs found'));
    });

    test('show and delete refuse a request naming no cluster or selector', async () => {
      assert.equal((await post('/benchmarkshow', {})).text, refused('invalid show benchmark request: cluster name or selector not set'));
      assert.equal((await post('/benchmarkdelete', {})).text, refused('Invalid delete benchmark request: cluster name or selector not set'));
    });

    test('show and delete refuse a selector that does not parse', async () => {
      assert.match(json<ResultsBody>(await post('/benchmarkshow', { Selector: 'a in (' })).Msg, /^error retrieving benchmark pods: unable to parse requirement/);
      assert.match(json<ResultsBody>(await post('/benchmarkdelete', { Selector: 'a in (' })).Msg, /^Could not get benchmark jobs: unable to parse requirement/);
    });

    test('delete removes a benchmark\'s job, task and transactions ConfigMap, naming the job', async () => {
      await pgo.call('POST', '/policies', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'tx', SQL: 'select 1;' });
      await until(() => t.app.cache.get(PGPOLICY, NS, 'tx'), 'the transactions policy');
      assert.equal(json<ResultsBody>(await post('/benchmark', { ClusterName: 'bravo', Policy: 'tx' })).Code, 'ok');
      const task = await until(() => t.app.cache.list(PGTASK, NS).find((k) => k.spec.tasktype === 'benchmark' && k.metadata.labels?.['pg-cluster'] === 'bravo'), "bravo's benchmark task");
      const name = task.metadata.name;
      await until(() => t.app.cache.get(JOBS, NS, name), "bravo's benchmark job");
      assert.ok(configMap(`${name}-tx`));
      const res = await post('/benchmarkdelete', { ClusterName: 'bravo' });
      assert.equal(res.text, results([`deleted benchmark ${name}`]));
      await gone(() => t.app.cache.get(PGTASK, NS, name) ?? t.app.cache.get(JOBS, NS, name) ?? configMap(`${name}-tx`), "bravo's benchmark");
      // The workflow stays, as 4.2.4 left it.
      assert.ok(t.app.cache.list(PGTASK, NS).some((k: KubeObject) => k.metadata.name.startsWith('bravo-') && k.metadata.name.endsWith('-createbenchmark')));
    });

    test('delete answers no benchmarks with an empty list', async () => {
      assert.equal((await post('/benchmarkdelete', { Selector: 'env=none' })).text, results([]));
    });
  });
});
