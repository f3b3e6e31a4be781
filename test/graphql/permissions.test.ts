/** pgo users and roles from Secrets decide what each GraphQL caller may do and see. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestApp, subscribe } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { untilTrue } from '../support/until.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const VIEWER = basic('viewer', 'viewer-password');
/** Small, so the limit test opens few subscriptions. */
const SUBSCRIPTION_LIMIT = 20;

function secret(name: string, labels: Record<string, string>, data: Record<string, string>): k8s.V1Secret {
  return { metadata: { name, labels: { vendor: 'crunchydata', ...labels } }, stringData: data };
}

describe('permissions from pgouser and pgorole Secrets', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;


  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false', PGO_MAX_SUBSCRIPTIONS_PER_USER: String(SUBSCRIPTION_LIMIT) });
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({ namespace: 'pgo', body: secret('pgorole-viewer', { 'pgo-pgorole': 'true', rolename: 'viewer' }, { rolename: 'viewer', permissions: 'ShowCluster, ShowNamespace' }) });
    await core.createNamespacedSecret({ namespace: 'pgo', body: secret('pgouser-viewer', { 'pgo-pgouser': 'true', username: 'viewer' }, { username: 'viewer', password: 'viewer-password', roles: 'viewer', namespaces: 'pgouser1' }) });
    await t.gql('mutation { createCluster(input: { namespace: "pgouser2", name: "hidden" }) { workflowId } }');
    await untilTrue(async () => (await t.gql<{ namespaces: string[] }>('{ namespaces }', {}, VIEWER)).status === 200, 'the viewer to be known');
  });
  after(() => t.dispose());

  test('the first administrator exists as a pgouser Secret with an all-permissions role', async () => {
    const user = await core.readNamespacedSecret({ namespace: 'pgo', name: `pgouser-${t.app.admin.username}` });
    assert.equal(Buffer.from(String(user.data?.roles), 'base64').toString(), 'pgoadmin');
    const role = await core.readNamespacedSecret({ namespace: 'pgo', name: 'pgorole-pgoadmin' });
    assert.equal(Buffer.from(String(role.data?.permissions), 'base64').toString(), '*');
  });

  test('a user sees only the namespaces its Secret lists', async () => {
    const res = await t.gql<{ namespaces: string[]; clusters: { totalCount: number } }>('{ namespaces clusters { totalCount } }', {}, VIEWER);
    assert.deepEqual(res.data, { namespaces: ['pgouser1'], clusters: { totalCount: 0 } });
  });

  test('a namespace outside the user\'s list is FORBIDDEN', async () => {
    const res = await t.gql('{ clusters(namespace: "pgouser2") { totalCount } }', {}, VIEWER);
    assert.equal(res.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('an operation whose permission the role lacks is FORBIDDEN and writes nothing', async () => {
    const before = t.app.writer.requests;
    const res = await t.gql('mutation { createCluster(input: { namespace: "pgouser1", name: "nope" }) { workflowId } }', {}, VIEWER);
    assert.equal(res.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(t.app.writer.requests, before);
    const version = await t.gql('{ version { pgoVersion } }', {}, VIEWER);
    assert.equal(version.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('a wrong password is UNAUTHENTICATED', async () => {
    const res = await t.gql('{ namespaces }', {}, basic('viewer', 'nope'));
    assert.equal(res.status, 401);
  });

  test('a subscription to a namespace outside the user\'s list is refused', async () => {
    const sub = subscribe(t.ws(VIEWER), 'subscription { clusterChanged(namespace: "pgouser2") { type } }');
    await assert.rejects(sub.next(1, 3000), /FORBIDDEN|no access/);
  });

  test('a subscription needs its permission too', async () => {
    const sub = subscribe(t.ws(VIEWER), 'subscription { policyChanged(namespace: "pgouser1") { type } }');
    await new Promise((r) => setTimeout(r, 200));
    await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "p1", sql: "select 1" }) { name } }');
    await assert.rejects(sub.next(1, 3000), /FORBIDDEN|permission/);
  });

  test('a subscription the user may not hold stays refused while an administrator holds the same one', async () => {
    // Seeing every namespace, as the administrator does, so the two see exactly the same changes.
    await core.createNamespacedSecret({ namespace: 'pgo', body: secret('pgouser-watcher', { 'pgo-pgouser': 'true', username: 'watcher' }, { username: 'watcher', password: 'watcher-password', roles: 'viewer', namespaces: '' }) });
    const watcher = basic('watcher', 'watcher-password');
    await untilTrue(async () => (await t.gql('{ namespaces }', {}, watcher)).status === 200, 'the watcher to be known');
    const query = 'subscription { policyChanged { type policy { name } } }';
    const admin = subscribe<{ policyChanged: { type: string } }>(t.ws(), query);
    await new Promise((r) => setTimeout(r, 200));
    const viewer = subscribe(t.ws(watcher), query);
    await new Promise((r) => setTimeout(r, 200));
    await t.gql('mutation { createPolicy(input: { namespace: "pgouser1", name: "p2", sql: "select 1" }) { name } }');
    assert.equal((await admin.next(1, 5000))[0].policyChanged.type, 'ADDED');
    await assert.rejects(viewer.next(1, 3000), /FORBIDDEN|permission/);
    admin.stop();
  });

  test('deleting the user\'s Secret takes effect without a restart', async () => {
    await core.deleteNamespacedSecret({ namespace: 'pgo', name: 'pgouser-viewer' });
    await untilTrue(async () => (await t.gql('{ namespaces }', {}, VIEWER)).status === 401, 'the viewer to be refused');
  });

  test('a user holding the most subscriptions allowed is refused another until one ends', async () => {
    const clients = [t.ws(), t.ws()];
    const query = 'subscription { clusterChanged(namespace: "pgouser1") { type } }';
    const held = Array.from({ length: SUBSCRIPTION_LIMIT }, (_, i) => subscribe(clients[i % 2], query));
    await new Promise((r) => setTimeout(r, 500));
    const extra = subscribe(clients[0], query);
    await assert.rejects(extra.next(1, 3000), /TOO_MANY_SUBSCRIPTIONS|most allowed/);
    held[0].stop();
    await new Promise((r) => setTimeout(r, 300));
    const again = subscribe(clients[1], query);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(again.errors, []);
    for (const sub of [...held, again]) sub.stop();
  });
});
