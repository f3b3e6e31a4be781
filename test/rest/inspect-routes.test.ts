/**
 * The inspection routes (status, df, ls, cat, reload, config, show pvc) over running clusters:
 * `alpha` initialized in pgouser1, `beta` in pgouser2 with a primary that never becomes ready.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { PGCLUSTER } from '../../src/domain/custom-resources.js';
import { RELOAD_JOB_LABEL } from '../../src/domain/reload-job.js';
import { UNREADY_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { DEPLOYMENTS, JOBS, PODS } from '../../src/kube/resources.js';
import { KubeWriter } from '../../src/kube/writer.js';
import { startTestApp } from '../support/app.js';
import { until } from '../support/until.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';

const MISMATCH = 'pgo client and server version mismatch';
const IMAGES = 'registry.developers.crunchydata.com/crunchydata';

interface ResultsBody<T = string> {
  Results: T[] | null;
  Code: string;
  Msg: string;
}

interface StatusBody {
  Result: {
    OperatorStartTime: string;
    NumDatabases: number;
    NumClaims: number;
    VolumeCap: string;
    DbTags: Record<string, number>;
    NotReady: string[];
    Nodes: unknown[];
    Labels: { Key: string; Value: number }[];
  };
  Code: string;
  Msg: string;
}


describe('pgo inspection routes', () => {
  let t: TestApp;
  let pgo: PgoClient;
  let alphaPrimary: string;
  let betaPrimary: string;

  const primaryOf = (namespace: string, cluster: string, ready: boolean) =>
    t.app.cache.list(PODS, namespace).find((p) => p.metadata.labels?.['service-name'] === cluster && (p.status as { containerStatuses?: { ready: boolean }[] } | undefined)?.containerStatuses?.every((c) => c.ready === ready));
  const reloadJobs = async (namespace: string, cluster: string): Promise<string[]> => {
    const list = await t.kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace, labelSelector: `${RELOAD_JOB_LABEL}=true,pg-cluster=${cluster}` });
    return list.items.filter((j) => !j.metadata?.deletionTimestamp).map((j) => j.metadata?.name ?? '');
  };

  before(async () => {
    t = await startTestApp();
    pgo = pgoClient(t);
    for (const [namespace, name] of [['pgouser1', 'alpha'], ['pgouser2', 'beta']]) {
      const res = await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: namespace, Name: name });
      assert.equal(json<{ status: { Code: string } }>(res).status.Code, 'ok');
    }
    // alpha settles: bootstrap Jobs done, nothing more changes in pgouser1 until a test acts.
    await until(() => (t.app.cache.get(PGCLUSTER, 'pgouser1', 'alpha')?.status?.state === 'pgcluster Initialized' ? true : undefined), 'alpha to be initialized');
    alphaPrimary = (await until(() => primaryOf('pgouser1', 'alpha', true), 'alpha\'s ready primary')).metadata.name;
    await until(() => t.app.cache.list(PODS, 'pgouser2').find((p) => p.metadata.labels?.['service-name'] === 'beta'), 'beta\'s primary pod');
    await new KubeWriter(t.kc).mergePatch(DEPLOYMENTS, 'pgouser2', 'beta', { metadata: { annotations: { [UNREADY_ANNOTATION]: 'true' } } });
    betaPrimary = (await until(() => primaryOf('pgouser2', 'beta', false), 'beta\'s primary to be not ready')).metadata.name;
  });
  after(() => t.dispose());

  describe('status', () => {
    const status = (query: string, auth?: string) => pgo.call('GET', `/status?${query}`, undefined, auth);

    test('GET /status sums the namespace\'s deployments, claims, images and labels in 4.2.4 key order', async () => {
      const res = await status(`version=${CLIENT_VERSION}&namespace=pgouser1`);
      assert.equal(res.status, 200);
      const body = json<StatusBody>(res);
      assert.deepEqual(Object.keys(body), ['Result', 'Code', 'Msg']);
      assert.deepEqual(Object.keys(body.Result), ['OperatorStartTime', 'NumDatabases', 'NumClaims', 'VolumeCap', 'DbTags', 'NotReady', 'Nodes', 'Labels']);
      assert.deepEqual([body.Code, body.Msg], ['ok', '']);
      assert.match(body.Result.OperatorStartTime, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
      // alpha's primary and repository Deployments; its data and repository claims of 300M each.
      assert.deepEqual([body.Result.NumDatabases, body.Result.NumClaims, body.Result.VolumeCap], [2, 2, '600000000']);
      assert.deepEqual(body.Result.DbTags, {
        [`${IMAGES}/crunchy-postgres-ha:centos7-12.4-4.2.4`]: 1,
        [`${IMAGES}/pgo-backrest-repo:centos7-4.2.4`]: 1,
        [`${IMAGES}/pgo-backrest:centos7-4.2.4`]: 2,
      });
      assert.deepEqual([body.Result.NotReady, body.Result.Nodes], [[], []]);
      assert.deepEqual(body.Result.Labels.slice(0, 2), [{ Key: 'pg-cluster=alpha', Value: 2 }, { Key: 'vendor=crunchydata', Value: 2 }]);
      assert.ok(body.Result.Labels.every((l, i, all) => i === 0 || all[i - 1].Value >= l.Value));
    });

    test('GET /status lists a primary pod that is not ready', async () => {
      const body = json<StatusBody>(await status(`version=${CLIENT_VERSION}&namespace=pgouser2`));
      assert.deepEqual(body.Result.NotReady, [betaPrimary]);
    });

    test('GET /status with another client version answers the zero result and the mismatch Status', async () => {
      const res = await status('version=4.1.0&namespace=pgouser1');
      assert.equal(res.text, `{"Result":{"OperatorStartTime":"","NumDatabases":0,"NumClaims":0,"VolumeCap":"","DbTags":null,"NotReady":null,"Nodes":null,"Labels":null},"Code":"error","Msg":"${MISMATCH}"}\n`);
    });

    test('GET /status in a namespace the user may not use answers pgo\'s refusal', async () => {
      const user = await addPgoUser(t, 'statusviewer', 'Status', ['pgouser2']);
      const body = json<StatusBody>(await status(`version=${CLIENT_VERSION}&namespace=pgouser1`, user.authorization));
      assert.deepEqual([body.Code, body.Msg, body.Result.DbTags], ['error', 'user [statusviewer] is not allowed access to namespace [pgouser1]', null]);
    });

    test('GET /status without the Status permission is 403', async () => {
      const user = await addPgoUser(t, 'nostatus', 'ShowConfig');
      const res = await status(`version=${CLIENT_VERSION}&namespace=pgouser1`, user.authorization);
      assert.deepEqual([res.status, res.text], [403, 'Not authorized for this apiserver action\n']);
    });
  });

  describe('df', () => {
    const df = (name: string, query: string) => pgo.call('GET', `/df/${name}?${query}`);

    test('GET /df/{name} of a running cluster says why the database size cannot be reported, naming the pod and its claim', async () => {
      const res = await df('alpha', `selector=&version=${CLIENT_VERSION}&namespace=pgouser1`);
      assert.equal(res.status, 200);
      assert.equal(
        res.text,
        `{"Results":[],"Code":"error","Msg":"cannot report the database size of pod ${alphaPrimary} (claim alpha, capacity 300M): 4.2.4 read it with pg_database_size over a PostgreSQL connection to the pod, and this server does not connect to PostgreSQL"}\n`,
      );
    });

    test('GET /df/all with a selector matching no cluster answers ok with empty Results', async () => {
      const res = await df('all', `selector=name%3Dnone&version=${CLIENT_VERSION}&namespace=pgouser1`);
      assert.equal(res.text, '{"Results":[],"Code":"ok","Msg":""}\n');
    });

    test('GET /df/{name} of an unknown cluster answers ok with empty Results', async () => {
      const res = await df('nope', `version=${CLIENT_VERSION}&namespace=pgouser1`);
      assert.equal(res.text, '{"Results":[],"Code":"ok","Msg":""}\n');
    });

    test('GET /df/{name} with an unparsable selector answers an error Status', async () => {
      const body = json<ResultsBody>(await df('all', `selector=${encodeURIComponent('a b')}&version=${CLIENT_VERSION}&namespace=pgouser1`));
      assert.deepEqual([body.Results, body.Code], [[], 'error']);
      assert.notEqual(body.Msg, '');
    });

    test('GET /df/{name} with another client version answers null Results and the mismatch Status', async () => {
      const res = await df('alpha', 'version=4.1.0&namespace=pgouser1');
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
    });

    test('GET /df/{name} without a namespace answers pgo\'s message', async () => {
      const res = await df('alpha', `version=${CLIENT_VERSION}`);
      assert.equal(res.text, '{"Results":null,"Code":"error","Msg":"empty namespace is not valid from pgo clients"}\n');
    });
  });

  describe('ls and cat', () => {
    const run = (command: string, body: unknown) => pgo.call('POST', `/${command}`, body);

    for (const command of ['ls', 'cat']) {
      test(`POST /${command} on a running cluster says it would need pods/exec, naming the primary pod`, async () => {
        const res = await run(command, { Namespace: 'pgouser1', Args: ['alpha', '/pgdata/alpha/postgresql.conf'] });
        assert.equal(res.status, 200);
        assert.equal(
          res.text,
          `{"Results":[],"Code":"error","Msg":"${command} would run in pod ${alphaPrimary} through pods/exec, which this server does not use (the embedded Kubernetes API serves no pods/exec)"}\n`,
        );
      });
    }

    test('POST /ls without arguments answers that no cluster name was passed', async () => {
      const res = await run('ls', { Namespace: 'pgouser1' });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"no cluster name was passed"}\n');
    });

    test('POST /ls of an unknown cluster answers 4.2.4\'s not-found message', async () => {
      const res = await run('ls', { Namespace: 'pgouser1', Args: ['nope', '/pgdata'] });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"nope was not found, verify cluster name"}\n');
    });

    test('POST /cat refuses a path carrying shell syntax, escaped as Go encoded it', async () => {
      const res = await run('cat', { Namespace: 'pgouser1', Args: ['alpha', '/pgdata;rm -rf /'] });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"/pgdata;rm -rf / contains non-allowed characters [\\u0026|;\\u003e]"}\n');
      assert.equal(json(res).Msg, '/pgdata;rm -rf / contains non-allowed characters [&|;>]');
    });

    test('POST /cat in a namespace outside the installation answers null Results and pgo\'s message', async () => {
      const res = await run('cat', { Namespace: 'elsewhere', Args: ['alpha'] });
      assert.equal(res.text, '{"Results":null,"Code":"error","Msg":"namespace [elsewhere] is not part of the Operator installation"}\n');
    });

    test('POST /ls with a string where the argument list belongs is a 400 naming the field', async () => {
      const res = await run('ls', { Namespace: 'pgouser1', Args: 'alpha' });
      assert.equal(res.status, 400);
      assert.equal(json(res).Msg, 'field Args must be an array of strings, not string');
    });
  });

  describe('reload', () => {
    const reload = (body: Record<string, unknown>) => pgo.call('POST', '/reload', { Namespace: 'pgouser1', ...body });

    test('POST /reload runs pg_reload_conf on the primary through a Job and answers 4.2.4\'s line', async () => {
      const res = await reload({ Args: ['alpha'] });
      assert.equal(res.text, '{"Results":["reload performed on alpha"],"Code":"ok","Msg":""}\n');
      const [name] = await reloadJobs('pgouser1', 'alpha');
      const job = await until(() => t.app.cache.get(JOBS, 'pgouser1', name), 'the reload Job in the cache');
      const container = (job.spec as { template: { spec: { containers: { command: string[]; env: { name: string; value?: string }[] }[] } } }).template.spec.containers[0];
      assert.deepEqual(container.command, ['psql', '-v', 'ON_ERROR_STOP=1', '-Atc', 'SELECT pg_reload_conf()']);
      assert.equal(container.env.find((e) => e.name === 'PGHOST')?.value, 'alpha');
      assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'Pgcluster');
      await until(() => ((t.app.cache.get(JOBS, 'pgouser1', name)?.status as { succeeded?: number } | undefined)?.succeeded === 1 ? true : undefined), 'the reload Job to succeed');
    });

    test('POST /reload again replaces the cluster\'s earlier reload Job', async () => {
      const before = await reloadJobs('pgouser1', 'alpha');
      const res = await reload({ Args: ['alpha'] });
      assert.equal(json<ResultsBody>(res).Code, 'ok');
      const now = await reloadJobs('pgouser1', 'alpha');
      assert.equal(now.length, 1);
      assert.ok(!before.includes(now[0]));
    });

    test('POST /reload with a selector reloads the clusters it matches', async () => {
      const res = await reload({ Selector: 'name=alpha' });
      assert.equal(res.text, '{"Results":["reload performed on alpha"],"Code":"ok","Msg":""}\n');
    });

    test('POST /reload with a selector matching no cluster says so', async () => {
      const res = await reload({ Selector: 'name=none' });
      assert.equal(res.text, '{"Results":["no clusters found with that selector"],"Code":"ok","Msg":""}\n');
    });

    test('POST /reload without clusters or selector answers ok with empty Results', async () => {
      const res = await reload({});
      assert.equal(res.text, '{"Results":[],"Code":"ok","Msg":""}\n');
    });

    test('POST /reload naming an unknown cluster reloads none of those named', async () => {
      const before = await reloadJobs('pgouser1', 'alpha');
      const res = await reload({ Args: ['alpha', 'nope'] });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"nope was not found, verify cluster name"}\n');
      assert.deepEqual(await reloadJobs('pgouser1', 'alpha'), before);
    });

    test('POST /reload of a cluster whose primary is not ready refuses without a Job', async () => {
      const res = await pgo.call('POST', '/reload', { Namespace: 'pgouser2', Args: ['beta'] });
      assert.equal(res.text, `{"Results":[],"Code":"error","Msg":"primary pod ${betaPrimary} is not ready; no reload was performed"}\n`);
      assert.deepEqual(await reloadJobs('pgouser2', 'beta'), []);
    });

    test('POST /reload with an empty namespace answers null Results and pgo\'s message', async () => {
      const res = await reload({ Namespace: '', Args: ['alpha'] });
      assert.equal(res.text, '{"Results":null,"Code":"error","Msg":"empty namespace is not valid from pgo clients"}\n');
    });

    test('POST /reload with a number as selector is a 400 naming the field', async () => {
      const res = await reload({ Selector: 1 });
      assert.equal(res.status, 400);
      assert.equal(json(res).Msg, 'field Selector must be a string, not number');
    });
  });

  describe('config', () => {
    test('GET /config answers the pgo.yaml in PgoConfig key order', async () => {
      const res = await pgo.call('GET', `/config?version=${CLIENT_VERSION}&namespace=pgouser1`);
      const body = json<{ Result: Record<string, unknown> & { Cluster: Record<string, unknown>; Pgo: Record<string, unknown>; Storage: Record<string, Record<string, string>> }; Code: string; Msg: string }>(res);
      assert.deepEqual(Object.keys(body), ['Result', 'Code', 'Msg']);
      assert.deepEqual([body.Code, body.Msg], ['ok', '']);
      assert.deepEqual(Object.keys(body.Result), [
        'BasicAuth', 'Cluster', 'Pgo', 'ContainerResources', 'PrimaryStorage', 'BackupStorage', 'ReplicaStorage', 'BackrestStorage', 'Storage',
        'DefaultContainerResources', 'DefaultLoadResources', 'DefaultRmdataResources', 'DefaultBackupResources', 'DefaultBadgerResources', 'DefaultPgbouncerResources',
      ]);
      assert.deepEqual(Object.keys(body.Result.Cluster).slice(0, 8), ['CCPImagePrefix', 'CCPImageTag', 'PrimaryNodeLabel', 'ReplicaNodeLabel', 'Policies', 'LogStatement', 'LogMinDurationStatement', 'Metrics']);
      assert.deepEqual([body.Result.Cluster.CCPImageTag, body.Result.Cluster.Port, body.Result.Cluster.BackrestPort, body.Result.Cluster.PasswordLength], ['centos7-12.4-4.2.4', '5432', 2022, '24']);
      assert.deepEqual(body.Result.Pgo, { PreferredFailoverNode: '', Audit: false, PGOImagePrefix: IMAGES, PGOImageTag: 'centos7-4.2.4' });
      assert.deepEqual(body.Result.Storage, { storageos: { AccessMode: 'ReadWriteOnce', Size: '300M', StorageType: 'dynamic', StorageClass: 'fast', Fsgroup: '26', SupplementalGroups: '', MatchLabels: '' } });
      assert.equal(body.Result.ContainerResources, null);
    });

    test('GET /config with another client version answers a zero PgoConfig and the mismatch Status', async () => {
      const res = await pgo.call('GET', `/config?version=4.1.0&namespace=pgouser1`);
      const body = json<{ Result: Record<string, unknown> & { Cluster: Record<string, unknown>; Pgo: Record<string, unknown> }; Msg: string }>(res);
      assert.equal(body.Msg, MISMATCH);
      assert.deepEqual([body.Result.BasicAuth, body.Result.Storage, body.Result.ContainerResources], ['', null, null]);
      assert.deepEqual(body.Result.Pgo, { PreferredFailoverNode: '', Audit: false, PGOImagePrefix: '', PGOImageTag: '' });
      assert.deepEqual([body.Result.Cluster.CCPImageTag, body.Result.Cluster.BackrestPort, body.Result.Cluster.Backrest], ['', 0, false]);
    });

    test('GET /config in a namespace outside the installation answers pgo\'s message', async () => {
      const res = await pgo.call('GET', `/config?version=${CLIENT_VERSION}&namespace=elsewhere`);
      assert.equal(json(res).Msg, 'namespace [elsewhere] is not part of the Operator installation');
    });
  });

  describe('show pvc', () => {
    const showpvc = (body: Record<string, unknown>) => pgo.call('POST', '/showpvc', { ClientVersion: CLIENT_VERSION, Namespace: 'pgouser1', ...body });

    test('POST /showpvc answers a cluster\'s claims with the empty Status 4.2.4 left on success', async () => {
      const res = await showpvc({ ClusterName: 'alpha' });
      assert.equal(res.text, '{"Results":[{"ClusterName":"alpha","PVCName":"alpha"},{"ClusterName":"alpha","PVCName":"alpha-pgbr-repo"}],"Code":"","Msg":""}\n');
    });

    test('POST /showpvc with AllFlag answers every claim of the namespace', async () => {
      const body = json<ResultsBody<{ ClusterName: string; PVCName: string }>>(await showpvc({ Namespace: 'pgouser2', AllFlag: true }));
      assert.deepEqual(body.Results, [{ ClusterName: 'beta', PVCName: 'beta' }, { ClusterName: 'beta', PVCName: 'beta-pgbr-repo' }]);
    });

    test('POST /showpvc of an unknown cluster answers empty Results', async () => {
      const res = await showpvc({ ClusterName: 'nope' });
      assert.equal(res.text, '{"Results":[],"Code":"","Msg":""}\n');
    });

    test('POST /showpvc with another client version answers null Results and the mismatch Status', async () => {
      const res = await showpvc({ ClusterName: 'alpha', ClientVersion: '4.1.0' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
    });

    test('POST /showpvc with a string as AllFlag is a 400 naming the field', async () => {
      const res = await showpvc({ AllFlag: 'yes' });
      assert.equal(res.status, 400);
      assert.equal(json(res).Msg, 'field AllFlag must be a boolean, not string');
    });
  });
});
