/** The cluster lifecycle routes: create, show, delete, update and test, as pgo 4.2.4 answered them. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import { startTestApp } from '../support/app.js';
import { until } from '../support/until.js';
import type { TestApp } from '../support/app.js';
import { CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';

interface ResultsBody<T = string> {
  Results: T[];
  Code: string;
  Msg: string;
}

interface ShowDetail {
  cluster: { metadata: { name: string; labels: Record<string, string> } };
  Pods: { Name: string; Type: string; Ready: boolean; Primary: boolean; ReadyStatus: string }[];
  Services: { Name: string; ClusterIP: string }[];
  Deployments: { Name: string }[];
  Replicas: { Name: string }[];
}

interface TestResult {
  ClusterName: string;
  Instances: { Available: boolean; Message: string; InstanceType: string }[];
  Endpoints: { Available: boolean; Message: string; InstanceType: string }[];
}

const NS = 'pgouser1';

describe('pgo cluster routes', () => {
  let t: TestApp;
  let pgo: PgoClient;

  const create = (fields: Record<string, unknown>) => pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, ...fields });
  const show = (fields: Record<string, unknown>) => pgo.call('POST', '/showclusters', { clientversion: CLIENT_VERSION, namespace: NS, ...fields });


  before(async () => {
    t = await startTestApp();
    pgo = pgoClient(t);
    await create({ Name: 'alpha' });
    await until(async () => {
      const detail = json<ResultsBody<ShowDetail>>(await show({ clustername: 'alpha' })).Results[0];
      return detail?.Pods.some((p) => p.Type === 'primary' && p.Ready) ? detail : undefined;
    }, 'alpha\'s primary to be ready');
  });
  after(() => t.dispose());

  test('POST /clusters answers results and a nested status', async () => {
    const res = await create({ Name: 'beta' });
    assert.equal(res.status, 200);
    const body = json<{ results: string[]; status: { Code: string; Msg: string } }>(res);
    assert.deepEqual(Object.keys(body), ['results', 'status']);
    assert.equal(body.results[0], 'created Pgcluster beta');
    assert.match(body.results[1], /^workflow id [0-9a-f-]+$/);
    assert.ok(t.app.cache.get(PGCLUSTER, NS, 'beta') ?? (await until(async () => t.app.cache.get(PGCLUSTER, NS, 'beta'), 'beta in the cache')));
  });

  test('POST /clusters with a Series creates numbered clusters', async () => {
    const body = json<{ results: string[] }>(await create({ Name: 'series', Series: 2 }));
    assert.deepEqual(body.results.filter((l) => l.startsWith('created')), ['created Pgcluster series0', 'created Pgcluster series1']);
  });

  test('POST /clusters with a Series above the limit answers an error naming series and creates nothing', async () => {
    const body = json<{ status: { Code: string; Msg: string } }>(await create({ Name: 'horde', Series: 1_000_000_000 }));
    assert.equal(body.status.Code, 'error');
    assert.match(body.status.Msg, /series/);
    assert.equal(t.app.cache.get(PGCLUSTER, NS, 'horde0'), undefined);
  });

  test('POST /clusters writes BackrestS3Key and BackrestS3KeySecret into the repository Secret', async () => {
    const body = json<{ status: { Code: string } }>(await create({ Name: 'keyed', BackrestStorageType: 's3', BackrestS3Bucket: 'b', BackrestS3Region: 'r', BackrestS3Endpoint: 'e', BackrestS3Key: 'AKIAEXAMPLE', BackrestS3KeySecret: 'secret' }));
    assert.equal(body.status.Code, 'ok');
    const secret = await t.kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: NS, name: 'keyed-backrest-repo-config' });
    assert.deepEqual(parse(Buffer.from(String(secret.data?.['aws-s3-credentials.yaml']), 'base64').toString()), { 'aws-s3-key': 'AKIAEXAMPLE', 'aws-s3-key-secret': 'secret' });
  });

  test('POST /clusters with another client version answers the mismatch with null results', async () => {
    const res = await pgo.call('POST', '/clusters', { ClientVersion: '4.1.1', Namespace: NS, Name: 'old' });
    assert.equal(res.text, '{"results":null,"status":{"Code":"error","Msg":"pgo client and server version mismatch"}}\n');
  });

  test('POST /clusters refuses the name all with pgo\'s message', async () => {
    const body = json<{ status: { Msg: string } }>(await create({ Name: 'all' }));
    assert.equal(body.status.Msg, "invalid cluster name 'all' is not allowed as a cluster name");
  });

  test('POST /clusters refuses a name that is not a DNS-1035 label', async () => {
    const body = json<{ status: { Code: string; Msg: string } }>(await create({ Name: 'Bad_Name' }));
    assert.equal(body.status.Code, 'error');
    assert.match(body.status.Msg, /^invalid cluster name format /);
  });

  test('POST /clusters refuses an existing cluster with pgo\'s message', async () => {
    const body = json<{ status: { Msg: string } }>(await create({ Name: 'alpha' }));
    assert.equal(body.status.Msg, 'pgcluster alpha was found so we will not create it');
  });

  test('POST /clusters refuses malformed labels and creates nothing', async () => {
    const before = t.app.writer.requests;
    const body = json<{ status: { Msg: string } }>(await create({ Name: 'labelled', UserLabels: 'novalue' }));
    assert.equal(body.status.Msg, 'invalid labels format');
    assert.equal(t.app.writer.requests, before);
  });

  test('POST /clusters with a string where a number belongs is 400 naming the field', async () => {
    const res = await create({ Name: 'typed', Series: '2' });
    assert.equal(res.status, 400);
    assert.match(json<{ status: { Msg: string } }>(res).status.Msg, /Series must be an integer/);
  });

  test('POST /clusters with a body that is not JSON is 400 with an error Status', async () => {
    const res = await pgo.call('POST', '/clusters', '{"ClientVersion": 4.2');
    assert.equal(res.status, 400);
    assert.equal(json<{ status: { Code: string } }>(res).status.Code, 'error');
  });

  test('POST /showclusters answers each cluster with its deployments, pods, services and replicas in Go order', async () => {
    const body = json<ResultsBody<ShowDetail>>(await show({ clustername: 'alpha' }));
    assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
    const detail = body.Results[0];
    assert.deepEqual(Object.keys(detail), ['cluster', 'Deployments', 'Pods', 'Services', 'Replicas']);
    assert.equal(detail.cluster.metadata.name, 'alpha');
    const primary = detail.Pods.find((p) => p.Type === 'primary');
    assert.deepEqual(Object.keys(primary ?? {}), ['Name', 'Phase', 'NodeName', 'PVCName', 'ReadyStatus', 'Ready', 'Primary', 'Type']);
    assert.equal(primary?.Primary, true);
    assert.ok(detail.Deployments.some((d) => d.Name === 'alpha'));
    assert.ok(detail.Services.some((s) => s.Name === 'alpha'));
  });

  test('POST /showclusters of an unknown name answers ok with no results', async () => {
    assert.equal((await show({ clustername: 'nosuch' })).text, '{"Results":[],"Code":"ok","Msg":""}\n');
  });

  test('POST /showclusters by selector answers the matching clusters', async () => {
    const body = json<ResultsBody<ShowDetail>>(await show({ selector: 'name=alpha' }));
    assert.deepEqual(body.Results.map((r) => r.cluster.metadata.name), ['alpha']);
  });

  test('POST /showclusters with a bad selector answers an error Status', async () => {
    const body = json<ResultsBody>(await show({ selector: '=!=' }));
    assert.equal(body.Code, 'error');
  });

  test('POST /clustersupdate disables autofail with pgo\'s result line', async () => {
    const res = await pgo.call('POST', '/clustersupdate', { ClientVersion: CLIENT_VERSION, Namespace: NS, Clustername: ['alpha'], Autofail: 2 });
    assert.equal(res.text, '{"Results":["updated pgcluster alpha"],"Code":"ok","Msg":""}\n');
    await until(async () => (t.app.cache.get(PGCLUSTER, NS, 'alpha')?.metadata.labels?.autofail === 'false' ? true : undefined), 'the autofail label');
  });

  test('POST /clustersupdate of an unknown cluster answers an error Status', async () => {
    const body = json<ResultsBody>(await pgo.call('POST', '/clustersupdate', { ClientVersion: CLIENT_VERSION, Namespace: NS, Clustername: ['nosuch'], Autofail: 1 }));
    assert.equal(body.Code, 'error');
  });

  test('POST /testclusters reports the primary instance available', async () => {
    const body = json<ResultsBody<TestResult>>(await pgo.call('POST', '/testclusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Clustername: 'alpha' }));
    assert.equal(body.Code, 'ok');
    const result = body.Results[0];
    assert.deepEqual(Object.keys(result), ['ClusterName', 'Endpoints', 'Instances']);
    assert.ok(result.Instances.some((i) => i.InstanceType === 'primary' && i.Available));
    assert.deepEqual(Object.keys(result.Endpoints[0] ?? {}), ['Available', 'Message', 'InstanceType']);
  });

  test('POST /clustersdelete of an unknown cluster answers no clusters found', async () => {
    const res = await pgo.call('POST', '/clustersdelete', { ClientVersion: CLIENT_VERSION, Namespace: NS, Clustername: 'nosuch' });
    assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"no clusters found"}\n');
  });

  test('POST /clustersdelete records the rmdata task with the delete options', async () => {
    await create({ Name: 'doomed' });
    await until(async () => t.app.cache.get(PGCLUSTER, NS, 'doomed'), 'doomed in the cache');
    const res = await pgo.call('POST', '/clustersdelete', { ClientVersion: CLIENT_VERSION, Namespace: NS, Clustername: 'doomed', DeleteData: true, DeleteBackups: false });
    assert.equal(res.text, '{"Results":["deleted pgcluster doomed"],"Code":"ok","Msg":""}\n');
    const task = await until(async () => t.app.cache.get(PGTASK, NS, 'doomed-rmdata'), 'the rmdata task');
    assert.equal(task.spec.parameters?.['delete-backups'], 'false');
  });
});
