import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { raw, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const G = { group: 'crunchydata.com', version: 'v1', plural: 'pgclusters', namespace: 'pgouser1' };

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('object lifecycle: garbage collection, finalizers, namespaces', () => {
  let t: TestServer;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;

  async function cluster(name: string): Promise<k8s.V1OwnerReference> {
    const created = (await custom.createNamespacedCustomObject({ ...G, body: pgcluster(name, 'pgouser1') })) as { metadata: { uid: string } };
    return { apiVersion: 'crunchydata.com/v1', kind: 'Pgcluster', name, uid: created.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  async function exists(kind: 'configmaps' | 'secrets', name: string, namespace = 'pgouser1'): Promise<boolean> {
    return (await raw(t, 'GET', `/api/v1/namespaces/${namespace}/${kind}/${name}`)).status === 200;
  }

  before(async () => {
    t = await startTestServer({ namespaces: ['pgouser1'] });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => t.dispose());

  test('deleting an owner in the background removes its dependents', async () => {
    const owner = await cluster('gc1');
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'gc1-config', ownerReferences: [owner] } } });
    await core.createNamespacedSecret({ namespace: 'pgouser1', body: { metadata: { name: 'gc1-secret', ownerReferences: [owner] } } });
    await custom.deleteNamespacedCustomObject({ ...G, name: 'gc1' });
    await eventually(async () => !(await exists('configmaps', 'gc1-config')) && !(await exists('secrets', 'gc1-secret')), 'dependents to go');
  });

  test('a dependent with another live owner only loses the reference', async () => {
    const a = await cluster('gc2a');
    const b = await cluster('gc2b');
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'shared', ownerReferences: [a, { ...b, controller: false }] } } });
    await custom.deleteNamespacedCustomObject({ ...G, name: 'gc2a' });
    const cm = await core.readNamespacedConfigMap({ namespace: 'pgouser1', name: 'shared' });
    assert.deepEqual(cm.metadata?.ownerReferences?.map((r) => r.name), ['gc2b']);
  });

  test('foreground deletion keeps the owner with a deletionTimestamp until dependents are gone', async () => {
    const owner = await cluster('gc3');
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'gc3-blocker', finalizers: ['example.com/hold'], ownerReferences: [owner] } } });
    await raw(t, 'DELETE', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc3', { propagationPolicy: 'Foreground' });
    const held = (await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc3')).json() as { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
    assert.ok(held.metadata.deletionTimestamp);
    assert.deepEqual(held.metadata.finalizers, ['foregroundDeletion']);
    await raw(t, 'PATCH', '/api/v1/namespaces/pgouser1/configmaps/gc3-blocker', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    await eventually(async () => (await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc3')).status === 404, 'the owner to go');
  });

  test('foreground deletion does not wait for a dependent whose reference does not block owner deletion', async () => {
    const owner = { ...(await cluster('gc5')), blockOwnerDeletion: false };
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'gc5-loose', finalizers: ['example.com/hold'], ownerReferences: [owner] } } });
    const res = await raw(t, 'DELETE', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc5', { propagationPolicy: 'Foreground' });
    assert.equal(res.status, 200);
    assert.equal((await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc5')).status, 404);
    const loose = await core.readNamespacedConfigMap({ namespace: 'pgouser1', name: 'gc5-loose' });
    assert.ok(loose.metadata?.deletionTimestamp, 'the dependent is being deleted, held only by its own finalizer');
    await raw(t, 'PATCH', '/api/v1/namespaces/pgouser1/configmaps/gc5-loose', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
  });

  test('foreground deletion releases the owner once its blocking dependent stops blocking', async () => {
    const owner = await cluster('gc6');
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'gc6-blocker', finalizers: ['example.com/hold'], ownerReferences: [owner] } } });
    await raw(t, 'DELETE', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc6', { propagationPolicy: 'Foreground' });
    assert.equal((await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc6')).status, 200);
    const patch = [{ op: 'replace', path: '/metadata/ownerReferences/0/blockOwnerDeletion', value: false }];
    assert.equal((await raw(t, 'PATCH', '/api/v1/namespaces/pgouser1/configmaps/gc6-blocker', patch, { 'Content-Type': 'application/json-patch+json' })).status, 200);
    assert.equal((await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc6')).status, 404);
    await raw(t, 'PATCH', '/api/v1/namespaces/pgouser1/configmaps/gc6-blocker', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
  });

  test('foreground deletion keeps a dependent that another live owner still holds, minus the reference', async () => {
    const a = await cluster('gc7a');
    const b = await cluster('gc7b');
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'gc7-shared', ownerReferences: [a, { ...b, controller: false }] } } });
    await raw(t, 'DELETE', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc7a', { propagationPolicy: 'Foreground' });
    await eventually(async () => (await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc7a')).status === 404, 'the owner to go');
    const cm = await core.readNamespacedConfigMap({ namespace: 'pgouser1', name: 'gc7-shared' });
    assert.deepEqual(cm.metadata?.ownerReferences?.map((r) => r.name), ['gc7b']);
    assert.equal(cm.metadata?.deletionTimestamp, undefined);
  });

  test('orphan deletion keeps the dependents and strips the owner reference', async () => {
    const owner = await cluster('gc4');
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'gc4-kept', ownerReferences: [owner] } } });
    await raw(t, 'DELETE', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc4', { propagationPolicy: 'Orphan' });
    await eventually(async () => (await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/gc4')).status === 404, 'the owner to go');
    const cm = await core.readNamespacedConfigMap({ namespace: 'pgouser1', name: 'gc4-kept' });
    assert.equal(cm.metadata?.ownerReferences, undefined);
  });

  test('a delete of an object with finalizers only marks it, and removing the last finalizer deletes it', async () => {
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'fin', finalizers: ['example.com/wait'] } } });
    const res = await raw(t, 'DELETE', '/api/v1/namespaces/pgouser1/configmaps/fin');
    assert.equal(res.status, 200);
    const marked = await core.readNamespacedConfigMap({ namespace: 'pgouser1', name: 'fin' });
    assert.ok(marked.metadata?.deletionTimestamp);
    await raw(t, 'PATCH', '/api/v1/namespaces/pgouser1/configmaps/fin', [{ op: 'remove', path: '/metadata/finalizers' }], { 'Content-Type': 'application/json-patch+json' });
    assert.equal(await exists('configmaps', 'fin'), false);
  });

  test('a new finalizer cannot be added to an object being deleted', async () => {
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'fin2', finalizers: ['example.com/a'] } } });
    await raw(t, 'DELETE', '/api/v1/namespaces/pgouser1/configmaps/fin2');
    const res = await raw(t, 'PATCH', '/api/v1/namespaces/pgouser1/configmaps/fin2', { metadata: { finalizers: ['example.com/a', 'example.com/b'] } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(res.status, 422);
  });

  test('delete preconditions with a wrong uid answer 409', async () => {
    await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { name: 'pre' } } });
    const res = await raw(t, 'DELETE', '/api/v1/namespaces/pgouser1/configmaps/pre', { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } });
    assert.equal(res.status, 409);
    assert.equal(await exists('configmaps', 'pre'), true);
  });

  test('dryRun=All on create persists nothing', async () => {
    const res = await raw(t, 'POST', '/api/v1/namespaces/pgouser1/configmaps?dryRun=All', { metadata: { name: 'dry' } });
    assert.equal(res.status, 201);
    assert.equal(await exists('configmaps', 'dry'), false);
  });

  test('deleting a namespace removes everything in it and refuses new content meanwhile', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await core.createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 'plain' } } });
    const res = await raw(t, 'DELETE', '/api/v1/namespaces/doomed');
    assert.equal(res.status, 200);
    assert.equal((res.json().status as { phase: string }).phase, 'Terminating');
    assert.equal(await exists('secrets', 'plain', 'doomed'), false);
    const refused = await raw(t, 'POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'late' } });
    assert.equal(refused.status, 403);
    await raw(t, 'PATCH', '/api/v1/namespaces/doomed/configmaps/held', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    await eventually(async () => (await raw(t, 'GET', '/api/v1/namespaces/doomed')).status === 404, 'the namespace to go');
  });

  test('listing in a namespace that does not exist answers an empty list', async () => {
    const res = await raw(t, 'GET', '/api/v1/namespaces/never/configmaps');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json().items, []);
  });

  test('a CRD created later is served, and deleting it removes its objects', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    assert.equal((await raw(t, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    const created = await raw(t, 'POST', '/apis/example.com/v1/namespaces/pgouser1/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } });
    assert.equal(created.status, 201, created.text);
    const groups = (await raw(t, 'GET', '/apis')).json().groups as { name: string }[];
    assert.ok(groups.some((g) => g.name === 'example.com'));
    assert.equal((await raw(t, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).status, 200);
    assert.equal((await raw(t, 'GET', '/apis/example.com/v1/namespaces/pgouser1/widgets/w')).status, 404);
    const after1 = (await raw(t, 'GET', '/apis')).json().groups as { name: string }[];
    assert.ok(!after1.some((g) => g.name === 'example.com'));
  });

  test('a non-structural CRD is refused with 422', async () => {
    const crd = {
      metadata: { name: 'gadgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { properties: { spec: {} } } } }] },
    };
    const res = await raw(t, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    assert.equal(res.status, 422, res.text);
  });
});
