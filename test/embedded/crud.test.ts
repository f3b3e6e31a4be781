import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { raw, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const G = { group: 'crunchydata.com', version: 'v1', plural: 'pgclusters' };

function statusOf(e: unknown): { code: number; body: Record<string, unknown> } {
  assert.ok(e instanceof k8s.ApiException, `expected an ApiException, got ${String(e)}`);
  const body = typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : (e.body as Record<string, unknown>);
  return { code: e.code, body };
}

describe('CRUD through @kubernetes/client-node', () => {
  let t: TestServer;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;

  before(async () => {
    t = await startTestServer({ namespaces: ['pgouser1'] });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    core = t.kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => t.dispose());

  test('discovery lists the five pgo kinds with their status subresources', async () => {
    const res = await raw(t, 'GET', '/apis/crunchydata.com/v1');
    assert.equal(res.status, 200);
    const names = (res.json().resources as { name: string }[]).map((r) => r.name);
    for (const plural of ['pgclusters', 'pgreplicas', 'pgbackups', 'pgpolicies', 'pgtasks']) {
      assert.ok(names.includes(plural), plural);
      assert.ok(names.indexOf(`${plural}/status`) > names.indexOf(plural), `${plural}/status after ${plural}`);
    }
  });

  test('a created custom resource gets uid, resourceVersion, generation and creationTimestamp', async () => {
    const created = (await custom.createNamespacedCustomObject({ ...G, namespace: 'pgouser1', body: pgcluster('hippo', 'pgouser1') })) as {
      metadata: Record<string, unknown>;
      spec: Record<string, unknown>;
    };
    assert.match(String(created.metadata.uid), /^[0-9a-f-]{36}$/);
    assert.match(String(created.metadata.resourceVersion), /^\d+$/);
    assert.equal(created.metadata.generation, 1);
    assert.match(String(created.metadata.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual((created.spec.PrimaryStorage as Record<string, unknown>).size, '1G');
    assert.equal(created.spec.syncReplication, null);
  });

  test('status sent on create is dropped because the CRD has a status subresource', async () => {
    const body = { ...pgcluster('withstatus', 'pgouser1'), status: { state: 'pgcluster Created', message: 'x' } };
    const created = (await custom.createNamespacedCustomObject({ ...G, namespace: 'pgouser1', body })) as Record<string, unknown>;
    assert.equal(created.status, undefined);
  });

  test('creating an existing name answers 409 AlreadyExists', async () => {
    await assert.rejects(custom.createNamespacedCustomObject({ ...G, namespace: 'pgouser1', body: pgcluster('hippo', 'pgouser1') }), (e) => {
      const s = statusOf(e);
      assert.equal(s.code, 409);
      assert.equal(s.body.reason, 'AlreadyExists');
      assert.equal(s.body.message, 'pgclusters.crunchydata.com "hippo" already exists');
      return true;
    });
  });

  test('creating into a missing namespace answers 404 naming the namespace', async () => {
    await assert.rejects(custom.createNamespacedCustomObject({ ...G, namespace: 'nowhere', body: pgcluster('x', 'nowhere') }), (e) => {
      const s = statusOf(e);
      assert.equal(s.code, 404);
      assert.equal(s.body.message, 'namespaces "nowhere" not found');
      return true;
    });
  });

  test('a replace with a stale resourceVersion answers 409 Conflict', async () => {
    const current = (await custom.getNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo' })) as { metadata: { resourceVersion: string }; spec: Record<string, unknown> };
    const stale = structuredClone(current);
    current.spec.replicas = '1';
    await custom.replaceNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo', body: current });
    stale.spec.replicas = '2';
    await assert.rejects(custom.replaceNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo', body: stale }), (e) => {
      const s = statusOf(e);
      assert.equal(s.code, 409);
      assert.equal(s.body.reason, 'Conflict');
      return true;
    });
  });

  test('a custom resource update without resourceVersion answers 422', async () => {
    const current = (await custom.getNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo' })) as { metadata: Record<string, unknown> };
    delete current.metadata.resourceVersion;
    await assert.rejects(custom.replaceNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo', body: current }), (e) => {
      assert.equal(statusOf(e).code, 422);
      return true;
    });
  });

  test('a spec change bumps generation and a metadata-only change does not', async () => {
    const before = (await custom.getNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo' })) as { metadata: { generation: number; labels: Record<string, string> }; spec: Record<string, unknown> };
    before.metadata.labels.extra = 'yes';
    const labelled = (await custom.replaceNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo', body: before })) as typeof before;
    assert.equal(labelled.metadata.generation, before.metadata.generation);
    labelled.spec.port = '5433';
    const changed = (await custom.replaceNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo', body: labelled })) as typeof before;
    assert.equal(changed.metadata.generation, before.metadata.generation + 1);
  });

  test('a replace that changes nothing keeps the resourceVersion', async () => {
    const current = (await custom.getNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo' })) as { metadata: { resourceVersion: string } };
    const again = (await custom.replaceNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo', body: current })) as typeof current;
    assert.equal(again.metadata.resourceVersion, current.metadata.resourceVersion);
  });

  test('the status subresource changes only status and leaves generation alone', async () => {
    const current = (await custom.getNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo' })) as { metadata: { generation: number }; spec: Record<string, unknown>; status?: unknown };
    const body = structuredClone(current);
    body.status = { state: 'pgcluster Created', message: 'Created, not processed yet' };
    body.spec.port = '9999';
    const updated = (await custom.replaceNamespacedCustomObjectStatus({ ...G, namespace: 'pgouser1', name: 'hippo', body })) as typeof current;
    assert.deepEqual(updated.status, { state: 'pgcluster Created', message: 'Created, not processed yet' });
    assert.equal(updated.spec.port, current.spec.port);
    assert.equal(updated.metadata.generation, current.metadata.generation);
  });

  test('a write to the main resource keeps the stored status', async () => {
    const current = (await custom.getNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo' })) as { status: unknown; spec: Record<string, unknown> };
    current.status = { state: 'bogus', message: '' };
    current.spec.database = 'otherdb';
    const updated = (await custom.replaceNamespacedCustomObject({ ...G, namespace: 'pgouser1', name: 'hippo', body: current })) as typeof current;
    assert.deepEqual(updated.status, { state: 'pgcluster Created', message: 'Created, not processed yet' });
    assert.equal(updated.spec.database, 'otherdb');
  });

  test('a value of the wrong type is rejected with 422 naming the field path', async () => {
    const body = pgcluster('badport', 'pgouser1') as { spec: Record<string, unknown> };
    body.spec.port = 5432;
    await assert.rejects(custom.createNamespacedCustomObject({ ...G, namespace: 'pgouser1', body }), (e) => {
      const s = statusOf(e);
      assert.equal(s.code, 422);
      assert.equal(s.body.reason, 'Invalid');
      const causes = (s.body.details as { causes: { field: string }[] }).causes;
      assert.ok(causes.some((c) => c.field === 'spec.port'), JSON.stringify(causes));
      return true;
    });
  });

  test('unknown fields are pruned from custom resources', async () => {
    const body = pgcluster('pruned', 'pgouser1') as { spec: Record<string, unknown> };
    body.spec.notAField = 'x';
    const created = (await custom.createNamespacedCustomObject({ ...G, namespace: 'pgouser1', body })) as { spec: Record<string, unknown> };
    assert.equal(created.spec.notAField, undefined);
  });

  test('an invalid name is rejected with 422 on metadata.name', async () => {
    await assert.rejects(custom.createNamespacedCustomObject({ ...G, namespace: 'pgouser1', body: pgcluster('Bad_Name', 'pgouser1') }), (e) => {
      const s = statusOf(e);
      assert.equal(s.code, 422);
      assert.match(String(s.body.message), /metadata\.name/);
      return true;
    });
  });

  test('generateName produces a unique name with a five character suffix', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'pgouser1', body: { metadata: { generateName: 'gen-' }, data: { a: 'b' } } });
    assert.match(String(created.metadata?.name), /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  test('stringData of a Secret is stored base64-encoded in data and never kept', async () => {
    const created = await core.createNamespacedSecret({ namespace: 'pgouser1', body: { metadata: { name: 's1' }, stringData: { password: 'hunter2' } } });
    assert.equal(created.data?.password, Buffer.from('hunter2').toString('base64'));
    assert.equal(created.type, 'Opaque');
    const raw1 = await raw(t, 'GET', '/api/v1/namespaces/pgouser1/secrets/s1');
    assert.equal(raw1.json().stringData, undefined);
  });

  test('a Service gets a cluster IP and defaulted ports', async () => {
    const svc = await core.createNamespacedService({ namespace: 'pgouser1', body: { metadata: { name: 'hippo' }, spec: { ports: [{ port: 5432, name: 'postgres' }], selector: { 'pg-cluster': 'hippo' } } } });
    assert.match(String(svc.spec?.clusterIP), /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.equal(svc.spec?.ports?.[0].protocol, 'TCP');
    assert.equal(svc.spec?.ports?.[0].targetPort, 5432);
  });

  test('KubernetesObjectApi creates, reads, patches and deletes through discovery', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(t.kc);
    const spec = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'objapi', namespace: 'pgouser1' }, data: { a: '1' } };
    await api.create(spec);
    const read = await api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'objapi', namespace: 'pgouser1' } });
    assert.equal((read as unknown as { data: Record<string, string> }).data.a, '1');
    const patched = await api.patch({ ...spec, data: { a: '2' } });
    assert.equal((patched as unknown as { data: Record<string, string> }).data.a, '2');
    await api.delete(spec);
    await assert.rejects(api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'objapi', namespace: 'pgouser1' } }));
  });

  test('deleting a custom resource answers a Success Status and it is gone', async () => {
    const res = await raw(t, 'DELETE', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/pruned', { propagationPolicy: 'Background' });
    assert.equal(res.status, 200);
    assert.equal(res.json().kind, 'Status');
    assert.equal(res.json().status, 'Success');
    assert.equal((await raw(t, 'GET', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/pruned')).status, 404);
  });

  test('malformed JSON answers 400 BadRequest, never 500', async () => {
    const res = await raw(t, 'POST', '/api/v1/namespaces/pgouser1/configmaps', '{"metadata":');
    assert.equal(res.status, 400);
    assert.equal(res.json().reason, 'BadRequest');
  });

  test('a body whose kind differs from the URL answers 400', async () => {
    const res = await raw(t, 'POST', '/api/v1/namespaces/pgouser1/configmaps', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } });
    assert.equal(res.status, 400);
  });

  test('a body whose namespace differs from the URL answers 400', async () => {
    const res = await raw(t, 'POST', '/api/v1/namespaces/pgouser1/configmaps', { metadata: { name: 'k', namespace: 'default' } });
    assert.equal(res.status, 400);
    assert.equal(res.json().message, 'the namespace of the provided object does not match the namespace sent on the request');
  });

  test('a resourceVersion on create answers 400', async () => {
    const res = await raw(t, 'POST', '/api/v1/namespaces/pgouser1/configmaps', { metadata: { name: 'k', resourceVersion: '5' } });
    assert.equal(res.status, 400);
  });

  test('an unknown path answers 404 and a wrong method 405, both as Status objects', async () => {
    const missing = await raw(t, 'GET', '/apis/nothing.example/v1/things');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().kind, 'Status');
    const wrong = await raw(t, 'POST', '/api/v1/namespaces/pgouser1/configmaps/k', { metadata: { name: 'k' } });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.json().reason, 'MethodNotAllowed');
  });

  test('a protobuf body answers 415', async () => {
    const res = await raw(t, 'POST', '/api/v1/namespaces/pgouser1/configmaps', 'k8s\0', { 'Content-Type': 'application/vnd.kubernetes.protobuf' });
    assert.equal(res.status, 415);
  });

  test('a request without the bearer token answers 401', async () => {
    const res = await raw(t, 'GET', '/api/v1/namespaces', undefined, { Authorization: '' });
    assert.equal(res.status, 401);
    assert.equal(res.json().reason, 'Unauthorized');
  });

  test('every JSON answer carries Content-Type application/json', async () => {
    for (const path of ['/api', '/apis', '/api/v1', '/version', '/api/v1/namespaces']) {
      const res = await raw(t, 'GET', path);
      assert.equal(res.headers['content-type'], 'application/json', path);
    }
  });
});
