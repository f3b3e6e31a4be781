/** Namespaces through the legacy REST routes, over the server's fixed list of managed namespaces. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';

const MISMATCH = 'pgo client and server version mismatch';
const NOT_SERVED = (name: string) =>
  `namespace ${name} is not one this server serves: its namespaces are fixed at start by PGO_NAMESPACES (pgouser1,pgouser2); add ${name} there and restart the server to serve it`;

describe('pgo namespace routes', () => {
  let t: TestApp;
  let pgo: PgoClient;
  let core: k8s.CoreV1Api;

  const call = (path: string, fields: Record<string, unknown>, auth?: string) => pgo.call('POST', path, { ClientVersion: CLIENT_VERSION, ...fields }, auth);

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    pgo = pgoClient(t);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => t.dispose());

  test('POST /namespace with AllFlag answers every managed namespace with the caller\'s access, in Go key order', async () => {
    const res = await call('/namespace', { AllFlag: true });
    assert.equal(
      res.text,
      `{"Username":"${t.app.admin.username}","Results":[{"Namespace":"pgouser1","InstallationAccess":true,"UserAccess":true},{"Namespace":"pgouser2","InstallationAccess":true,"UserAccess":true}],"Code":"ok","Msg":""}\n`,
    );
  });

  test('POST /namespace tells a restricted user which namespaces it may use and which are not served', async () => {
    const user = await addPgoUser(t, 'nsviewer', 'ShowNamespace', ['pgouser1']);
    const body = json<{ Username: string; Results: unknown[] }>(await call('/namespace', { Args: ['pgouser1', 'pgouser2', 'elsewhere'] }, user.authorization));
    assert.equal(body.Username, 'nsviewer');
    assert.deepEqual(body.Results, [
      { Namespace: 'pgouser1', InstallationAccess: true, UserAccess: true },
      { Namespace: 'pgouser2', InstallationAccess: true, UserAccess: false },
      { Namespace: 'elsewhere', InstallationAccess: false, UserAccess: false },
    ]);
  });

  test('POST /namespace without names or AllFlag answers 4.2.4\'s message with the user and empty Results', async () => {
    const res = await call('/namespace', {});
    assert.equal(res.text, `{"Username":"${t.app.admin.username}","Results":[],"Code":"error","Msg":"namespace names or --all flag is required for this command"}\n`);
  });

  test('POST /namespace with another client version answers the zero response and the mismatch Status', async () => {
    const res = await call('/namespace', { AllFlag: true, ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Username":"","Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('POST /namespace with a string where a list belongs is a 400 naming the field', async () => {
    const res = await call('/namespace', { Args: 'pgouser1' });
    assert.equal(res.status, 400);
    assert.equal(json(res).Msg, 'field Args must be an array of strings, not string');
  });

  test('POST /namespacecreate refuses a namespace the server does not serve, saying how to serve it', async () => {
    const before = t.app.writer.requests;
    const res = await call('/namespacecreate', { Args: ['newone'] });
    assert.equal(res.text, `{"Results":[],"Code":"error","Msg":"${NOT_SERVED('newone')}"}\n`);
    assert.equal(t.app.writer.requests, before);
  });

  test('POST /namespacecreate refuses a name that is not a DNS-1035 label', async () => {
    const res = await call('/namespacecreate', { Args: ['Bad_Name'] });
    assert.match(String(json(res).Msg), /^invalid namespace name format .* namespace name Bad_Name$/);
  });

  test('POST /namespacecreate of a managed namespace that exists answers 4.2.4\'s message', async () => {
    const res = await call('/namespacecreate', { Args: ['pgouser1'] });
    assert.equal(json(res).Msg, 'namespace pgouser1 already exists on this Kube cluster');
  });

  test('POST /namespacecreate with another client version answers null Results', async () => {
    const res = await call('/namespacecreate', { Args: ['pgouser1'], ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('POST /namespaceupdate labels a managed namespace as owned', async () => {
    const res = await call('/namespaceupdate', { Args: ['pgouser1'] });
    assert.equal(res.text, '{"Results":["updated namespace pgouser1"],"Code":"ok","Msg":""}\n');
    assert.equal((await core.readNamespace({ name: 'pgouser1' })).metadata?.labels?.vendor, 'crunchydata');
  });

  test('POST /namespaceupdate stops at a namespace the server does not serve, keeping earlier results', async () => {
    const res = await call('/namespaceupdate', { Args: ['pgouser2', 'elsewhere', 'pgouser1'] });
    assert.equal(res.text, `{"Results":["updated namespace pgouser2"],"Code":"error","Msg":"${NOT_SERVED('elsewhere')}"}\n`);
  });

  test('POST /namespaceupdate with another client version answers null Results', async () => {
    const res = await call('/namespaceupdate', { Args: ['pgouser1'], ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('POST /namespacedelete refuses a namespace outside the installation (4.2.4 computed that check and ignored it)', async () => {
    const res = await call('/namespacedelete', { Args: ['default'] });
    assert.equal(json(res).Msg, 'namespace default not owned by crunchy data or not part of Operator installation (PGO_NAMESPACES: pgouser1,pgouser2)');
  });

  test('POST /namespacedelete refuses the operator namespace', async () => {
    const res = await call('/namespacedelete', { Args: ['pgo'] });
    assert.match(String(json(res).Msg), /^namespace pgo is the operator namespace/);
    assert.ok(await core.readNamespace({ name: 'pgo' }));
  });

  test('POST /namespacedelete with another client version answers null Results and deletes nothing', async () => {
    const res = await call('/namespacedelete', { Args: ['pgouser2'], ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
    assert.ok(await core.readNamespace({ name: 'pgouser2' }));
  });

  test('the namespace routes need their permissions', async () => {
    const viewer = await addPgoUser(t, 'nsonlyshow', 'ShowNamespace');
    for (const path of ['/namespacecreate', '/namespaceupdate', '/namespacedelete']) assert.equal((await call(path, { Args: ['pgouser1'] }, viewer.authorization)).status, 403, path);
  });
});

describe('pgo namespace delete and re-create', () => {
  let t: TestApp;
  let pgo: PgoClient;
  let core: k8s.CoreV1Api;

  const call = (path: string, fields: Record<string, unknown>) => pgo.call('POST', path, { ClientVersion: CLIENT_VERSION, ...fields });

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const exists = async (name: string) => (await core.listNamespace()).items.some((n) => n.metadata?.name === name);

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    pgo = pgoClient(t);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => t.dispose());

  test('a managed namespace deleted through /namespacedelete can be created again and is served at once', async () => {
    await t.gql('mutation { createCluster(input: { namespace: "pgouser2", name: "doomed" }) { workflowId } }');
    const deleted = await call('/namespacedelete', { Args: ['pgouser2'] });
    assert.equal(deleted.text, '{"Results":["deleted namespace pgouser2"],"Code":"ok","Msg":""}\n');
    await until(async () => !(await exists('pgouser2')), 'pgouser2 to be gone');

    const created = await call('/namespacecreate', { Args: ['pgouser2'] });
    assert.equal(created.text, '{"Results":["created namespace pgouser2"],"Code":"ok","Msg":""}\n');
    const labels = (await core.readNamespace({ name: 'pgouser2' })).metadata?.labels;
    assert.deepEqual([labels?.vendor, labels?.['pgo-created-by']], ['crunchydata', t.app.admin.username]);
    const res = await t.gql<{ createCluster: { workflowId: string } }>('mutation { createCluster(input: { namespace: "pgouser2", name: "reborn" }) { workflowId } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    await until(async () => ((await t.gql<{ clusters: { nodes: { name: string }[] } }>('{ clusters(namespace: "pgouser2") { nodes { name } } }')).data?.clusters.nodes.map((c) => c.name) ?? []).join() === 'reborn', 'only the new cluster to be listed');
  });
});
