/**
 * The policy routes — create, show, delete, apply — as pgo 4.2.4's policyservice answered them,
 * against a running cluster built by the controllers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { PGPOLICY, PGTASK } from '../../src/domain/custom-resources.js';
import { podReady } from '../../src/domain/pods.js';
import { UNREADY_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { PODS } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';
import { until } from '../support/until.js';

const NS = 'pgouser1';
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const VERSION_MISMATCH = 'pgo client and server version mismatch';
const NOT_INSTALLED = 'namespace [elsewhere] is not part of the Operator installation';
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

interface ShowBody {
  PolicyList: { metadata: Record<string, unknown>; items: { kind?: string; apiVersion?: string; metadata: Record<string, unknown>; spec: Record<string, string>; status: Record<string, string> }[] | null };
  Code: string;
  Msg: string;
}

describe('pgo policy routes', () => {
  let t: TestApp;
  let pgo: PgoClient;

  const post = (path: string, body: Record<string, unknown>) => pgo.call('POST', path, { ClientVersion: CLIENT_VERSION, Namespace: NS, ...body });

  const createPolicy = async (name: string, fields: Record<string, unknown> = { SQL: 'select 1;' }) => {
    const res = await post('/policies', { Name: name, ...fields });
    assert.equal(res.text, '{"Code":"ok","Msg":""}\n');
    await until(() => t.app.cache.get(PGPOLICY, NS, name), `policy ${name} in the cache`);
  };

  const readyPrimary = (cluster: string) => t.app.cache.byCluster(PODS, NS, cluster).find((p) => p.metadata.labels?.['service-name'] === cluster && p.metadata.labels?.role === 'master' && podReady(p));

  before(async () => {
    t = await startTestApp();
    pgo = pgoClient(t);
    await post('/clusters', { Name: 'alpha' });
    await post('/clusters', { Name: 'bravo' });
    await until(() => readyPrimary('alpha'), "alpha's ready primary");
    await until(() => readyPrimary('bravo'), "bravo's ready primary");
  });
  after(() => t.dispose());

  describe('POST /policies', () => {
    test('creates the Pgpolicy with its SQL and the creator, answering only a Status', async () => {
      await createPolicy('created', { SQL: 'create table t (id int);' });
      const policy = t.app.cache.get(PGPOLICY, NS, 'created');
      assert.equal(policy?.spec.sql, 'create table t (id int);');
      assert.equal(policy?.spec.url, '');
      assert.equal(policy?.metadata.labels?.pgouser, t.app.admin.username);
    });

    test('takes any method, as 4.2.4 registered it without one', async () => {
      const res = await pgo.call('PUT', '/policies', { ClientVersion: CLIENT_VERSION, Namespace: NS, Name: 'by-put', URL: 'https://example.com/p.sql' });
      assert.equal(res.text, '{"Code":"ok","Msg":""}\n');
    });

    test('refuses another client version', async () => {
      const res = await post('/policies', { ClientVersion: '4.1.0', Name: 'old', SQL: 'select 1;' });
      assert.equal(res.status, 200);
      assert.equal(res.text, `{"Code":"error","Msg":"${VERSION_MISMATCH}"}\n`);
    });

    test('refuses a namespace that is not part of the installation', async () => {
      const res = await post('/policies', { Namespace: 'elsewhere', Name: 'p', SQL: 'select 1;' });
      assert.equal(res.text, `{"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });

    test('refuses a name that is not a DNS-1035 label with apimachinery\'s words', async () => {
      assert.equal(json(await post('/policies', { Name: '1policy', SQL: 'select 1;' })).Msg, `invalid policy name format ${DNS1035}`);
      assert.equal(json(await post('/policies', { Name: 'p'.repeat(64), SQL: 'select 1;' })).Msg, 'invalid policy name format must be no more than 63 characters');
    });

    test('refuses a name already taken', async () => {
      await createPolicy('taken');
      const res = await post('/policies', { Name: 'taken', SQL: 'select 2;' });
      assert.equal(res.text, '{"Code":"error","Msg":"policy already exists with that name"}\n');
    });

    test('refuses a policy with neither SQL nor a URL, naming what is missing', async () => {
      const body = json(await post('/policies', { Name: 'empty' }));
      assert.equal(body.Code, 'error');
      assert.match(String(body.Msg), /sql and url/);
      assert.equal(t.app.cache.get(PGPOLICY, NS, 'empty'), undefined);
    });

    test('answers 400 naming the field when SQL is not a string', async () => {
      const res = await post('/policies', { Name: 'typed', SQL: 5 });
      assert.equal(res.status, 400);
      assert.equal(res.text, '{"Code":"error","Msg":"field SQL must be a string, not number"}\n');
    });
  });

  describe('POST /showpolicies', () => {
    before(async () => {
      await createPolicy('shown', { SQL: 'select 3;' });
    });

    test('shows one policy as a PgpolicyList whose item has no type fields', async () => {
      const res = await post('/showpolicies', { Policyname: 'shown' });
      const body = json<ShowBody>(res);
      assert.deepEqual(Object.keys(body), ['PolicyList', 'Code', 'Msg']);
      assert.deepEqual(Object.keys(body.PolicyList), ['metadata', 'items']);
      assert.equal(body.PolicyList.items?.length, 1);
      const item = body.PolicyList.items?.[0];
      assert.deepEqual(Object.keys(item ?? {}), ['metadata', 'spec', 'status']);
      assert.deepEqual(Object.keys(item?.metadata ?? {}).slice(0, 2), ['name', 'namespace']);
      assert.ok(Object.keys(item?.metadata ?? {}).includes('creationTimestamp'));
      assert.deepEqual(item?.spec, { namespace: NS, name: 'shown', url: '', sql: 'select 3;', status: '' });
      assert.equal(body.Code, 'ok');
    });

    test('shows every policy with AllFlag, each with its kind and apiVersion, by name', async () => {
      const body = json<ShowBody>(await post('/showpolicies', { AllFlag: true }));
      const names = (body.PolicyList.items ?? []).map((p) => p.spec.name);
      assert.deepEqual(names, [...names].sort());
      assert.ok(names.includes('shown'));
      assert.deepEqual(Object.keys(body.PolicyList.items?.[0] ?? {}), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
      assert.equal(body.PolicyList.items?.[0].kind, 'Pgpolicy');
    });

    test('answers an unknown policy with an empty list and no error', async () => {
      const res = await post('/showpolicies', { Policyname: 'nope' });
      assert.equal(res.text, '{"PolicyList":{"metadata":{},"items":null},"Code":"ok","Msg":""}\n');
    });

    test('refuses another client version with the zero list', async () => {
      const res = await post('/showpolicies', { ClientVersion: '4.1.0', Policyname: 'shown' });
      assert.equal(res.text, `{"PolicyList":{"metadata":{},"items":null},"Code":"error","Msg":"${VERSION_MISMATCH}"}\n`);
    });

    test('refuses a namespace that is not part of the installation', async () => {
      assert.equal(json(await post('/showpolicies', { Namespace: 'elsewhere', AllFlag: true })).Msg, NOT_INSTALLED);
    });

    test('answers 400 when AllFlag is not a boolean', async () => {
      const res = await post('/showpolicies', { AllFlag: 'yes' });
      assert.equal(res.status, 400);
      assert.equal(res.text, '{"PolicyList":{"metadata":{},"items":null},"Code":"error","Msg":"field AllFlag must be a boolean, not string"}\n');
    });
  });

  describe('POST /policiesdelete', () => {
    test('deletes a policy and names it', async () => {
      await createPolicy('doomed');
      const res = await post('/policiesdelete', { PolicyName: 'doomed' });
      assert.equal(res.text, '{"Results":["deleted policy doomed"],"Code":"ok","Msg":""}\n');
      await until(() => (t.app.cache.get(PGPOLICY, NS, 'doomed') ? undefined : true), 'the policy to go');
    });

    test('answers an unknown policy with 4.2.4\'s message and an empty list', async () => {
      const res = await post('/policiesdelete', { PolicyName: 'nope' });
      assert.equal(res.text, '{"Results":[],"Code":"error","Msg":"policy nope not found"}\n');
    });

    test('deletes every policy of the namespace for all', async () => {
      const other = await startTestApp({ PGO_CONTROLLERS: 'false' });
      try {
        const client = pgoClient(other);
        const call = (path: string, body: Record<string, unknown>) => client.call('POST', path, { ClientVersion: CLIENT_VERSION, Namespace: NS, ...body });
        assert.equal((await call('/policiesdelete', { PolicyName: 'all' })).text, '{"Results":[],"Code":"error","Msg":"policy all not found"}\n');
        await call('/policies', { Name: 'one', SQL: 'select 1;' });
        await call('/policies', { Name: 'two', SQL: 'select 2;' });
        await until(() => (other.app.cache.get(PGPOLICY, NS, 'one') && other.app.cache.get(PGPOLICY, NS, 'two') ? true : undefined), 'both policies in the cache');
        const body = json<{ Results: string[] }>(await call('/policiesdelete', { PolicyName: 'all' }));
        assert.deepEqual([...body.Results].sort(), ['deleted policy one', 'deleted policy two']);
      } finally {
        await other.dispose();
      }
    });

    test('refuses another client version with nil results', async () => {
      const res = await post('/policiesdelete', { ClientVersion: '4.1.0', PolicyName: 'x' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${VERSION_MISMATCH}"}\n`);
    });

    test('refuses a namespace that is not part of the installation', async () => {
      const res = await post('/policiesdelete', { Namespace: 'elsewhere', PolicyName: 'x' });
      assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${NOT_INSTALLED}"}\n`);
    });

    test('answers 400 when PolicyName is not a string', async () => {
      const res = await post('/policiesdelete', { PolicyName: ['x'] });
      assert.equal(res.status, 400);
      assert.equal(json(res).Results, null);
    });
  });

  describe('POST /policies/apply', () => {
    before(async () => {
      await createPolicy('applied', { SQL: 'create extension if not exists pgcrypto;' });
    });

    test('a dry run names the primary Deployments and records nothing', async () => {
      const res = await post('/policies/apply', { Name: 'applied', Selector: 'name=alpha', DryRun: true });
      assert.equal(res.text, '{"Name":["alpha"],"Code":"ok","Msg":""}\n');
      assert.equal(t.app.cache.get(PGTASK, NS, 'alpha-policies')?.spec.parameters.applied, undefined);
    });

    test('records the policy in the cluster\'s policies task and names its primary Deployment', async () => {
      const res = await post('/policies/apply', { Name: 'applied', Selector: 'name=alpha' });
      assert.equal(res.text, '{"Name":["alpha"],"Code":"ok","Msg":""}\n');
      const task = await until(() => t.app.cache.get(PGTASK, NS, 'alpha-policies'), 'the policies task');
      assert.equal(task.spec.parameters.applied, 'applied');
    });

    test('does not check the client version, as 4.2.4 did not', async () => {
      const res = await post('/policies/apply', { ClientVersion: '4.1.0', Name: 'applied', Selector: 'name=nothing', DryRun: true });
      assert.equal(res.text, '{"Name":[],"Code":"ok","Msg":""}\n');
    });

    test('answers an unknown policy with 4.2.4\'s message', async () => {
      const res = await post('/policies/apply', { Name: 'nope', Selector: 'name=alpha' });
      assert.equal(res.text, '{"Name":[],"Code":"error","Msg":"policy nope is not found, cancelling request"}\n');
    });

    test('refuses clusters one of which has no ready primary, recording nothing', async () => {
      await createPolicy('unapplied');
      const primary = readyPrimary('bravo');
      assert.ok(primary);
      const apps = t.kc.makeApiClient(k8s.AppsV1Api);
      await apps.patchNamespacedDeployment({ namespace: NS, name: 'bravo', body: { metadata: { annotations: { [UNREADY_ANNOTATION]: 'true' } } } }, MERGE);
      await until(() => (readyPrimary('bravo') ? undefined : true), "bravo's primary to become unready");
      const res = await post('/policies/apply', { Name: 'unapplied', Selector: 'name in (alpha,bravo)' });
      assert.equal(res.text, '{"Name":[],"Code":"error","Msg":"primary pod is not in Ready state"}\n');
      assert.equal(t.app.cache.get(PGTASK, NS, 'alpha-policies')?.spec.parameters.unapplied, undefined);
      assert.equal(t.app.cache.get(PGTASK, NS, 'bravo-policies'), undefined);
    });

    test('answers a selector that does not parse with an error', async () => {
      const body = json(await post('/policies/apply', { Name: 'applied', Selector: 'name in (' }));
      assert.equal(body.Code, 'error');
      assert.deepEqual(body.Name, []);
      assert.match(String(body.Msg), /unable to parse requirement|selector/);
    });

    test('refuses a namespace the pgo user may not access, with nil names', async () => {
      const user = await addPgoUser(t, 'applyother', 'ApplyPolicy', ['pgouser2']);
      const res = await pgo.call('POST', '/policies/apply', { Namespace: NS, Name: 'applied', Selector: 'name=alpha' }, user.authorization);
      assert.equal(res.text, `{"Name":null,"Code":"error","Msg":"user [applyother] is not allowed access to namespace [${NS}]"}\n`);
    });

    test('answers 400 when DryRun is not a boolean', async () => {
      const res = await post('/policies/apply', { Name: 'applied', DryRun: 'true' });
      assert.equal(res.status, 400);
      assert.equal(res.text, '{"Name":null,"Code":"error","Msg":"field DryRun must be a boolean, not string"}\n');
    });
  });
});
