/** PostgreSQL users and data loads: the user and load routes as pgo 4.2.4 answered them. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgtask } from '../../src/domain/custom-resources.js';
import { podReady } from '../../src/domain/pods.js';
import { SQL_TASK_TYPES } from '../../src/domain/sql-tasks.js';
import { EXPIRED_UNSUPPORTED } from '../../src/domain/user-service.js';
import { FAIL_JOBS_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { PGO_MESSAGES } from '../../src/protocol.js';
import { DEPLOYMENTS, JOBS, PODS, PVCS, SECRETS, SERVICES } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import { until } from '../support/until.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';

interface ResultsBody<T = string> {
  Results: T[] | null;
  Code: string;
  Msg: string;
}

interface ShowDetail {
  Cluster: { metadata: { name: string } };
  Secrets: { Name: string; Username: string; Password: string }[];
}

interface Container {
  command?: string[];
  image: string;
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
}

const NS = 'pgouser1';
const LOAD_CONFIG = ['PGOImagePrefix: registry.example/crunchydata', 'PGOImageTag: centos7-4.2.4', 'DbDatabase: userdb', 'DbUser: postgres', 'DbPort: 5432', 'TableToLoad: xraycsvtable', 'FilePath: sample.csv', 'FileType: csv', 'PVCName: csv-pvc', 'FSGroup: 26', ''].join('\n');

const errorText = (msg: string, results: '[]' | 'null') => `{"Results":${results},"Code":"error","Msg":${JSON.stringify(msg)}}\n`;
const decode = (secret: KubeObject | undefined, key: string) => Buffer.from(((secret?.data ?? {}) as Record<string, string>)[key] ?? '', 'base64').toString('utf8');
const containerOf = (job: KubeObject) => (job.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0];

describe('pgo user and load routes', () => {
  let t: TestApp;
  let pgo: PgoClient;

  const call = (path: string, fields: Record<string, unknown>) => pgo.call('POST', path, { ClientVersion: CLIENT_VERSION, Namespace: NS, ...fields });


  const userTasks = (cluster: string): Pgtask[] => t.app.cache.byCluster(PGTASK, NS, cluster).filter((task) => task.spec.tasktype === SQL_TASK_TYPES.postgresUser);
  const secret = (name: string) => t.app.cache.get(SECRETS, NS, name);
  /** The user tasks of a cluster have all run (a failed one stays, marked). */
  const queueDone = (cluster: string) => until(() => (userTasks(cluster).every((task) => task.spec.status.startsWith('job error')) ? true : undefined), `${cluster}'s user tasks to finish`);

  async function readyCluster(name: string): Promise<void> {
    await call('/clusters', { Name: name });
    await until(() => (t.app.cache.get(SERVICES, NS, name) && t.app.cache.byCluster(PODS, NS, name).some((p) => p.metadata.labels?.role === 'master' && podReady(p)) ? true : undefined), `${name}'s primary to be ready`);
  }

  before(async () => {
    t = await startTestApp();
    pgo = pgoClient(t);
    await Promise.all([readyCluster('alpha'), readyCluster('beta')]);
    // Every user Job of beta fails, to see what a failed SQL leaves behind.
    await t.app.writer.mergePatch(PGCLUSTER, NS, 'beta', { metadata: { annotations: { [FAIL_JOBS_ANNOTATION]: 'pgo-user-sql=true' } } });
    await t.app.writer.create(PVCS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'csv-pvc', namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1G' } } } });
    await until(() => t.app.cache.get(PVCS, NS, 'csv-pvc'), 'the csv PVC');
  });
  after(() => t.dispose());

  describe('POST /usercreate', () => {
    test('a managed user is created and its Secret written once the SQL Job succeeded', async () => {
      const res = await call('/usercreate', { Clusters: ['alpha'], Username: 'alice', Password: 'alice-pw', ManagedUser: true, PasswordAgeDays: 30 });
      assert.equal(res.status, 200);
      assert.equal(res.text, '{"Results":["adding new user alice to alpha"],"Code":"ok","Msg":""}\n');
      const written = await until(() => secret('alpha-alice-secret'), 'alpha-alice-secret');
      assert.equal(decode(written, 'username'), 'alice');
      assert.equal(decode(written, 'password'), 'alice-pw');
      assert.deepEqual(written.metadata.labels, { 'pg-cluster': 'alpha', vendor: 'crunchydata' });
      await until(() => (userTasks('alpha').length === 0 ? true : undefined), 'the finished task to go');
    });

    test('an unmanaged user gets no Secret', async () => {
      const res = await call('/usercreate', { Clusters: ['alpha'], Username: 'eve', PasswordAgeDays: -1 });
      assert.equal(json<ResultsBody>(res).Code, 'ok');
      await until(() => (userTasks('alpha').length === 0 ? true : undefined), 'the task to finish');
      assert.equal(secret('alpha-eve-secret'), undefined);
    });

    test('a failed SQL Job leaves no user Secret and marks its task, and the queue moves on', async () => {
      const res = await call('/usercreate', { Clusters: ['beta'], Username: 'carol', Password: 'carol-pw', ManagedUser: true, PasswordAgeDays: -1 });
      assert.equal(res.text, '{"Results":["adding new user carol to beta"],"Code":"ok","Msg":""}\n');
      assert.equal(json<ResultsBody>(await call('/usercreate', { Clusters: ['beta'], Username: 'dave', ManagedUser: true })).Code, 'ok');
      await queueDone('beta');
      const tasks = userTasks('beta');
      assert.equal(tasks.length, 2);
      const carol = tasks.find((task) => task.spec.parameters.username === 'carol');
      assert.ok(carol);
      assert.equal(carol.spec.status, `job error [${carol.metadata.name}]`);
      assert.match(carol.status?.message ?? '', /failed/);
      assert.equal(secret('beta-carol-secret'), undefined);
      const statement = secret(carol.metadata.name);
      const md5 = createHash('md5').update('carol-pwcarol').digest('hex');
      assert.equal(decode(statement, 'sql'), `CREATE ROLE "carol" LOGIN;\nALTER ROLE "carol" PASSWORD 'md5${md5}';\nALTER ROLE "carol" VALID UNTIL 'infinity';\n`);
      assert.equal(statement?.metadata.labels?.['pg-cluster'], undefined, 'kept out of the cluster\'s user Secrets');
      const job = t.app.cache.get(JOBS, NS, carol.metadata.name);
      assert.ok(job);
      const container = containerOf(job);
      assert.deepEqual(container.command?.slice(0, 2), ['bash', '-ceu']);
      assert.deepEqual(container.env.find((e) => e.name === 'SQL')?.valueFrom, { secretKeyRef: { name: carol.metadata.name, key: 'sql' } });
      assert.deepEqual(container.env.find((e) => e.name === 'PGPASSWORD')?.valueFrom, { secretKeyRef: { name: 'beta-postgres-secret', key: 'password' } });
    });

    test('a user pgo already manages is refused with the database\'s answer', async () => {
      const res = await call('/usercreate', { Clusters: ['alpha'], Username: 'testuser' });
      assert.equal(res.text, errorText('pq: role "testuser" already exists', '[]'));
    });

    test('a create right after another of the same user is refused before the first ran', async () => {
      const first = await call('/usercreate', { Clusters: ['alpha'], Username: 'frank', ManagedUser: true });
      const second = await call('/usercreate', { Clusters: ['alpha'], Username: 'frank' });
      assert.equal(json<ResultsBody>(first).Code, 'ok');
      assert.equal(second.text, errorText('pq: role "frank" already exists', '[]'));
    });

    test('a user name with capitals is refused with pgo\'s message', async () => {
      const res = await call('/usercreate', { Clusters: ['alpha'], Username: 'Bob' });
      assert.equal(res.text, errorText("user name is required to contain lowercase letters, numbers, '.' and '-' only.", '[]'));
    });

    test('a request without clusters, selector or all is refused', async () => {
      const res = await call('/usercreate', { Username: 'bob' });
      assert.equal(res.text, errorText('--selector, --all, or list of cluster names is required for this command', '[]'));
    });

    test('an unknown cluster is refused as the Kubernetes API answered', async () => {
      const res = await call('/usercreate', { Clusters: ['nope'], Username: 'bob' });
      assert.equal(res.text, errorText('pgclusters.crunchydata.com "nope" not found', '[]'));
    });

    test('another client version is refused with null results', async () => {
      const res = await call('/usercreate', { ClientVersion: '4.1.0', Clusters: ['alpha'], Username: 'bob' });
      assert.equal(res.text, errorText(PGO_MESSAGES.versionMismatch, 'null'));
    });

    test('the namespace is checked before the client version', async () => {
      const res = await call('/usercreate', { ClientVersion: '4.1.0', Namespace: 'elsewhere', Clusters: ['alpha'], Username: 'bob' });
      assert.equal(res.text, errorText(PGO_MESSAGES.namespaceNotInstalled('elsewhere'), 'null'));
    });

    test('a string where the cluster list belongs is 400 naming the field', async () => {
      const res = await call('/usercreate', { Clusters: 'alpha', Username: 'bob' });
      assert.equal(res.status, 400);
      const body = json<ResultsBody>(res);
      assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
      assert.equal(body.Results, null);
      assert.match(body.Msg, /Clusters/);
    });
  });

  describe('POST /usershow', () => {
    test('lists the cluster\'s user Secrets but the pgBackRest one, in Go field order', async () => {
      const res = await call('/usershow', { Clusters: ['alpha'] });
      assert.equal(res.status, 200);
      const body = json<ResultsBody<ShowDetail>>(res);
      assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
      assert.equal(body.Code, 'ok');
      const [detail] = body.Results ?? [];
      assert.deepEqual(Object.keys(detail), ['Cluster', 'Secrets', 'ExpiredOutput', 'ExpiredDays', 'ExpiredMsgs']);
      assert.deepEqual(Object.keys(detail.Cluster), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
      assert.equal(detail.Cluster.metadata.name, 'alpha');
      const names = detail.Secrets.map((s) => s.Name);
      assert.deepEqual(names, [...names].sort());
      for (const name of ['alpha-postgres-secret', 'alpha-primaryuser-secret', 'alpha-testuser-secret', 'alpha-alice-secret']) assert.ok(names.includes(name), name);
      assert.ok(!names.includes('alpha-backrest-repo-config'));
      assert.deepEqual(Object.keys(detail.Secrets[0]), ['Name', 'Username', 'Password']);
      assert.deepEqual(detail.Secrets.find((s) => s.Name === 'alpha-alice-secret'), { Name: 'alpha-alice-secret', Username: 'alice', Password: 'alice-pw' });
    });

    test('the all flag lists every cluster of the namespace', async () => {
      const body = json<ResultsBody<ShowDetail>>(await call('/usershow', { AllFlag: true }));
      assert.deepEqual(body.Results?.map((d) => d.Cluster.metadata.name), ['alpha', 'beta']);
    });

    test('a selector matching nothing answers no clusters found', async () => {
      const res = await call('/usershow', { Selector: 'name=nothing', Clusters: ['all'] });
      assert.equal(res.text, errorText('no clusters found', '[]'));
    });

    test('--expired is validated as 4.2.4 did, then refused as this server cannot query the database', async () => {
      assert.equal((await call('/usershow', { Clusters: ['alpha'], Expired: 'soon' })).text, errorText('--expired is not a valid integer', '[]'));
      assert.equal((await call('/usershow', { Clusters: ['alpha'], Expired: '0' })).text, errorText('--expired is requited to be greater than 0', '[]'));
      assert.equal((await call('/usershow', { Clusters: ['alpha'], Expired: '7' })).text, errorText(EXPIRED_UNSUPPORTED, '[]'));
    });

    test('another client version is refused with empty results', async () => {
      const res = await call('/usershow', { ClientVersion: '4.1.0', Clusters: ['alpha'] });
      assert.equal(res.text, errorText(PGO_MESSAGES.versionMismatch, '[]'));
    });

    test('a namespace the caller may not use is refused', async () => {
      const other = await addPgoUser(t, 'secrets-elsewhere', 'ShowSecrets', ['pgouser2']);
      const res = await pgo.call('POST', '/usershow', { ClientVersion: CLIENT_VERSION, Namespace: NS, Clusters: ['alpha'] }, other.authorization);
      assert.equal(res.text, errorText(PGO_MESSAGES.namespaceNotAllowed('secrets-elsewhere', NS), '[]'));
    });

    test('needs the ShowSecrets permission, not ShowUser', async () => {
      const viewer = await addPgoUser(t, 'user-viewer', 'ShowUser');
      const res = await pgo.call('POST', '/usershow', { ClientVersion: CLIENT_VERSION, Namespace: NS, Clusters: ['alpha'] }, viewer.authorization);
      assert.equal(res.status, 403);
    });
  });

  describe('POST /userupdate', () => {
    test('a password change of a managed user is reported per primary and reaches its Secret', async () => {
      await call('/usercreate', { Clusters: ['alpha'], Username: 'grace', Password: 'old-pw', ManagedUser: true });
      // Asked at once: the queued create already counts as a managed user.
      const res = await call('/userupdate', { Clusters: ['alpha'], Username: 'grace', Password: 'new-pw', PasswordAgeDays: 10 });
      assert.equal(res.text, '{"Results":["changing password of user grace on alpha"],"Code":"ok","Msg":""}\n');
      await until(() => (decode(secret('alpha-grace-secret'), 'password') === 'new-pw' ? true : undefined), 'the new password in alpha-grace-secret');
    });

    test('only the validity is changed when --valid-days is given without a password', async () => {
      const res = await call('/userupdate', { Clusters: ['alpha'], Username: 'alice', PasswordAgeDays: 60, PasswordAgeDaysUpdate: true });
      assert.equal(res.text, '{"Results":["updating valid days for password of user alice on alpha"],"Code":"ok","Msg":""}\n');
      await queueDone('alpha');
      assert.equal(decode(secret('alpha-alice-secret'), 'password'), 'alice-pw');
    });

    test('a user or --expired is required, not both', async () => {
      assert.equal((await call('/userupdate', { Clusters: ['alpha'] })).text, errorText('Either --expired or --username must be set.', '[]'));
      assert.equal((await call('/userupdate', { Clusters: ['alpha'], Username: 'alice', Expired: '5' })).text, errorText('The --expired cannot be used when a user is specified.', '[]'));
      assert.equal((await call('/userupdate', { Clusters: ['alpha'], Expired: '5' })).text, errorText(EXPIRED_UNSUPPORTED, '[]'));
    });

    test('a request without clusters answers pgo\'s message, double space included', async () => {
      const res = await call('/userupdate', { Username: 'alice', Password: 'x' });
      assert.equal(res.text, errorText('--selector, --all, or list of cluster names  is required', '[]'));
    });

    test('another client version is refused with null results', async () => {
      const res = await call('/userupdate', { ClientVersion: '4.1.0', Clusters: ['alpha'], Username: 'alice' });
      assert.equal(res.text, errorText(PGO_MESSAGES.versionMismatch, 'null'));
    });

    test('a number where the password belongs is 400', async () => {
      const res = await call('/userupdate', { Clusters: ['alpha'], Username: 'alice', Password: 7 });
      assert.equal(res.status, 400);
      assert.match(json<ResultsBody>(res).Msg, /Password/);
    });
  });

  describe('POST /userdelete', () => {
    test('a managed user is dropped and its Secret removed after the SQL ran', async () => {
      await until(() => secret('alpha-alice-secret'), 'alice to exist');
      const res = await call('/userdelete', { Clusters: ['alpha'], Username: 'alice' });
      assert.equal(res.text, '{"Results":["alice on alpha removed managed=true"],"Code":"ok","Msg":""}\n');
      await until(() => (secret('alpha-alice-secret') ? undefined : true), 'alpha-alice-secret to go');
    });

    test('an unmanaged user is reported managed=false', async () => {
      const res = await call('/userdelete', { Clusters: ['alpha'], Username: 'eve' });
      assert.equal(res.text, '{"Results":["eve on alpha removed managed=false"],"Code":"ok","Msg":""}\n');
    });

    test('the postgres superuser is refused with the database\'s answer and its Secret stays', async () => {
      const res = await call('/userdelete', { Clusters: ['alpha'], Username: 'postgres' });
      assert.equal(res.text, errorText('pq: cannot drop objects owned by role postgres because they are required by the database system', '[]'));
      assert.ok(secret('alpha-postgres-secret'));
    });

    test('a user name is required', async () => {
      assert.equal((await call('/userdelete', { Clusters: ['alpha'] })).text, errorText('--username is required', '[]'));
    });

    test('a selector matching nothing answers no clusters found', async () => {
      assert.equal((await call('/userdelete', { Selector: 'name=nothing', Username: 'x' })).text, errorText('no clusters found', '[]'));
    });

    test('another client version is refused with null results', async () => {
      const res = await call('/userdelete', { ClientVersion: '4.1.0', Clusters: ['alpha'], Username: 'x' });
      assert.equal(res.text, errorText(PGO_MESSAGES.versionMismatch, 'null'));
    });
  });

  describe('pgBouncer', () => {
    test('a managed user\'s change on a pgBouncer cluster has pgBouncer rebuilt, as 4.2.4 reconfigured it', async () => {
      await t.app.writer.mergePatch(PGCLUSTER, NS, 'alpha', { metadata: { labels: { 'crunchy-pgbouncer': 'true' } } });
      const before = await until(() => t.app.cache.get(DEPLOYMENTS, NS, 'alpha-pgbouncer'), 'alpha-pgbouncer');
      await queueDone('alpha');
      assert.equal(json<ResultsBody>(await call('/usercreate', { Clusters: ['alpha'], Username: 'henry', ManagedUser: true })).Code, 'ok');
      await until(() => {
        const now = t.app.cache.get(DEPLOYMENTS, NS, 'alpha-pgbouncer');
        return now && now.metadata.uid !== before.metadata.uid ? true : undefined;
      }, 'a new alpha-pgbouncer Deployment');
      const show = json<ResultsBody<ShowDetail>>(await call('/usershow', { Clusters: ['alpha'] }));
      assert.ok(!show.Results?.[0].Secrets.some((s) => s.Name === 'alpha-pgbouncer-secret'), 'the pgBouncer Secret is not a user Secret');
    });
  });

  describe('POST /load', () => {
    test('creates 4.2.4\'s pgo-load Job for each cluster', async () => {
      const res = await call('/load', { Args: ['alpha'], LoadConfig: LOAD_CONFIG });
      const body = json<ResultsBody>(res);
      assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
      assert.equal(body.Code, 'ok');
      assert.match(body.Results?.[0] ?? '', /^created Job pgo-load-alpha-[a-z]{3}$/);
      const jobName = (body.Results?.[0] ?? '').slice('created Job '.length);
      const job = await until(() => t.app.cache.get(JOBS, NS, jobName), jobName);
      assert.deepEqual(job.metadata.labels, { vendor: 'crunchydata', 'pgo-load': 'true', 'pg-cluster': 'alpha' });
      const pod = (job.spec as { template: { spec: Record<string, unknown> } }).template.spec;
      assert.equal(pod.serviceAccountName, 'pgo-backrest');
      assert.deepEqual(pod.securityContext, { fsGroup: 26 });
      assert.deepEqual(pod.volumes, [{ name: 'pgdata', persistentVolumeClaim: { claimName: 'csv-pvc' } }]);
      const container = containerOf(job);
      assert.equal(container.image, 'registry.example/crunchydata/pgo-load:centos7-4.2.4');
      assert.deepEqual(container.env.map((e) => e.name), ['TABLE_TO_LOAD', 'FILE_PATH', 'FILE_TYPE', 'DB_HOST', 'DB_DATABASE', 'DB_USER', 'DB_PASS', 'DB_PORT']);
      assert.equal(container.env.find((e) => e.name === 'DB_PORT')?.value, '5432');
      assert.deepEqual(container.env.find((e) => e.name === 'DB_PASS')?.valueFrom, { secretKeyRef: { name: 'alpha-postgres-secret', key: 'password' } });
    });

    test('the policies asked for are applied before the Job is created', async () => {
      await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "xraytable", sql: "create table xraycsvtable(id int);" }) { name } }');
      const body = json<ResultsBody>(await call('/load', { Args: ['alpha'], LoadConfig: LOAD_CONFIG, Policies: 'xraytable' }));
      assert.equal(body.Code, 'ok');
      const jobName = (body.Results?.[0] ?? '').slice('created Job '.length);
      await until(() => t.app.cache.get(JOBS, NS, jobName), jobName);
      assert.equal(t.app.cache.get(PGCLUSTER, NS, 'alpha')?.metadata.labels?.xraytable, 'pgpolicy');
    });

    test('an unknown policy cancels the request', async () => {
      const res = await call('/load', { Args: ['alpha'], LoadConfig: LOAD_CONFIG, Policies: 'nope' });
      assert.equal(res.text, errorText('policy nope is not found, cancelling request', '[]'));
    });

    test('an incomplete load config names the missing field', async () => {
      const res = await call('/load', { Args: ['alpha'], LoadConfig: LOAD_CONFIG.replace(/PGOImageTag.*\n/, '') });
      assert.equal(res.text, errorText('PGOImageTag is not supplied', '[]'));
    });

    test('a missing PVC is refused rather than left pending', async () => {
      const res = await call('/load', { Args: ['alpha'], LoadConfig: LOAD_CONFIG.replace('csv-pvc', 'no-pvc') });
      assert.equal(res.text, errorText(`PersistentVolumeClaim no-pvc not found in namespace ${NS}`, '[]'));
    });

    test('clusters or a selector are required, and a selector matching nothing loads nothing', async () => {
      assert.equal((await call('/load', { LoadConfig: LOAD_CONFIG })).text, errorText('args or --selector required', '[]'));
      assert.equal((await call('/load', { Selector: 'name=nothing', LoadConfig: LOAD_CONFIG })).text, '{"Results":[],"Code":"ok","Msg":""}\n');
    });

    test('another client version is refused with null results', async () => {
      const res = await call('/load', { ClientVersion: '4.1.0', Args: ['alpha'], LoadConfig: LOAD_CONFIG });
      assert.equal(res.text, errorText(PGO_MESSAGES.versionMismatch, 'null'));
    });

    test('an object where the load config belongs is 400', async () => {
      const res = await call('/load', { Args: ['alpha'], LoadConfig: { PVCName: 'csv-pvc' } });
      assert.equal(res.status, 400);
      assert.match(json<ResultsBody>(res).Msg, /LoadConfig/);
    });
  });
});
