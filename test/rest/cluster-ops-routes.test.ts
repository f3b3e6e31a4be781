/**
 * The cluster operation routes — scale, scale down, labels, failover, pgBouncer, upgrade, clone —
 * as pgo 4.2.4 answered them, against running clusters built by the controllers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PGCLUSTER, PGREPLICA, PGTASK } from '../../src/domain/custom-resources.js';
import { podReady } from '../../src/domain/pods.js';
import { taskObject } from '../../src/domain/task-factory.js';
import { DEPLOYMENTS, PODS } from '../../src/kube/resources.js';
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

interface ReplicaSpec {
  Name: string;
  Node: string;
  Status: string;
  ReplicationLag: number;
  Timeline: number;
}

const NS = 'pgouser1';
const VERSION_MISMATCH = 'pgo client and server version mismatch';
const ALL_PERMISSIONS = 'ScaleCluster,Label,CreateFailover,CreatePgbouncer,DeletePgbouncer,CreateUpgrade,Clone';

describe('pgo cluster operation routes', () => {
  let t: TestApp;
  let pgo: PgoClient;
  /** alpha's two replica Deployments: the first is failed over to, the second scaled down. */
  let replicas: string[] = [];

  const post = (path: string, body: Record<string, unknown>) => pgo.call('POST', path, { ClientVersion: CLIENT_VERSION, Namespace: NS, ...body });
  const get = (path: string, params: Record<string, string> = {}) => pgo.call('GET', `${path}?${new URLSearchParams({ version: CLIENT_VERSION, namespace: NS, ...params }).toString()}`);


  const readyReplicaPods = (cluster: string) => t.app.cache.byCluster(PODS, NS, cluster).filter((p) => p.metadata.labels?.role === 'replica' && podReady(p));
  const clusterLabel = (cluster: string, key: string) => t.app.cache.get(PGCLUSTER, NS, cluster)?.metadata.labels?.[key];

  before(async () => {
    t = await startTestApp();
    pgo = pgoClient(t);
    await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'alpha', ReplicaCount: 2 });
    await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'bravo' });
    await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'delta', PgbouncerFlag: true });
    await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'echo' });
    await until(() => (['bravo', 'delta', 'echo'].every((c) => t.app.cache.get(PGCLUSTER, NS, c)) ? true : undefined), 'the clusters in the cache');
    await until(() => (readyReplicaPods('alpha').length === 2 ? true : undefined), "alpha's two replicas to be ready");
  });
  after(() => t.dispose());

  describe('refusals every route shares', () => {
    const routes: [string, string, Record<string, unknown>][] = [
      ['GET', '/clusters/scale/alpha', { 'replica-count': '1' }],
      ['GET', '/scale/alpha', {}],
      ['GET', '/scaledown/alpha', { 'replica-name': 'x', 'delete-data': 'false' }],
      ['POST', '/label', { Args: ['alpha'], LabelCmdLabel: 'env=prod' }],
      ['POST', '/labeldelete', { Args: ['alpha'], LabelCmdLabel: 'env=prod' }],
      ['POST', '/failover', { ClusterName: 'alpha', Target: 'x' }],
      ['GET', '/failover/alpha', {}],
      ['POST', '/pgbouncer', { Args: ['bravo'] }],
      ['DELETE', '/pgbouncer', { Args: ['delta'] }],
      ['POST', '/pgbouncerdelete', { Args: ['delta'] }],
      ['POST', '/upgrades', { Args: ['echo'] }],
    ];
    const call = (method: string, path: string, fields: Record<string, unknown>, version: string, namespace: string, auth?: string) =>
      method === 'GET'
        ? pgo.call('GET', `${path}?${new URLSearchParams({ version, namespace, ...(fields as Record<string, string>) }).toString()}`, undefined, auth)
        : pgo.call(method, path, { ClientVersion: version, Namespace: namespace, ...fields }, auth);

    test('every route but clone answers another client version with the mismatch and nil results', async () => {
      for (const [method, path, fields] of routes) {
        const res = await call(method, path, fields, '4.1.1', NS);
        assert.equal(res.status, 200, `${method} ${path}`);
        const expected = path === '/failover' ? { Results: null, Targets: '', Code: 'error', Msg: VERSION_MISMATCH } : { Results: null, Code: 'error', Msg: VERSION_MISMATCH };
        assert.equal(res.text, `${JSON.stringify(expected)}\n`, `${method} ${path}`);
      }
    });

    test('every route refuses a namespace that is not part of the installation', async () => {
      for (const [method, path, fields] of [...routes, ['POST', '/clone', { SourceClusterName: 'bravo', TargetClusterName: 'x' }] as [string, string, Record<string, unknown>]]) {
        const body = json<ResultsBody>(await call(method, path, fields, CLIENT_VERSION, 'elsewhere'));
        assert.deepEqual([body.Code, body.Msg], ['error', 'namespace [elsewhere] is not part of the Operator installation'], `${method} ${path}`);
      }
    });

    test('every route refuses a namespace the pgo user may not access', async () => {
      const user = await addPgoUser(t, 'opsother', ALL_PERMISSIONS, ['pgouser2']);
      for (const [method, path, fields] of [...routes, ['POST', '/clone', { SourceClusterName: 'bravo', TargetClusterName: 'x' }] as [string, string, Record<string, unknown>]]) {
        const body = json<ResultsBody>(await call(method, path, fields, CLIENT_VERSION, NS, user.authorization));
        assert.deepEqual([body.Code, body.Msg], ['error', 'user [opsother] is not allowed access to namespace [pgouser1]'], `${method} ${path}`);
      }
    });

    test('a pgo user without the route\'s permission is 403', async () => {
      const user = await addPgoUser(t, 'labelonly', 'Label');
      const res = await pgo.call('POST', '/failover', { ClientVersion: CLIENT_VERSION, Namespace: NS, ClusterName: 'alpha', Target: 'x' }, user.authorization);
      assert.deepEqual([res.status, res.text], [403, 'Not authorized for this apiserver action\n']);
    });

    test('every body route answers 400 naming the field when a key has the wrong type', async () => {
      const cases: [string, string, Record<string, unknown>, string][] = [
        ['POST', '/label', { Args: 'alpha', LabelCmdLabel: 'env=prod' }, 'Args'],
        ['POST', '/labeldelete', { Args: ['alpha'], LabelCmdLabel: 5 }, 'LabelCmdLabel'],
        ['POST', '/failover', { ClusterName: 'alpha', Target: 5 }, 'Target'],
        ['POST', '/pgbouncer', { Args: ['bravo'], PgbouncerUser: 5 }, 'PgbouncerUser'],
        ['DELETE', '/pgbouncer', { Selector: 1 }, 'Selector'],
        ['POST', '/pgbouncerdelete', { Args: 'delta' }, 'Args'],
        ['POST', '/upgrades', { Args: ['echo'], CCPImageTag: true }, 'CCPImageTag'],
        ['POST', '/clone', { SourceClusterName: 1, TargetClusterName: 'x' }, 'SourceClusterName'],
      ];
      for (const [method, path, fields, field] of cases) {
        const res = await call(method, path, fields, CLIENT_VERSION, NS);
        assert.equal(res.status, 400, `${method} ${path}`);
        const body = json<ResultsBody>(res);
        assert.equal(body.Code, 'error');
        assert.match(body.Msg, new RegExp(`^field ${field} must be`), `${method} ${path}`);
        if (path !== '/clone') assert.equal(body.Results, null);
      }
    });
  });

  describe('scale', () => {
    test('GET /scale/{name} lists the replicas with their node and state in Go order', async () => {
      const res = await get('/scale/alpha');
      const body = json<ResultsBody<ReplicaSpec>>(res);
      assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
      assert.equal(body.Code, 'ok');
      assert.equal(body.Results?.length, 2);
      for (const replica of body.Results ?? []) {
        assert.deepEqual(Object.keys(replica), ['Name', 'Node', 'ReplicationLag', 'Status', 'Timeline']);
        assert.match(replica.Name, /^alpha-[a-z]{4}$/);
        assert.equal(replica.Status, 'running');
      }
      replicas = (body.Results ?? []).map((r) => r.Name);
    });

    test('GET /scale/{name} of a cluster without replicas answers an empty list', async () => {
      assert.equal((await get('/scale/bravo')).text, '{"Results":[],"Code":"ok","Msg":""}\n');
    });

    test('GET /scale/{name} of an unknown cluster answers pgo\'s message with an empty list', async () => {
      assert.equal((await get('/scale/nosuch')).text, '{"Results":[],"Code":"error","Msg":"No cluster found for \\"nosuch\\""}\n');
    });

    test('/clusters/scale/{name} creates the Pgreplicas and names each one', async () => {
      const res = await get('/clusters/scale/echo', { 'replica-count': '2', 'resources-config': '', 'storage-config': '', 'node-label': '', 'ccp-image-tag': '', 'service-type': 'NodePort' });
      const body = json<ResultsBody>(res);
      assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
      assert.equal(body.Code, 'ok');
      assert.equal(body.Results?.length, 2);
      for (const line of body.Results ?? []) {
        const name = /^created Pgreplica (echo-[a-z]{4})$/.exec(line)?.[1] ?? assert.fail(line);
        const replica = await until(() => t.app.cache.get(PGREPLICA, NS, name), `Pgreplica ${name}`);
        assert.equal(replica.metadata.labels?.pgouser, t.app.admin.username);
        assert.equal(replica.spec.userlabels?.['service-type'], 'NodePort');
      }
    });

    test('/clusters/scale/{name} takes any method, as 4.2.4\'s route did', async () => {
      const res = await pgo.call('POST', `/clusters/scale/echo?version=${CLIENT_VERSION}&namespace=${NS}&replica-count=1`);
      assert.match(json<ResultsBody>(res).Results?.[0] ?? '', /^created Pgreplica echo-[a-z]{4}$/);
    });

    test('/clusters/scale/{name} refuses all', async () => {
      assert.equal((await get('/clusters/scale/all', { 'replica-count': '1' })).text, '{"Results":null,"Code":"error","Msg":"all is not allowed for the scale command"}\n');
    });

    test('/clusters/scale/{name} of an unknown cluster answers the Kubernetes not-found text', async () => {
      assert.equal((await get('/clusters/scale/nosuch', { 'replica-count': '1' })).text, '{"Results":null,"Code":"error","Msg":"pgclusters.crunchydata.com \\"nosuch\\" not found"}\n');
    });

    test('/clusters/scale/{name} refuses a replica count that is not a number with Go\'s message', async () => {
      assert.equal((await get('/clusters/scale/echo', { 'replica-count': 'two' })).text, '{"Results":null,"Code":"error","Msg":"strconv.Atoi: parsing \\"two\\": invalid syntax"}\n');
    });

    test('/clusters/scale/{name} refuses a replica count below 1', async () => {
      const body = json<ResultsBody>(await get('/clusters/scale/echo', { 'replica-count': '0' }));
      assert.deepEqual([body.Code, body.Msg], ['error', 'replica-count must be greater than 0']);
    });

    test('/clusters/scale/{name} refuses an unknown service type with pgo\'s message', async () => {
      const body = json<ResultsBody>(await get('/clusters/scale/echo', { 'replica-count': '1', 'service-type': 'Headless' }));
      assert.deepEqual([body.Code, body.Msg], ['error', 'error --service-type should be either ClusterIP, NodePort, or LoadBalancer ']);
    });

    test('/clusters/scale/{name} refuses a node label that is not key=value', async () => {
      const body = json<ResultsBody>(await get('/clusters/scale/echo', { 'replica-count': '1', 'node-label': 'zone' }));
      assert.deepEqual([body.Code, body.Msg], ['error', 'zone node label does not follow key=value format']);
    });

    test('/clusters/scale/{name} refuses an unknown storage config by name', async () => {
      const body = json<ResultsBody>(await get('/clusters/scale/echo', { 'replica-count': '1', 'storage-config': 'nosuch' }));
      assert.equal(body.Code, 'error');
      assert.match(body.Msg, /storage config nosuch is not defined/);
    });
  });

  describe('scale down', () => {
    test('GET /scaledown/{name} reads delete-data before anything else, with Go\'s message', async () => {
      const res = await pgo.call('GET', `/scaledown/alpha?version=4.1.1&namespace=${NS}&replica-name=x&delete-data=maybe`);
      assert.equal(res.text, '{"Results":null,"Code":"error","Msg":"strconv.ParseBool: parsing \\"maybe\\": invalid syntax"}\n');
    });

    test('GET /scaledown/{name} of an unknown cluster answers the Kubernetes not-found text', async () => {
      assert.equal((await get('/scaledown/nosuch', { 'replica-name': 'x', 'delete-data': 'true' })).text, '{"Results":[],"Code":"error","Msg":"pgclusters.crunchydata.com \\"nosuch\\" not found"}\n');
    });

    test('GET /scaledown/{name} of a cluster without replica pods says so', async () => {
      assert.equal((await get('/scaledown/bravo', { 'replica-name': 'x', 'delete-data': 'true' })).text, '{"Results":[],"Code":"error","Msg":"no replicas found for this cluster"}\n');
    });

    test('GET /scaledown/{name} refuses a replica the cluster does not have', async () => {
      assert.equal((await get('/scaledown/alpha', { 'replica-name': 'alpha', 'delete-data': 'true' })).text, '{"Results":[],"Code":"error","Msg":"Unable to find replica with name alpha"}\n');
    });

    test('GET /scaledown/{name} records the replica rmdata task and keeps the data when asked', async () => {
      const replica = replicas[1] ?? assert.fail('no replica listed by the scale query');
      const res = await get('/scaledown/alpha', { 'replica-name': replica, 'delete-data': 'false' });
      assert.equal(res.text, `{"Results":["deleted Pgreplica ${replica}"],"Code":"ok","Msg":""}\n`);
      const task = await until(() => t.app.cache.get(PGTASK, NS, `${replica}-rmdata`), 'the rmdata task');
      assert.equal(task.spec.parameters?.['is-replica'], 'true');
      assert.equal(task.spec.parameters?.['delete-data'], 'false');
      assert.equal(task.spec.parameters?.['replica-name'], replica);
    });
  });

  describe('labels', () => {
    test('POST /label labels the cluster and its Deployments and answers the cluster names', async () => {
      const res = await post('/label', { Args: ['alpha'], LabelCmdLabel: 'env=prod' });
      assert.equal(res.text, '{"Results":["alpha"],"Code":"ok","Msg":""}\n');
      await until(() => (clusterLabel('alpha', 'env') === 'prod' ? true : undefined), 'the label on the Pgcluster');
      const deployments = t.app.cache.byCluster(DEPLOYMENTS, NS, 'alpha');
      assert.ok(deployments.length > 0);
      await until(() => (t.app.cache.byCluster(DEPLOYMENTS, NS, 'alpha').every((d) => d.metadata.labels?.env === 'prod') ? true : undefined), 'the label on the Deployments');
    });

    test('POST /label with DryRun names the clusters of all and changes nothing', async () => {
      const body = json<ResultsBody>(await post('/label', { Args: ['all'], LabelCmdLabel: 'dry=run', DryRun: true }));
      assert.equal(body.Code, 'ok');
      for (const name of ['alpha', 'bravo', 'delta', 'echo']) {
        assert.ok(body.Results?.includes(name), name);
        assert.equal(clusterLabel(name, 'dry'), undefined);
      }
    });

    test('POST /label by selector labels the matching clusters, the selector winning over names', async () => {
      const res = await post('/label', { Selector: 'name=bravo', Args: ['alpha'], LabelCmdLabel: 'tier=gold' });
      assert.equal(res.text, '{"Results":["bravo"],"Code":"ok","Msg":""}\n');
      await until(() => (clusterLabel('bravo', 'tier') === 'gold' ? true : undefined), 'the label on bravo');
      assert.equal(clusterLabel('alpha', 'tier'), undefined);
    });

    test('POST /label without clusters or selector says no clusters specified', async () => {
      assert.equal((await post('/label', { LabelCmdLabel: 'env=prod' })).text, '{"Results":[],"Code":"error","Msg":"no clusters specified"}\n');
    });

    test('POST /label refuses labels that are not DNS-1035 key=value pairs', async () => {
      for (const bad of ['novalue', 'Env=prod', 'env=prod,a=b=c', '']) {
        const res = await post('/label', { Args: ['alpha'], LabelCmdLabel: bad });
        assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"labels not formatted correctly"}\n', bad);
      }
    });

    test('POST /label of an unknown cluster answers pgo\'s message and labels nothing', async () => {
      const res = await post('/label', { Args: ['bravo', 'nosuch'], LabelCmdLabel: 'half=done' });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"error getting list of clusterspgclusters.crunchydata.com \\"nosuch\\" not found"}\n');
      assert.equal(clusterLabel('bravo', 'half'), undefined);
    });

    test('POST /label with a selector that matches nothing says no clusters found', async () => {
      assert.equal((await post('/label', { Selector: 'name=nosuch', LabelCmdLabel: 'env=prod' })).text, '{"Results":[],"Code":"error","Msg":"no clusters found"}\n');
    });

    test('POST /labeldelete removes the label from the cluster and its Deployments', async () => {
      await until(() => (clusterLabel('alpha', 'env') === 'prod' ? true : undefined), 'the label to remove');
      const res = await post('/labeldelete', { Args: ['alpha'], LabelCmdLabel: 'env=prod' });
      assert.equal(res.text, '{"Results":["deleting label from alpha"],"Code":"ok","Msg":""}\n');
      await until(() => (clusterLabel('alpha', 'env') === undefined ? true : undefined), 'the label gone from the Pgcluster');
      await until(() => (t.app.cache.byCluster(DEPLOYMENTS, NS, 'alpha').every((d) => d.metadata.labels?.env === undefined) ? true : undefined), 'the label gone from the Deployments');
    });

    test('POST /labeldelete needs the label as key=value, as 4.2.4 did', async () => {
      assert.equal((await post('/labeldelete', { Args: ['alpha'], LabelCmdLabel: 'env' })).text, '{"Results":[],"Code":"error","Msg":"labels not formatted correctly"}\n');
    });

    test('POST /labeldelete of an unknown cluster answers pgo\'s message', async () => {
      const body = json<ResultsBody>(await post('/labeldelete', { Args: ['nosuch'], LabelCmdLabel: 'env=prod' }));
      assert.deepEqual([body.Code, body.Msg], ['error', 'error getting list of clusterspgclusters.crunchydata.com "nosuch" not found']);
    });
  });

  describe('pgBouncer', () => {
    test('POST /pgbouncer records the add task for each cluster', async () => {
      const res = await post('/pgbouncer', { Args: ['bravo'], PgbouncerUser: 'bouncer' });
      assert.equal(res.text, '{"Results":["bravo pgbouncer added"],"Code":"ok","Msg":""}\n');
      const task = await until(() => t.app.cache.get(PGTASK, NS, 'pgbouncer-add-bravo'), 'the add-pgbouncer task');
      assert.equal(task.spec.parameters?.['pgbouncer-user'], 'bouncer');
    });

    test('POST /pgbouncer answers a line and an error code for a cluster that has one, and goes on', async () => {
      await pgo.call('POST', '/clusters', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'foxtrot' });
      await until(() => t.app.cache.get(PGCLUSTER, NS, 'foxtrot'), 'foxtrot in the cache');
      const res = await post('/pgbouncer', { Args: ['delta', 'foxtrot'] });
      assert.equal(res.text, '{"Results":["delta already has pgbouncer added","foxtrot pgbouncer added"],"Code":"error","Msg":""}\n');
    });

    test('POST /pgbouncer without clusters or selector answers pgo\'s message', async () => {
      assert.equal((await post('/pgbouncer', {})).text, '{"Results":[],"Code":"error","Msg":"either a cluster list or a selector needs to be supplied for this command"}\n');
    });

    test('POST /pgbouncer of an unknown cluster answers name not found', async () => {
      assert.equal((await post('/pgbouncer', { Args: ['nosuch'] })).text, '{"Results":[],"Code":"error","Msg":"nosuch not found"}\n');
    });

    test('POST /pgbouncer with a selector that matches nothing says so', async () => {
      assert.equal((await post('/pgbouncer', { Selector: 'name=nosuch' })).text, '{"Results":[],"Code":"error","Msg":"no clusters found that match request selector or arguments"}\n');
    });

    test('DELETE /pgbouncer records the delete task', async () => {
      const res = await pgo.call('DELETE', '/pgbouncer', { ClientVersion: CLIENT_VERSION, Namespace: NS, Selector: 'name=delta' });
      assert.equal(res.text, '{"Results":["delta pgbouncer deleted"],"Code":"ok","Msg":""}\n');
      await until(() => t.app.cache.get(PGTASK, NS, 'pgbouncer-delete-delta'), 'the delete-pgbouncer task');
    });

    test('POST /pgbouncerdelete answers a line and an error code for a cluster without pgBouncer', async () => {
      const body = json<ResultsBody>(await post('/pgbouncerdelete', { Args: ['alpha'] }));
      assert.deepEqual(body, { Results: ['cluster alpha has no pgBouncer'], Code: 'error', Msg: '' });
      assert.equal(t.app.cache.get(PGTASK, NS, 'pgbouncer-delete-alpha'), undefined);
    });

    test('POST /pgbouncerdelete of an unknown cluster answers the Kubernetes not-found text', async () => {
      assert.equal((await post('/pgbouncerdelete', { Args: ['nosuch'] })).text, '{"Results":[],"Code":"error","Msg":"pgclusters.crunchydata.com \\"nosuch\\" not found"}\n');
    });
  });

  describe('upgrade', () => {
    test('POST /upgrades records the minor upgrade task after 4.2.4\'s leading empty line', async () => {
      const res = await post('/upgrades', { Args: ['echo'], CCPImageTag: 'centos7-12.5-4.2.4' });
      assert.equal(res.text, '{"Results":["","created minor upgrade task for echo"],"Code":"ok","Msg":""}\n');
      const task = await until(() => t.app.cache.get(PGTASK, NS, 'echo-minor-upgrade'), 'the upgrade task');
      assert.equal(task.spec.parameters?.CCPImageTag, 'centos7-12.5-4.2.4');
    });

    test('POST /upgrades refuses the image tag the cluster already runs', async () => {
      const tag = t.app.cache.get(PGCLUSTER, NS, 'bravo')?.spec.ccpimagetag ?? assert.fail('bravo has no image tag');
      const res = await post('/upgrades', { Args: ['bravo'] });
      assert.equal(res.text, `{"Results":[""],"Code":"error","Msg":"can not upgrade to the same image tag ${tag} ${tag}"}\n`);
    });

    test('POST /upgrades of an unknown cluster says it is not a valid pgcluster', async () => {
      assert.equal((await post('/upgrades', { Args: ['nosuch'] })).text, '{"Results":[""],"Code":"error","Msg":"nosuch is not a valid pgcluster"}\n');
    });

    test('POST /upgrades with a selector that matches nothing is ok with a message', async () => {
      assert.equal((await post('/upgrades', { Selector: 'name=nosuch' })).text, '{"Results":[""],"Code":"ok","Msg":"no clusters found"}\n');
    });
  });

  describe('clone', () => {
    test('POST /clone answers the target and workflow after the Status, without a version check', async () => {
      const res = await pgo.call('POST', '/clone', { Namespace: NS, SourceClusterName: 'bravo', TargetClusterName: 'bravo-copy' });
      const body = json<{ Code: string; Msg: string; TargetClusterName: string; WorkflowID: string }>(res);
      assert.deepEqual(Object.keys(body), ['Code', 'Msg', 'TargetClusterName', 'WorkflowID']);
      assert.deepEqual([body.Code, body.Msg, body.TargetClusterName], ['ok', '', 'bravo-copy']);
      const workflow = await until(async () => {
        const shown = json<{ Results: { ClusterName: string }; Code: string }>(await get(`/workflow/${body.WorkflowID}`));
        return shown.Code === 'ok' ? shown : undefined;
      }, 'the clone workflow');
      assert.equal(workflow.Results.ClusterName, 'bravo-copy');
    });

    test('POST /clone without a source names the missing field', async () => {
      assert.equal((await post('/clone', { TargetClusterName: 'x' })).text, '{"Code":"error","Msg":"Invalid clone request: the source cluster name must be set","TargetClusterName":"","WorkflowID":""}\n');
    });

    test('POST /clone without a target names the missing field', async () => {
      assert.equal(json<ResultsBody>(await post('/clone', { SourceClusterName: 'bravo' })).Msg, 'Invalid clone request: the target cluster name must be set');
    });

    test('POST /clone of an unknown source answers pgo\'s message', async () => {
      assert.equal(json<ResultsBody>(await post('/clone', { SourceClusterName: 'nosuch', TargetClusterName: 'x' })).Msg, 'Could not get cluster: pgclusters.crunchydata.com "nosuch" not found');
    });

    test('POST /clone onto an existing cluster answers pgo\'s message', async () => {
      assert.equal(json<ResultsBody>(await post('/clone', { SourceClusterName: 'bravo', TargetClusterName: 'alpha' })).Msg, 'Could not clone cluster: alpha already exists');
    });

    test('POST /clone while a clone of the target is under way names that task', async () => {
      await t.app.writer.create(PGTASK, taskObject({ namespace: NS, name: 'clone-step1-ghost-abcd', tasktype: 'clone-in-progress', labels: { 'pg-cluster': 'ghost', 'pgo-clone': 'true' }, parameters: {} }));
      await until(() => t.app.cache.get(PGTASK, NS, 'clone-step1-ghost-abcd'), 'the ongoing clone task');
      const body = json<ResultsBody>(await post('/clone', { SourceClusterName: 'bravo', TargetClusterName: 'ghost' }));
      assert.equal(body.Msg, 'Could not clone cluster: there exists an ongoing clone task: [clone-step1-ghost-abcd]. If you believe this is an error, try deleting this pgtask CRD.');
      assert.deepEqual(t.app.cache.byCluster(PGTASK, NS, 'ghost').map((task) => task.metadata.name), ['clone-step1-ghost-abcd']);
    });

    test('POST /clone from S3 refuses a source that keeps its backups locally', async () => {
      const body = json<ResultsBody>(await post('/clone', { SourceClusterName: 'bravo', TargetClusterName: 'x', BackrestStorageSource: 's3' }));
      assert.deepEqual([body.Code, body.Msg], ['error', "Storage type 's3' not allowed. S3 storage is not enabled for pgBackRest in thiscluster"]);
      assert.deepEqual(t.app.cache.byCluster(PGTASK, NS, 'x'), []);
    });

    test('POST /clone refuses an unknown storage source with the allowed values', async () => {
      const body = json<ResultsBody>(await post('/clone', { SourceClusterName: 'bravo', TargetClusterName: 'x', BackrestStorageSource: 'gcs' }));
      assert.equal(body.Msg, 'Invalid value provided for pgBackRest storage type. The following values are allowed: "local", "s3"');
    });
  });

  describe('failover', () => {
    test('GET /failover/{name} lists the replicas with the preferred-node flag in Go order', async () => {
      const body = json<ResultsBody<ReplicaSpec>>(await get('/failover/alpha'));
      assert.equal(body.Code, 'ok');
      const target = body.Results?.find((r) => r.Name === replicas[0]) ?? assert.fail(`${replicas[0]} not listed`);
      assert.deepEqual(Object.keys(target), ['Name', 'Node', 'PreferredNode', 'ReplicationLag', 'Status', 'Timeline']);
      assert.equal(target.Status, 'running');
    });

    test('GET /failover/{name} of an unknown cluster answers pgo\'s message with an empty list', async () => {
      assert.equal((await get('/failover/nosuch')).text, '{"Results":[],"Code":"error","Msg":"no cluster found named nosuch"}\n');
    });

    test('POST /failover of an unknown cluster answers pgo\'s message', async () => {
      assert.equal((await post('/failover', { ClusterName: 'nosuch', Target: 'x' })).text, '{"Results":[],"Targets":"","Code":"error","Msg":"no cluster found named nosuch"}\n');
    });

    test('POST /failover refuses a target that is not one of the cluster\'s Deployments', async () => {
      assert.equal(json<ResultsBody>(await post('/failover', { ClusterName: 'alpha', Target: 'nosuch' })).Msg, 'no target found named nosuch');
    });

    test('POST /failover refuses the primary as target', async () => {
      assert.equal(json<ResultsBody>(await post('/failover', { ClusterName: 'alpha', Target: 'alpha' })).Msg, 'The primary database cannot be selected as a failover target');
    });

    test('POST /failover without a target names the missing field and records nothing', async () => {
      const body = json<ResultsBody>(await post('/failover', { ClusterName: 'alpha' }));
      assert.deepEqual([body.Code, body.Msg], ['error', 'Target is required: the name of the replica Deployment to promote']);
      assert.equal(t.app.cache.get(PGTASK, NS, 'alpha-failover'), undefined);
    });

    test('POST /failover records the failover task for the target', async () => {
      const target = replicas[0] ?? assert.fail('no replica listed by the scale query');
      const res = await post('/failover', { ClusterName: 'alpha', Target: target });
      assert.equal(res.text, '{"Results":["created Pgtask (failover) for cluster alpha"],"Targets":"","Code":"ok","Msg":""}\n');
      const task = await until(() => t.app.cache.get(PGTASK, NS, 'alpha-failover'), 'the failover task');
      assert.equal(task.metadata.labels?.target, target);
      assert.deepEqual(Object.keys(task.spec.parameters ?? {}).filter((k) => k !== 'failover-started'), ['alpha']);
    });
  });
});
