import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { raw, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const G = { group: 'crunchydata.com', version: 'v1', plural: 'pgclusters', namespace: 'pgouser1' };
const PGCLUSTER = '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters/hippo';

describe('patch types', () => {
  let t: TestServer;
  let custom: k8s.CustomObjectsApi;
  let apps: k8s.AppsV1Api;

  before(async () => {
    t = await startTestServer({ namespaces: ['pgouser1'] });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    await custom.createNamespacedCustomObject({ ...G, body: pgcluster('hippo', 'pgouser1') });
  });
  after(() => t.dispose());

  test('client-node typed patch sends a JSON patch that replaces a capitalised storage key', async () => {
    const patched = (await custom.patchNamespacedCustomObject({ ...G, name: 'hippo', body: [{ op: 'replace', path: '/spec/PrimaryStorage/name', value: 'hippo' }] })) as {
      spec: { PrimaryStorage: { name: string } };
    };
    assert.equal(patched.spec.PrimaryStorage.name, 'hippo');
  });

  test('a merge patch with the merge header changes one key and deletes another with null', async () => {
    const patched = (await custom.patchNamespacedCustomObject(
      { ...G, name: 'hippo', body: { metadata: { labels: { autofail: 'false', 'crunchy-pgbadger': null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as { metadata: { labels: Record<string, string> } };
    assert.equal(patched.metadata.labels.autofail, 'false');
    assert.equal(patched.metadata.labels['crunchy-pgbadger'], undefined);
  });

  test('a merge patch of the status subresource sets status', async () => {
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { ...G, name: 'hippo', body: { status: { state: 'pgcluster Initialized', message: 'Cluster has been initialized' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as { status: Record<string, string> };
    assert.equal(patched.status.state, 'pgcluster Initialized');
  });

  test('a strategic merge patch on a custom resource answers 415 as a real cluster does', async () => {
    const res = await raw(t, 'PATCH', PGCLUSTER, { spec: { port: '1' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(res.status, 415);
    assert.equal(res.json().reason, 'UnsupportedMediaType');
  });

  test('a JSON patch whose test fails answers 422 and writes nothing', async () => {
    const before1 = (await raw(t, 'GET', PGCLUSTER)).json();
    const res = await raw(t, 'PATCH', PGCLUSTER, [{ op: 'replace', path: '/spec/port', value: '1' }, { op: 'test', path: '/spec/port', value: 'nope' }], { 'Content-Type': 'application/json-patch+json' });
    assert.equal(res.status, 422);
    const after1 = (await raw(t, 'GET', PGCLUSTER)).json();
    assert.deepEqual(after1, before1);
  });

  test('a JSON patch body that is not an array answers 400', async () => {
    const res = await raw(t, 'PATCH', PGCLUSTER, { op: 'replace' }, { 'Content-Type': 'application/json-patch+json' });
    assert.equal(res.status, 400);
  });

  test('a patch carrying a stale resourceVersion answers 409', async () => {
    const res = await raw(t, 'PATCH', PGCLUSTER, { metadata: { resourceVersion: '1' }, spec: { port: '7' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(res.status, 409);
  });

  test('a JSON patch test on resourceVersion works as an atomic guard', async () => {
    const current = (await raw(t, 'GET', PGCLUSTER)).json() as { metadata: { resourceVersion: string } };
    const ok = await raw(t, 'PATCH', PGCLUSTER, [{ op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion }, { op: 'replace', path: '/spec/port', value: '6543' }], {
      'Content-Type': 'application/json-patch+json',
    });
    assert.equal(ok.status, 200);
  });

  test('a strategic merge patch on a Deployment merges containers by name and deletes with $patch', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'pgouser1',
      body: {
        metadata: { name: 'hippo' },
        spec: {
          selector: { matchLabels: { name: 'hippo' } },
          template: {
            metadata: { labels: { name: 'hippo' } },
            spec: {
              containers: [
                { name: 'database', image: 'crunchy-postgres-ha', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
                { name: 'collect', image: 'crunchy-collect' },
              ],
            },
          },
        },
      },
    });
    const res = await raw(
      t,
      'PATCH',
      '/apis/apps/v1/namespaces/pgouser1/deployments/hippo',
      {
        spec: {
          template: {
            spec: {
              $setElementOrder_containers: undefined,
              '$setElementOrder/containers': [{ name: 'database' }],
              containers: [{ name: 'database', '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }], env: [{ name: 'B', value: '3' }] }, { $patch: 'delete', name: 'collect' }],
            },
          },
        },
      },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    assert.equal(res.status, 200, res.text);
    const containers = ((res.json().spec as { template: { spec: { containers: { name: string; image: string; env: { name: string; value: string }[] }[] } } }).template.spec.containers);
    assert.deepEqual(containers.map((c) => c.name), ['database']);
    assert.equal(containers[0].image, 'crunchy-postgres-ha');
    assert.deepEqual(containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
    assert.ok(!res.text.includes('$setElementOrder'));
  });

  test('KubernetesObjectApi.patch defaults to strategic merge and works on built-in kinds', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(t.kc);
    const patched = (await api.patch({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hippo', namespace: 'pgouser1', labels: { patched: 'yes' } } })) as k8s.V1Deployment;
    assert.equal(patched.metadata?.labels?.patched, 'yes');
  });
});
