import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { raw, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const NS = '/api/v1/namespaces/pgouser1';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/pgouser1/deployments';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/pgouser1/leases';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const JSON_PATCH = { 'Content-Type': 'application/json-patch+json' };
const STRATEGIC = { 'Content-Type': 'application/strategic-merge-patch+json' };

interface Status {
  reason: string;
  message: string;
  details?: { causes?: { reason: string; field: string; message: string }[] };
}

function deployment(name: string): Record<string, unknown> {
  return {
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image: 'postgres' }] } } },
  };
}

describe('built-in kinds are typed as the apiserver decodes them', () => {
  let t: TestServer;

  /** Creates and expects 400 BadRequest whose message names the field. */
  async function refusedOnCreate(path: string, body: unknown, field: string): Promise<void> {
    const res = await raw(t, 'POST', path, body);
    assert.equal(res.status, 400, res.text);
    const status = res.json() as unknown as Status;
    assert.equal(status.reason, 'BadRequest');
    assert.ok(status.message.includes(`.${field} of type`), `${status.message} names ${field}`);
  }

  /** Patches and expects 422 Invalid with one cause on the field, and the object unchanged. */
  async function refusedPatch(path: string, patch: unknown, headers: Record<string, string>, field: string): Promise<void> {
    const before = (await raw(t, 'GET', path)).text;
    const res = await raw(t, 'PATCH', path, patch, headers);
    assert.equal(res.status, 422, res.text);
    const status = res.json() as unknown as Status;
    assert.equal(status.reason, 'Invalid');
    assert.deepEqual(status.details?.causes?.map((c) => c.field), [field]);
    assert.equal((await raw(t, 'GET', path)).text, before, 'nothing was stored');
  }

  before(async () => {
    t = await startTestServer({ namespaces: ['pgouser1'] });
    assert.equal((await raw(t, 'POST', `${NS}/configmaps`, { metadata: { name: 'plain' }, data: { a: 'x' } })).status, 201);
    assert.equal((await raw(t, 'POST', DEPLOYMENTS, deployment('web'))).status, 201);
    assert.equal((await raw(t, 'POST', `${NS}/services`, { metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }] } })).status, 201);
  });
  after(() => t.dispose());

  test('a ConfigMap data value that is not a string is refused with 400 naming the key', async () => {
    await refusedOnCreate(`${NS}/configmaps`, { metadata: { name: 'cm1' }, data: { port: 5432 } }, 'data.port');
  });

  test('a ConfigMap binaryData value that is not base64 is refused with 400 naming the key', async () => {
    await refusedOnCreate(`${NS}/configmaps`, { metadata: { name: 'cm2' }, binaryData: { blob: 'not base64!' } }, 'binaryData.blob');
  });

  test('a Secret data value that is not base64 is refused with 400 naming the key', async () => {
    await refusedOnCreate(`${NS}/secrets`, { metadata: { name: 's1' }, data: { password: 'hunter2' } }, 'data.password');
  });

  test('a Secret data value that is not a string is refused with 400 naming the key', async () => {
    await refusedOnCreate(`${NS}/secrets`, { metadata: { name: 's2' }, data: { password: 42 } }, 'data.password');
  });

  test('a Deployment whose spec.replicas is a string is refused with 400 naming the field', async () => {
    const body = deployment('d1') as { spec: Record<string, unknown> };
    body.spec.replicas = '3';
    await refusedOnCreate(DEPLOYMENTS, body, 'spec.replicas');
  });

  test('a Service whose spec.ports is not an array is refused with 400 naming the field', async () => {
    await refusedOnCreate(`${NS}/services`, { metadata: { name: 'svc1' }, spec: { ports: { port: 5432 } } }, 'spec.ports');
  });

  test('a Service port given as a string is refused with 400 naming the field', async () => {
    await refusedOnCreate(`${NS}/services`, { metadata: { name: 'svc2' }, spec: { ports: [{ port: '5432' }] } }, 'spec.ports[0].port');
  });

  test('a Service port that is not an object is refused with 400 naming the field', async () => {
    await refusedOnCreate(`${NS}/services`, { metadata: { name: 'svc3' }, spec: { ports: [5432] } }, 'spec.ports[0]');
  });

  test('a Service clusterIP that is not a string is refused with 400 naming the field', async () => {
    await refusedOnCreate(`${NS}/services`, { metadata: { name: 'svc4' }, spec: { clusterIP: 1, ports: [{ port: 5432 }] } }, 'spec.clusterIP');
  });

  test('each Lease spec field of the wrong type is refused with 400 naming it', async () => {
    const wrong: Record<string, unknown> = { holderIdentity: 7, leaseDurationSeconds: '15', acquireTime: 1732500000, renewTime: 'yesterday', leaseTransitions: 1.5 };
    for (const [field, value] of Object.entries(wrong)) {
      await refusedOnCreate(LEASES, { metadata: { name: `lease-${field.toLowerCase()}` }, spec: { holderIdentity: 'a', [field]: value } }, `spec.${field}`);
    }
  });

  test('a Lease as client-node writes it (millisecond times, integer duration) is stored', async () => {
    const coordination = t.kc.makeApiClient(k8s.CoordinationV1Api);
    const now = new k8s.V1MicroTime();
    const lease = await coordination.createNamespacedLease({
      namespace: 'pgouser1',
      body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 } },
    });
    assert.equal(lease.spec?.leaseDurationSeconds, 15);
  });

  test('a PUT whose body status is not an object is refused with 400, on the status subresource too', async () => {
    const current = (await raw(t, 'GET', `${DEPLOYMENTS}/web`)).json();
    for (const path of [`${DEPLOYMENTS}/web`, `${DEPLOYMENTS}/web/status`]) {
      const res = await raw(t, 'PUT', path, { ...current, status: 'Running' });
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.match((res.json() as unknown as Status).message, /Deployment\.status of type/);
    }
  });

  test('a merge patch of the status subresource to a non-object is refused with 422', async () => {
    await refusedPatch(`${DEPLOYMENTS}/web/status`, { status: 'Running' }, MERGE, 'status');
  });

  test('a merge patch that makes spec.replicas a string is refused with 422 naming the field', async () => {
    await refusedPatch(`${DEPLOYMENTS}/web`, { spec: { replicas: 'two' } }, MERGE, 'spec.replicas');
  });

  test('a JSON patch that puts a number into ConfigMap data is refused with 422 naming the key', async () => {
    await refusedPatch(`${NS}/configmaps/plain`, [{ op: 'add', path: '/data/b', value: 2 }], JSON_PATCH, 'data.b');
  });

  test('a strategic merge patch that makes a Service port name a number is refused with 422 naming the field', async () => {
    await refusedPatch(`${NS}/services/db`, { spec: { ports: [{ port: 5432, name: 5 }] } }, STRATEGIC, 'spec.ports[0].name');
  });

  test('a custom resource status PUT whose status is not an object is refused', async () => {
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    const G = { group: 'crunchydata.com', version: 'v1', plural: 'pgclusters', namespace: 'pgouser1' };
    const created = (await custom.createNamespacedCustomObject({ ...G, body: pgcluster('typed', 'pgouser1') })) as Record<string, unknown>;
    const res = await raw(t, 'PUT', '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/typed/status', { ...created, status: 'Running' });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual((res.json() as unknown as Status).details?.causes?.map((c) => c.field), ['status']);
  });
});
