/**
 * The backup and restore routes — pgBackRest, the legacy pg_basebackup and pg_dump — as pgo 4.2.4
 * answered them. The controllers are off: the pods a running cluster has are created here as a
 * kubelet and Patroni would leave them, and the tasks and resources the API writes are checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { backupOptionsProblem, optionArguments, splitBackrestType } from '../../src/domain/backup-options.js';
import { PGBACKUP, PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import { JOBS, PODS, PVCS } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import { until } from '../support/until.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';

interface ResultsBody {
  Results: string[] | null;
  Code: string;
  Msg: string;
}

interface BackrestBody {
  Items: { Name: string; Info: string }[] | null;
  Code: string;
  Msg: string;
}

interface BackupListBody {
  BackupList: { kind?: string; apiVersion?: string; metadata: Record<string, unknown>; items: { metadata: Record<string, unknown>; spec: Record<string, unknown>; status: Record<string, unknown> }[] | null };
  Code: string;
  Msg: string;
}

const NS = 'pgouser1';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const VERSION_MISMATCH = 'pgo client and server version mismatch';
const NOT_INSTALLED = 'namespace [elsewhere] is not part of the Operator installation';
const UUID = /^workflow id [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PGBACKUP_SPEC_KEYS = ['namespace', 'name', 'storagespec', 'ccpimagetag', 'backuphost', 'backupusersecret', 'backupport', 'backupstatus', 'backuppvc', 'backupopts', 'toc'];
const STORAGE_KEYS = ['name', 'storageclass', 'accessmode', 'size', 'storagetype', 'fsgroup', 'supplementalgroups', 'matchLabels'];

describe('pgo backup routes', () => {
  let t: TestApp;
  let pgo: PgoClient;
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let custom: k8s.CustomObjectsApi;

  const post = (path: string, body: Record<string, unknown>) => pgo.call('POST', path, { Namespace: NS, ...body });
  const get = (path: string, params: Record<string, string> = {}) => pgo.call('GET', `${path}?${new URLSearchParams({ version: CLIENT_VERSION, namespace: NS, ...params }).toString()}`);


  async function runningPod(name: string, labels: Record<string, string>): Promise<void> {
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name, labels }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } } });
    await core.patchNamespacedPodStatus({ namespace: NS, name, body: { status: { phase: 'Running', podIP: '10.0.0.9', containerStatuses: [{ name: 'database', ready: true, restartCount: 0, image: 'crunchy-postgres-ha', imageID: '', started: true }] } } }, MERGE);
    await until(() => (t.app.cache.get(PODS, NS, name)?.status ? true : undefined), `pod ${name} in the cache`);
  }

  async function claim(name: string, cluster: string): Promise<void> {
    await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: { metadata: { name, labels: { 'pg-cluster': cluster } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1G' } } } } });
    await until(() => (t.app.cache.get(PVCS, NS, name) ? true : undefined), `PVC ${name} in the cache`);
  }

  async function backupJob(name: string, cluster: string, finished: boolean): Promise<void> {
    await batch.createNamespacedJob({ namespace: NS, body: { metadata: { name, labels: { 'pg-cluster': cluster, pgdump: 'true', vendor: 'crunchydata' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pgdump', image: 'crunchy-pgdump' }] } } } } });
    if (finished) await batch.patchNamespacedJobStatus({ namespace: NS, name, body: { status: { succeeded: 1 } } }, MERGE);
    await until(() => (t.app.cache.get(JOBS, NS, name) && (!finished || t.app.cache.get(JOBS, NS, name)?.status) ? true : undefined), `job ${name} in the cache`);
  }

  async function createCluster(name: string): Promise<void> {
    const res = await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: name });
    assert.equal(json<{ status: { Code: string } }>(res).status.Code, 'ok', res.text);
    await until(() => t.app.cache.get(PGCLUSTER, NS, name), `cluster ${name} in the cache`);
  }

  const task = (name: string) => until(() => t.app.cache.get(PGTASK, NS, name), `task ${name}`);

  before(async () => {
    // The simulated node would finish every Job at once; a long delay keeps a Job running.
    t = await startTestApp({ PGO_CONTROLLERS: 'false', PGO_RUNTIME_DELAY_MS: '600000' });
    pgo = pgoClient(t);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    batch = t.kc.makeApiClient(k8s.BatchV1Api);
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    // alpha runs (ready primary and repository pods); bravo and charlie exist without pods.
    for (const name of ['alpha', 'bravo', 'charlie']) await createCluster(name);
    const db = { 'pg-cluster': 'alpha', 'pgo-pg-database': 'true', vendor: 'crunchydata' };
    await runningPod('alpha-primary-pod', { ...db, 'service-name': 'alpha', 'deployment-name': 'alpha', role: 'master' });
    await runningPod('alpha-backrest-shared-repo-pod', { 'pg-cluster': 'alpha', 'pgo-backrest-repo': 'true', 'service-name': 'alpha-backrest-shared-repo', vendor: 'crunchydata' });
  });
  after(() => t.dispose());

  describe('POST /backrestbackup', () => {
    test('creates the backrest task with the type pgo sent inside the options', async () => {
      const res = await post('/backrestbackup', { Args: ['alpha'], BackupOpts: '--type=full --start-fast' });
      assert.equal(res.status, 200);
      assert.equal(res.text, '{"Results":["created Pgtask backrest-backup-alpha"],"Code":"ok","Msg":""}\n');
      const created = await task('backrest-backup-alpha');
      assert.equal(created.spec.tasktype, 'backrest');
      assert.equal(created.spec.parameters['backrest-opts'], '--type=full --start-fast');
      assert.equal(created.spec.parameters.podname, 'alpha-backrest-shared-repo-pod');
      assert.equal(created.metadata.labels?.pgouser, t.app.admin.username);
    });

    test('a selector matching no cluster answers 4.2.4\'s result line', async () => {
      const res = await post('/backrestbackup', { Selector: 'name=nobody' });
      assert.equal(res.text, '{"Results":["no clusters found with that selector"],"Code":"ok","Msg":""}\n');
    });

    test('an unknown cluster is refused with the results so far', async () => {
      const res = await post('/backrestbackup', { Args: ['nope'] });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"nope was not found, verify cluster name"}\n');
    });

    test('a flag the server sets itself is refused by name', async () => {
      const res = await post('/backrestbackup', { Args: ['alpha'], BackupOpts: '--repo-path=/elsewhere' });
      assert.deepEqual(json<ResultsBody>(res), { Results: [], Code: 'error', Msg: 'Flag --repo-path is not supported for use with PGO' });
    });

    test('a backup type pgBackRest does not have is refused', async () => {
      const res = await post('/backrestbackup', { Args: ['alpha'], BackupOpts: '--type=weekly' });
      assert.equal(json<ResultsBody>(res).Msg, 'Invalid type provided for pgBackRest backup');
    });

    test('a storage type the cluster does not use is refused with 4.2.4\'s message', async () => {
      const res = await post('/backrestbackup', { Args: ['alpha'], BackrestStorageType: 's3' });
      assert.equal(json<ResultsBody>(res).Msg, "Storage type 's3' not allowed. S3 storage is not enabled for pgBackRest in thiscluster");
    });

    test('an unknown storage type is refused with the allowed values', async () => {
      const res = await post('/backrestbackup', { Args: ['alpha'], BackrestStorageType: 'gcs' });
      assert.equal(json<ResultsBody>(res).Msg, 'Invalid value provided for pgBackRest storage type. The following values are allowed: "local", "s3"');
    });

    test('a cluster without its repository pod is refused', async () => {
      const res = await post('/backrestbackup', { Args: ['bravo'] });
      assert.equal(json<ResultsBody>(res).Code, 'error');
      assert.match(json<ResultsBody>(res).Msg, /repository pod/);
      assert.equal(t.app.cache.get(PGTASK, NS, 'backrest-backup-bravo'), undefined);
    });

    test('a namespace outside the installation answers the zero response', async () => {
      const res = await pgo.call('POST', '/backrestbackup', { Namespace: 'elsewhere', Args: ['alpha'] });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });

    test('Args of the wrong type is 400 naming the field', async () => {
      const res = await post('/backrestbackup', { Args: 'alpha' });
      assert.equal(res.status, 400);
      assert.deepEqual(json<ResultsBody>(res), { Results: null, Code: 'error', Msg: 'field Args must be an array of strings, not string' });
    });

    test('a pgo user without CreateBackup is 403', async () => {
      const user = await addPgoUser(t, 'showbackuponly', 'ShowBackup');
      const res = await pgo.call('POST', '/backrestbackup', { Namespace: NS, Args: ['alpha'] }, user.authorization);
      assert.deepEqual([res.status, res.text], [403, 'Not authorized for this apiserver action\n']);
    });
  });

  describe('GET /backrest/{name}', () => {
    test('shows the backups the cluster\'s tasks record, saying pgbackrest info cannot run here', async () => {
      await task('backrest-backup-alpha');
      const res = await get('/backrest/alpha');
      const body = json<BackrestBody>(res);
      assert.deepEqual(Object.keys(body), ['Items', 'Code', 'Msg']);
      assert.equal(body.Code, 'ok');
      assert.deepEqual(body.Items?.map((i) => Object.keys(i)), [['Name', 'Info']]);
      const info = body.Items?.[0].Info ?? '';
      assert.equal(body.Items?.[0].Name, 'alpha');
      assert.match(info, /^\nStorage Type: local\npgbackrest info is not available here: 4\.2\.4 ran it by exec in the repository pod/);
      assert.match(info, /\n {2}backrest-backup-alpha: options "--type=full --start-fast", status "submitted", requested \d{4}-\d\d-\d\dT/);
    });

    test('a cluster without backups lists none', async () => {
      const body = json<BackrestBody>(await get('/backrest/charlie'));
      assert.equal(body.Items?.[0].Info.endsWith('\n  none\n'), true);
    });

    test('a cluster writing to local and s3 repositories has a section for each', async () => {
      const created = await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'delta', BackrestStorageType: 'local,s3', BackrestS3Bucket: 'b', BackrestS3Region: 'r', BackrestS3Endpoint: 'e' });
      assert.equal(json<{ status: { Code: string } }>(created).status.Code, 'ok', created.text);
      await until(() => t.app.cache.get(PGCLUSTER, NS, 'delta'), 'cluster delta in the cache');
      const info = json<BackrestBody>(await get('/backrest/delta')).Items?.[0].Info ?? '';
      assert.deepEqual(info.match(/Storage Type: \w+/g), ['Storage Type: local', 'Storage Type: s3']);
    });

    test('all lists every cluster of the namespace', async () => {
      const body = json<BackrestBody>(await get('/backrest/all'));
      assert.deepEqual(body.Items?.map((i) => i.Name).sort(), ['alpha', 'bravo', 'charlie', 'delta']);
    });

    test('a selector matching nothing answers an empty list', async () => {
      const res = await get('/backrest/alpha', { selector: 'name=nobody' });
      assert.equal(res.text, '{"Items":[],"Code":"ok","Msg":""}\n');
    });

    test('another client version answers the mismatch with null Items', async () => {
      const res = await get('/backrest/alpha', { version: '4.1.0' });
      assert.equal(res.text, `{"Items":null,"Code":"error","Msg":"${VERSION_MISMATCH}"}\n`);
    });

    test('a namespace outside the installation is refused', async () => {
      const res = await get('/backrest/alpha', { namespace: 'elsewhere' });
      assert.equal(res.text, `{"Items":null,"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });
  });

  describe('POST /restore', () => {
    test('creates the restore workflow and task and answers 4.2.4\'s two lines', async () => {
      const res = await post('/restore', { FromCluster: 'charlie', ToPVC: 'charlie-abcd', RestoreOpts: '--type=time', PITRTarget: '2020-01-01 10:00:00', NodeLabel: 'zone=east' });
      const body = json<ResultsBody>(res);
      assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
      assert.equal(body.Code, 'ok', body.Msg);
      assert.equal(body.Results?.[0], 'restore performed on charlie to charlie-abcd opts=--type=time pitr-target=2020-01-01 10:00:00');
      assert.match(body.Results?.[1] ?? '', UUID);
      const created = await task('backrest-restore-charlie-to-charlie-abcd');
      assert.equal(created.spec.parameters['backrest-restore-opts'], '--type=time');
      assert.equal(created.spec.parameters.NodeLabelKey, 'zone');
      assert.equal(created.spec.parameters.workflowid, body.Results?.[1].slice('workflow id '.length));
    });

    test('an unknown cluster is refused', async () => {
      const res = await post('/restore', { FromCluster: 'nope', ToPVC: 'nope-abcd' });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"nope was not found, verify cluster name"}\n');
    });

    test('a restore type pgBackRest does not have is refused', async () => {
      const res = await post('/restore', { FromCluster: 'charlie', ToPVC: 'charlie-efgh', RestoreOpts: '--type=yesterday', PITRTarget: 'x' });
      assert.equal(json<ResultsBody>(res).Msg, 'Invalid type provided for pgBackRest restore');
    });

    test('a node label without = is refused with 4.2.4\'s message', async () => {
      const res = await post('/restore', { FromCluster: 'charlie', ToPVC: 'charlie-ijkl', NodeLabel: 'zone' });
      assert.equal(json<ResultsBody>(res).Msg, 'zone node label does not follow key=value format');
    });

    test('a storage type the cluster does not use is refused for a restore with 4.2.4\'s message', async () => {
      const res = await post('/restore', { FromCluster: 'charlie', ToPVC: 'charlie-mnop', BackrestStorageType: 'local,s3' });
      assert.equal(json<ResultsBody>(res).Msg, "Storage type 's3' not allowed. S3 storage is not enabled for pgBackRest in thiscluster");
    });

    test('a namespace outside the installation answers the zero response', async () => {
      const res = await pgo.call('POST', '/restore', { Namespace: 'elsewhere', FromCluster: 'charlie' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });

    test('a body that is not a JSON object is 400', async () => {
      const res = await pgo.call('POST', '/restore', '["charlie"]');
      assert.equal(res.status, 400);
      assert.equal(json<ResultsBody>(res).Results, null);
    });
  });

  describe('POST /backups and GET /backups/{name} (pg_basebackup)', () => {
    test('POST /backups creates the Pgbackup and its workflow', async () => {
      const res = await post('/backups', { Args: ['alpha'], BackupOpts: '--checkpoint=fast' });
      const body = json<ResultsBody>(res);
      assert.equal(body.Code, 'ok', body.Msg);
      assert.equal(body.Results?.[0], 'created backup Job for alpha');
      assert.match(body.Results?.[1] ?? '', UUID);
      const backup = await until(() => t.app.cache.get(PGBACKUP, NS, 'alpha'), 'the Pgbackup');
      assert.equal(backup.spec.backupopts, '--checkpoint=fast');
    });

    test('POST /backups again re-submits the existing Pgbackup with the new options', async () => {
      await until(() => t.app.cache.get(PGBACKUP, NS, 'alpha'), 'the Pgbackup');
      const res = await post('/backups', { Args: ['alpha'] });
      assert.equal(json<ResultsBody>(res).Code, 'ok');
      await until(() => (t.app.cache.get(PGBACKUP, NS, 'alpha')?.spec.backupstatus === 'Backup Job Re-Submitted' ? true : undefined), 'the re-submission');
      assert.equal(t.app.cache.get(PGBACKUP, NS, 'alpha')?.spec.backupopts, '');
    });

    test('an unknown storage config is refused with 4.2.4\'s message', async () => {
      const res = await post('/backups', { Args: ['bravo'], StorageConfig: 'nope' });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"nope Storage config was not found "}\n');
    });

    test('a pg_basebackup flag the server sets itself is refused by its shorthand', async () => {
      const res = await post('/backups', { Args: ['bravo'], BackupOpts: '-D /tmp/x' });
      assert.equal(json<ResultsBody>(res).Msg, 'Shorthand flag -D is not supported for use with PGO');
    });

    test('an unknown cluster is refused', async () => {
      const res = await post('/backups', { Args: ['nope'] });
      assert.equal(json<ResultsBody>(res).Msg, 'nope was not found, verify cluster name');
    });

    test('GET /backups/{name} answers the Pgbackup in Go\'s field order', async () => {
      await until(() => t.app.cache.get(PGBACKUP, NS, 'alpha'), 'the Pgbackup');
      const res = await get('/backups/alpha');
      const body = json<BackupListBody>(res);
      assert.deepEqual(Object.keys(body), ['BackupList', 'Code', 'Msg']);
      assert.deepEqual(Object.keys(body.BackupList), ['metadata', 'items']);
      const item = body.BackupList.items?.[0];
      assert.deepEqual(Object.keys(item ?? {}), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
      assert.deepEqual(Object.keys(item?.spec ?? {}), PGBACKUP_SPEC_KEYS);
      assert.deepEqual(Object.keys(item?.spec.storagespec as object), STORAGE_KEYS);
      assert.equal(item?.metadata.name, 'alpha');
      assert.deepEqual(Object.keys(item?.metadata ?? {}).slice(0, 2), ['name', 'namespace']);
    });

    test('GET /backups/all answers the typed list of every Pgbackup', async () => {
      const body = json<BackupListBody>(await get('/backups/all'));
      assert.deepEqual([body.BackupList.kind, body.BackupList.apiVersion], ['PgbackupList', 'crunchydata.com/v1']);
      assert.deepEqual(body.BackupList.items?.map((i) => i.metadata.name), ['alpha']);
    });

    test('GET /backups/{name} of a cluster without one answers 4.2.4\'s message and no items', async () => {
      const res = await get('/backups/bravo');
      assert.equal(res.text, '{"BackupList":{"metadata":{},"items":null},"Code":"error","Msg":"backup not found for bravo"}\n');
    });

    test('GET /backups/{name} with another client version answers the mismatch', async () => {
      const res = await get('/backups/alpha', { version: '4.1.0' });
      assert.equal(res.text, `{"BackupList":{"metadata":{},"items":null},"Code":"error","Msg":"${VERSION_MISMATCH}"}\n`);
    });

    test('GET /backups/{name} in a namespace outside the installation is refused', async () => {
      const res = await get('/backups/alpha', { namespace: 'elsewhere' });
      assert.equal(json<BackupListBody>(res).Msg, NOT_INSTALLED);
    });
  });

  describe('POST /pgbasebackuprestore', () => {
    test('restores the newest path of the Pgbackup\'s table of contents into the PVC asked for', async () => {
      await until(() => t.app.cache.get(PGBACKUP, NS, 'alpha'), 'the Pgbackup');
      const toc = { '/pgdata/alpha-backups/2020-01-01-10-00-00': '/pgdata/alpha-backups/2020-01-01-10-00-00', '/pgdata/alpha-backups/2020-02-01-10-00-00': '/pgdata/alpha-backups/2020-02-01-10-00-00' };
      await custom.patchNamespacedCustomObject({ ...CR, plural: 'pgbackups', name: 'alpha', body: { spec: { toc } } }, MERGE);
      await until(() => (Object.keys(t.app.cache.get(PGBACKUP, NS, 'alpha')?.spec.toc ?? {}).length === 2 ? true : undefined), 'the toc');
      const res = await post('/pgbasebackuprestore', { FromCluster: 'alpha', ToPVC: 'alpha-restored' });
      const body = json<ResultsBody>(res);
      assert.equal(body.Code, 'ok', body.Msg);
      assert.equal(body.Results?.[0], "pgbasebackup restore performed on alpha to PVC alpha-restored using backup '/pgdata/alpha-backups/2020-02-01-10-00-00'");
      assert.match(body.Results?.[1] ?? '', UUID);
      assert.equal((await task('pgbasebackup-restore-alpha-to-alpha-restored')).spec.tasktype, 'pgbasebackuprestore');
    });

    test('a backup path the Pgbackup does not list is an invalid request', async () => {
      const res = await post('/pgbasebackuprestore', { FromCluster: 'alpha', ToPVC: 'alpha-r2', BackupPath: '/nowhere' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"Invalid pgbasebackup restore request:\\nA backup with path '/nowhere' does not exist for cluster alpha"}\n`);
    });

    test('a cluster without a Pgbackup is an invalid request', async () => {
      const res = await post('/pgbasebackuprestore', { FromCluster: 'bravo', ToPVC: 'bravo-r' });
      assert.equal(json<ResultsBody>(res).Msg, 'Invalid pgbasebackup restore request:\nUnable to find a pgbackup for bravo');
    });

    test('a FromPVC that does not exist is an invalid request', async () => {
      const res = await post('/pgbasebackuprestore', { FromCluster: 'alpha', ToPVC: 'alpha-r3', FromPVC: 'nope' });
      assert.equal(json<ResultsBody>(res).Msg, 'Invalid pgbasebackup restore request:\nA PVC with name nope was not found');
    });

    test('an unknown cluster is an invalid request', async () => {
      const res = await post('/pgbasebackuprestore', { FromCluster: 'nope' });
      assert.equal(json<ResultsBody>(res).Msg, 'Invalid pgbasebackup restore request:\nnope was not found, verify cluster name');
    });

    test('a namespace outside the installation answers the zero response', async () => {
      const res = await pgo.call('POST', '/pgbasebackuprestore', { Namespace: 'elsewhere', FromCluster: 'alpha' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });

    test('ToPVC of the wrong type is 400', async () => {
      const res = await post('/pgbasebackuprestore', { FromCluster: 'alpha', ToPVC: 7 });
      assert.deepEqual([res.status, json<ResultsBody>(res).Msg], [400, 'field ToPVC must be a string, not number']);
    });
  });

  describe('GET /backupsdelete/{name}', () => {
    test('deletes the Pgbackup, the cluster\'s finished backup Jobs and its pg_dump PVC', async () => {
      assert.equal(json<ResultsBody>(await post('/backups', { Args: ['charlie'] })).Code, 'ok');
      await until(() => t.app.cache.get(PGBACKUP, NS, 'charlie'), 'charlie\'s Pgbackup');
      await backupJob('backup-charlie-pgdump-done', 'charlie', true);
      await claim('backup-charlie-pgdump-pvc', 'charlie');
      const res = await get('/backupsdelete/charlie');
      assert.equal(res.text, '{"Results":["charlie"],"Code":"ok","Msg":""}\n');
      await until(() => (!t.app.cache.get(PGBACKUP, NS, 'charlie') && !t.app.cache.get(JOBS, NS, 'backup-charlie-pgdump-done') && !t.app.cache.get(PVCS, NS, 'backup-charlie-pgdump-pvc') ? true : undefined), 'the backup, its job and its PVC gone');
    });

    test('a backup Job still running is refused and nothing is deleted', async () => {
      assert.equal(json<ResultsBody>(await post('/backups', { Args: ['bravo'] })).Code, 'ok');
      await until(() => t.app.cache.get(PGBACKUP, NS, 'bravo'), 'bravo\'s Pgbackup');
      await backupJob('backup-bravo-pgdump-running', 'bravo', false);
      const res = await get('/backupsdelete/bravo');
      assert.deepEqual(json<ResultsBody>(res), { Results: [], Code: 'error', Msg: 'backup job backup-bravo-pgdump-running of cluster bravo is still running; delete the backup once it has finished' });
      assert.ok(t.app.cache.get(PGBACKUP, NS, 'bravo'));
    });

    test('all is not a cluster name', async () => {
      const res = await get('/backupsdelete/all');
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"all not a valid cluster name"}\n');
    });

    test('a cluster without a Pgbackup answers the Kubernetes not-found text 4.2.4 passed on', async () => {
      const res = await get('/backupsdelete/nope');
      assert.equal(json<ResultsBody>(res).Msg, 'pgbackups.crunchydata.com "nope" not found');
    });

    test('another client version answers the mismatch', async () => {
      const res = await get('/backupsdelete/alpha', { version: '4.1.0' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${VERSION_MISMATCH}"}\n`);
      assert.ok(t.app.cache.get(PGBACKUP, NS, 'alpha'));
    });

    test('a namespace outside the installation is refused', async () => {
      const res = await get('/backupsdelete/alpha', { namespace: 'elsewhere' });
      assert.equal(json<ResultsBody>(res).Msg, NOT_INSTALLED);
    });
  });

  describe('POST /pgdumpbackup and GET /pgdump/{name}', () => {
    test('POST /pgdumpbackup creates the pg_dump task', async () => {
      const res = await post('/pgdumpbackup', { Args: ['alpha'], BackupOpts: '--dump-all --verbose', PVCName: 'alpha-dumps' });
      assert.equal(res.text, '{"Results":["created Pgtask backup-alpha-pgdump"],"Code":"ok","Msg":""}\n');
      const created = await task('backup-alpha-pgdump');
      assert.deepEqual([created.spec.parameters['pgdump-all'], created.spec.parameters['pvc-name']], ['true', 'alpha-dumps']);
    });

    test('a pg_dump format that does not exist is refused', async () => {
      const res = await post('/pgdumpbackup', { Args: ['alpha'], BackupOpts: '--format=zip' });
      assert.equal(json<ResultsBody>(res).Msg, 'Invalid format provided for pg_dump backup');
    });

    test('with --dump-all the options are pg_dumpall\'s, which has no --format', async () => {
      const res = await post('/pgdumpbackup', { Args: ['alpha'], BackupOpts: '--dump-all --format=c' });
      assert.equal(json<ResultsBody>(res).Msg, 'unknown flag: --format');
    });

    test('an unknown storage config is refused', async () => {
      const res = await post('/pgdumpbackup', { Args: ['alpha'], StorageConfig: 'nope' });
      assert.equal(json<ResultsBody>(res).Msg, 'nope Storage config was not found ');
    });

    test('a namespace outside the installation answers the zero response', async () => {
      const res = await pgo.call('POST', '/pgdumpbackup', { Namespace: 'elsewhere', Args: ['alpha'] });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });

    test('GET /pgdump/{name} shows the pg_dump task as a Pgbackup', async () => {
      await task('backup-alpha-pgdump');
      await custom.patchNamespacedCustomObject({ ...CR, plural: 'pgtasks', name: 'backup-alpha-pgdump', body: { spec: { status: 'job completed [backup-alpha-pgdump-x]' } } }, MERGE);
      await until(() => (t.app.cache.get(PGTASK, NS, 'backup-alpha-pgdump')?.spec.status ? true : undefined), 'the task status');
      const body = json<BackupListBody>(await get('/pgdump/alpha'));
      assert.deepEqual([body.Code, body.Msg], ['ok', '']);
      assert.deepEqual(Object.keys(body.BackupList), ['metadata', 'items']);
      const item = body.BackupList.items?.[0];
      assert.deepEqual(Object.keys(item ?? {}), ['metadata', 'spec', 'status']);
      assert.deepEqual(Object.keys(item?.metadata ?? {}), ['creationTimestamp']);
      assert.deepEqual(Object.keys(item?.spec ?? {}), PGBACKUP_SPEC_KEYS);
      assert.equal(item?.spec.name, 'backup-alpha-pgdump');
      assert.equal(item?.spec.backupstatus, 'job completed [backup-alpha-pgdump-x]');
      assert.equal(item?.spec.backuppvc, 'alpha-dumps');
      assert.equal(item?.spec.backupopts, '--dump-all --verbose');
      assert.equal(item?.spec.toc, null);
      assert.deepEqual((item?.spec.storagespec as Record<string, string>).accessmode, 'ReadWriteOnce');
    });

    test('GET /pgdump/{name} of a cluster without a dump answers ok with 4.2.4\'s unformatted message', async () => {
      const res = await get('/pgdump/bravo');
      assert.equal(res.text, '{"BackupList":{"metadata":{},"items":[]},"Code":"ok","Msg":"pgDump %s not found. backup-bravo-pgdump\\n"}\n');
    });

    test('GET /pgdump/{name} with another client version answers the mismatch', async () => {
      const res = await get('/pgdump/alpha', { version: '4.1.0' });
      assert.equal(res.text, `{"BackupList":{"metadata":{},"items":null},"Code":"error","Msg":"${VERSION_MISMATCH}"}\n`);
    });

    test('GET /pgdump/{name} in a namespace outside the installation is refused', async () => {
      const res = await get('/pgdump/alpha', { namespace: 'elsewhere' });
      assert.equal(json<BackupListBody>(res).Msg, NOT_INSTALLED);
    });
  });

  describe('POST /pgdumprestore', () => {
    test('creates the pg_restore task and answers ok with 4.2.4\'s message', async () => {
      await claim('alpha-dumps', 'alpha');
      const res = await post('/pgdumprestore', { FromCluster: 'alpha', FromPVC: 'alpha-dumps', RestoreOpts: '--clean --if-exists', PITRTarget: '' });
      assert.equal(res.text, '{"Results":["restore performed on alpha to alpha-dumps opts=--clean --if-exists pitr-target="],"Code":"ok","Msg":"Restore Not Implemented"}\n');
      const created = await task('restore-alpha-pgdump');
      assert.deepEqual([created.spec.tasktype, created.spec.parameters['pgrestore-from-pvc']], ['pgrestore', 'alpha-dumps']);
    });

    test('a PVC that does not exist answers the Kubernetes not-found text', async () => {
      const res = await post('/pgdumprestore', { FromCluster: 'alpha', FromPVC: 'nope' });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"persistentvolumeclaims \\"nope\\" not found"}\n');
    });

    test('an unknown cluster is refused', async () => {
      const res = await post('/pgdumprestore', { FromCluster: 'nope', FromPVC: 'alpha-dumps' });
      assert.equal(json<ResultsBody>(res).Msg, 'nope was not found, verify cluster name');
    });

    test('--if-exists without --clean is refused', async () => {
      const res = await post('/pgdumprestore', { FromCluster: 'alpha', FromPVC: 'alpha-dumps', RestoreOpts: '--if-exists' });
      assert.equal(json<ResultsBody>(res).Msg, 'The --if-exists option is only valid for a pg_restore restore if the --clean option is also specified');
    });

    test('a namespace outside the installation answers the zero response', async () => {
      const res = await pgo.call('POST', '/pgdumprestore', { Namespace: 'elsewhere', FromCluster: 'alpha' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });

    test('FromPVC of the wrong type is 400', async () => {
      const res = await post('/pgdumprestore', { FromCluster: 'alpha', FromPVC: ['alpha-dumps'] });
      assert.equal(res.status, 400);
    });
  });
});

describe('backup options as pgo 4.2.4 parsed them', () => {
  test('a new argument starts at each space before a dash, and a value may hold spaces', () => {
    assert.deepEqual(optionArguments('--type=time --target 2020-01-01 10:00:00 -v'), ['--type=time', '--target', '2020-01-01 10:00:00', '-v']);
  });

  test('options must start with a dash', () => {
    assert.equal(backupOptionsProblem('pgbackrest-backup', 'start-fast'), "bad flag syntax. Backup options must start with '-' or '--'");
  });

  test('dashes alone are no options', () => {
    assert.equal(backupOptionsProblem('pg_dump', '-- -'), 'bad flag syntax. No backup options provided');
  });

  test('several value problems are answered one a line in the order of the flag names', () => {
    assert.equal(backupOptionsProblem('pg_dump', '--superuser=postgres --format=zip'), 'Invalid format provided for pg_dump backup\nThe --superuser option is only applicable for a pg_dump backup if the --disable-triggers option has also been specified');
  });

  test('a non-numeric value of an integer flag answers the flag library\'s text', () => {
    assert.equal(backupOptionsProblem('pgbackrest-backup', '--compress-level=high'), 'invalid argument "high" for "--compress-level" flag: strconv.ParseInt: parsing "high": invalid syntax');
  });

  test('shorthand flags combine and take their value from the rest of the argument', () => {
    assert.equal(backupOptionsProblem('pg_basebackup', '-vPFtar -Z5'), undefined);
    assert.equal(backupOptionsProblem('pg_basebackup', '-Z5'), 'Compress level is only supported when using the tar format for a pg_basebackup backup');
  });

  test('a flag needing a value at the end of the options is refused', () => {
    assert.equal(backupOptionsProblem('pgbackrest-restore', '--force --target'), 'flag needs an argument: --target');
  });

  test('4.2.4 never checked --log-level-stderr', () => {
    assert.equal(backupOptionsProblem('pgbackrest-backup', '--log-level-stderr=loud'), undefined);
    assert.equal(backupOptionsProblem('pgbackrest-backup', '--log-level-file=loud'), 'Invalid log level for pgBackRest backup');
  });

  test('--help answers the usage of the flag set', () => {
    assert.match(backupOptionsProblem('pg_basebackup', '--help') ?? '', /^Usage of pg_basebackup backup-opts:\n {2}-c, --checkpoint string {2,}\n/);
  });

  test('the backup type is taken out of pgBackRest options, the last one winning', () => {
    assert.deepEqual(splitBackrestType('--type=full --start-fast --type diff'), { type: 'diff', options: '--start-fast' });
    assert.deepEqual(splitBackrestType('--start-fast'), { type: undefined, options: '--start-fast' });
  });
});
