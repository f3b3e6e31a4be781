/** The seed's core pgo routes: version, health, workflows, answered as pgo 4.2.4 answered them. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { basic, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';

describe('pgo core routes', () => {
  let t: TestApp;
  let pgo: PgoClient;

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    pgo = pgoClient(t);
  });
  after(() => t.dispose());

  test('GET /version answers the 4.2.4 version with Go key order and a trailing newline', async () => {
    const res = await pgo.call('GET', '/version');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.text, '{"Version":"4.2.4","Code":"ok","Msg":"apiserver version"}\n');
  });

  test('/health answers without credentials', async () => {
    const res = await pgo.call('GET', '/health', undefined, null);
    assert.equal(res.text, '{"Version":"healthy","Code":"ok","Msg":"healthy"}\n');
  });

  test('/healthz answers ok without credentials', async () => {
    const res = await pgo.call('GET', '/healthz', undefined, null);
    assert.deepEqual([res.status, res.text], [200, 'ok']);
  });

  test('a request without credentials is 401 with the RFC 7617 text', async () => {
    const res = await pgo.call('GET', '/version', undefined, null);
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="Restricted"');
    assert.equal(res.text, 'Not Authorized. Basic Authentication credentials must be provided according to RFC 7617, Section 2.\n');
  });

  test('a wrong password is 401 not authenticated', async () => {
    const res = await pgo.call('GET', '/version', undefined, basic(t.app.admin.username, 'wrong'));
    assert.deepEqual([res.status, res.text], [401, 'Not authenticated in apiserver\n']);
  });

  test('a method the route does not take is 405', async () => {
    const res = await pgo.call('POST', '/workflow/abc');
    assert.equal(res.status, 405);
  });

  test('GET /workflow/{id} answers a workflow created by a cluster create', async () => {
    const created = await t.gql<{ createCluster: { workflowId: string } }>('mutation { createCluster(input: { namespace: "pgouser1", name: "wf" }) { workflowId } }');
    const id = created.data?.createCluster.workflowId ?? '';
    const res = await pgo.call('GET', `/workflow/${id}?version=${CLIENT_VERSION}&namespace=pgouser1`);
    const body = json<{ Results: { ClusterName: string; Parameters: Record<string, string> }; Code: string; Msg: string }>(res);
    assert.deepEqual(Object.keys(body), ['Results', 'Code', 'Msg']);
    assert.equal(body.Code, 'ok');
    assert.equal(body.Results.ClusterName, 'wf');
    assert.equal(body.Results.Parameters.workflowid, id);
  });

  test('GET /workflow/{id} with another client version answers the mismatch Status', async () => {
    const res = await pgo.call('GET', '/workflow/abc?version=4.1.0&namespace=pgouser1');
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"Results":{"ClusterName":"","Parameters":null},"Code":"error","Msg":"pgo client and server version mismatch"}\n');
  });

  test('GET /workflow/{id} of an unknown id answers pgo\'s not-found message', async () => {
    const res = await pgo.call('GET', `/workflow/0123abcd?version=${CLIENT_VERSION}&namespace=pgouser1`);
    assert.deepEqual([json(res).Code, json(res).Msg], ['error', 'workflow id NOT found for id 0123abcd']);
  });

  test('a namespace outside the installation is refused with pgo\'s message', async () => {
    const res = await pgo.call('GET', `/workflow/abc?version=${CLIENT_VERSION}&namespace=elsewhere`);
    assert.equal(json(res).Msg, 'namespace [elsewhere] is not part of the Operator installation');
  });

  test('an empty namespace is refused with pgo\'s message', async () => {
    const res = await pgo.call('GET', `/workflow/abc?version=${CLIENT_VERSION}`);
    assert.equal(json(res).Msg, 'empty namespace is not valid from pgo clients');
  });
});
