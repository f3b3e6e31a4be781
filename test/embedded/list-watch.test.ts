import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pgcluster } from '../support/fixtures.js';
import { raw, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const G = { group: 'crunchydata.com', version: 'v1', plural: 'pgclusters', namespace: 'pgouser1' };
const COLLECTION = '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters';

interface Seen {
  type: string;
  name: string;
  rv: string;
  code?: number;
}

/** Opens a watch with client-node's Watch and collects events until `until` is satisfied. */
function collect(t: TestServer, path: string, params: Record<string, string>, until: (seen: Seen[]) => boolean, timeoutMs = 5000): Promise<Seen[]> {
  return new Promise((resolve, reject) => {
    const seen: Seen[] = [];
    let controller: AbortController | undefined;
    const timer = setTimeout(() => {
      controller?.abort();
      reject(new Error(`watch timed out; saw ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      controller?.abort();
      resolve(seen);
    };
    void new k8s.Watch(t.kc)
      .watch(
        path,
        params,
        (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
          const item: Seen = { type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '' };
          if (obj.code !== undefined) item.code = obj.code;
          seen.push(item);
          if (until(seen)) finish();
        },
        (err) => {
          if (until(seen)) finish();
          else if (err && !(err instanceof Error && err.name === 'AbortError')) {
            clearTimeout(timer);
            reject(err as Error);
          }
        },
      )
      .then((c) => {
        controller = c;
      });
  });
}

describe('list and watch', () => {
  let t: TestServer;
  let custom: k8s.CustomObjectsApi;

  before(async () => {
    t = await startTestServer({ namespaces: ['pgouser1', 'pgouser2'], watchWindow: 100 });
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    for (let i = 0; i < 12; i++) {
      await custom.createNamespacedCustomObject({ ...G, body: pgcluster(`c${String(i).padStart(2, '0')}`, 'pgouser1', { tier: i % 2 === 0 ? 'gold' : 'silver' }) });
    }
    await custom.createNamespacedCustomObject({ ...G, namespace: 'pgouser2', body: pgcluster('other', 'pgouser2', { tier: 'gold' }) });
  });
  after(() => t.dispose());

  test('a list is ordered by name and carries the current resourceVersion', async () => {
    const list = (await custom.listNamespacedCustomObject({ ...G })) as { metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] };
    const names = list.items.map((i) => i.metadata.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names.length, 12);
    assert.match(list.metadata.resourceVersion, /^\d+$/);
  });

  test('a label selector with set-based requirements filters the list', async () => {
    const list = (await custom.listNamespacedCustomObject({ ...G, labelSelector: 'tier in (gold), pg-cluster notin (c00)' })) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['c02', 'c04', 'c06', 'c08', 'c10']);
  });

  test('a malformed label selector answers 400', async () => {
    const res = await raw(t, 'GET', `${COLLECTION}?labelSelector=${encodeURIComponent('tier in (gold')}`);
    assert.equal(res.status, 400);
    assert.equal(res.json().reason, 'BadRequest');
  });

  test('a field selector on metadata.name selects one object', async () => {
    const list = (await custom.listNamespacedCustomObject({ ...G, fieldSelector: 'metadata.name=c03' })) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['c03']);
  });

  test('an unsupported field selector answers 400 naming the field', async () => {
    const res = await raw(t, 'GET', `${COLLECTION}?fieldSelector=spec.port%3D5432`);
    assert.equal(res.status, 400);
    assert.equal(res.json().message, 'field label not supported: spec.port');
  });

  test('a field label that is an Object property name is unsupported, not a crash', async () => {
    const res = await raw(t, 'GET', '/api/v1/namespaces/pgouser1/pods?fieldSelector=constructor%3Dx');
    assert.equal(res.status, 400);
    assert.equal(res.json().message, 'field label not supported: constructor');
  });

  test('status.successful=0 selects Jobs whose status has no succeeded count, as Kubernetes reads absent as 0', async () => {
    const jobs = '/apis/batch/v1/namespaces/pgouser1/jobs';
    const job = (name: string) => ({ metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
    assert.equal((await raw(t, 'POST', jobs, job('job-running'))).status, 201);
    assert.equal((await raw(t, 'POST', jobs, job('job-done'))).status, 201);
    const done = await raw(t, 'PATCH', `${jobs}/job-done/status`, { status: { succeeded: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(done.status, 200, done.text);
    const names = async (selector: string) => ((await raw(t, 'GET', `${jobs}?fieldSelector=${encodeURIComponent(selector)}`)).json().items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    assert.deepEqual(await names('status.successful=0'), ['job-running']);
    assert.deepEqual(await names('status.successful!=0'), ['job-done']);
  });

  test('spec.unschedulable=false selects Nodes that do not set it, as Kubernetes reads absent as false', async () => {
    assert.equal((await raw(t, 'POST', '/api/v1/nodes', { metadata: { name: 'plain-node' } })).status, 201);
    assert.equal((await raw(t, 'POST', '/api/v1/nodes', { metadata: { name: 'cordoned-node' }, spec: { unschedulable: true } })).status, 201);
    const list = (await raw(t, 'GET', `/api/v1/nodes?fieldSelector=${encodeURIComponent('spec.unschedulable=false')}`)).json().items as { metadata: { name: string } }[];
    assert.deepEqual(list.map((i) => i.metadata.name).filter((n) => n.endsWith('-node')), ['plain-node']);
  });

  test('the all-namespaces path lists across namespaces', async () => {
    const list = (await custom.listClusterCustomObject({ group: G.group, version: G.version, plural: G.plural, labelSelector: 'tier=gold' })) as { items: { metadata: { namespace: string } }[] };
    assert.deepEqual([...new Set(list.items.map((i) => i.metadata.namespace))], ['pgouser1', 'pgouser2']);
  });

  test('limit and continue page through a consistent snapshot', async () => {
    const first = (await custom.listNamespacedCustomObject({ ...G, limit: 5 })) as { metadata: { continue: string; resourceVersion: string; remainingItemCount: number }; items: { metadata: { name: string } }[] };
    assert.equal(first.items.length, 5);
    assert.equal(first.metadata.remainingItemCount, 7);
    // Changes after the first page must not show up in later pages.
    await custom.createNamespacedCustomObject({ ...G, body: pgcluster('c99', 'pgouser1') });
    await custom.deleteNamespacedCustomObject({ ...G, name: 'c07' });
    const names = first.items.map((i) => i.metadata.name);
    let token = first.metadata.continue;
    while (token) {
      const page = (await custom.listNamespacedCustomObject({ ...G, limit: 5, _continue: token })) as typeof first;
      assert.equal(page.metadata.resourceVersion, first.metadata.resourceVersion);
      names.push(...page.items.map((i) => i.metadata.name));
      token = page.metadata.continue;
    }
    assert.deepEqual(names, ['c00', 'c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10', 'c11']);
    await custom.createNamespacedCustomObject({ ...G, body: pgcluster('c07', 'pgouser1', { tier: 'silver' }) });
    await custom.deleteNamespacedCustomObject({ ...G, name: 'c99' });
  });

  test('a list from a resourceVersion newer than the store answers 504 Timeout with the ResourceVersionTooLarge cause', async () => {
    const current = ((await raw(t, 'GET', COLLECTION)).json().metadata as { resourceVersion: string }).resourceVersion;
    const ahead = String(BigInt(current) + 1000n);
    const res = await raw(t, 'GET', `${COLLECTION}?resourceVersion=${ahead}&resourceVersionMatch=NotOlderThan`);
    assert.equal(res.status, 504);
    const status = res.json() as { reason: string; message: string; details: { causes: { reason: string; message: string }[] } };
    assert.equal(status.reason, 'Timeout');
    assert.match(status.message, /^Timeout: Too large resource version: \d+, current: \d+$/);
    assert.deepEqual(status.details.causes, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
  });

  test('a continue token that does not decode answers 400', async () => {
    const res = await raw(t, 'GET', `${COLLECTION}?limit=2&continue=not-a-token`);
    assert.equal(res.status, 400);
  });

  test('a watch without resourceVersion starts with a synthetic ADDED for each object', async () => {
    const seen = await collect(t, COLLECTION, { labelSelector: 'tier=gold' }, (s) => s.length >= 6);
    assert.deepEqual(seen.map((s) => `${s.type} ${s.name}`), ['ADDED c00', 'ADDED c02', 'ADDED c04', 'ADDED c06', 'ADDED c08', 'ADDED c10']);
  });

  test('a watch from a resourceVersion replays exactly the later events in order', async () => {
    const list = (await custom.listNamespacedCustomObject({ ...G })) as { metadata: { resourceVersion: string } };
    await custom.createNamespacedCustomObject({ ...G, body: pgcluster('w1', 'pgouser1') });
    await custom.patchNamespacedCustomObject({ ...G, name: 'w1', body: [{ op: 'replace', path: '/spec/port', value: '1234' }] });
    await custom.deleteNamespacedCustomObject({ ...G, name: 'w1' });
    const seen = await collect(t, COLLECTION, { resourceVersion: list.metadata.resourceVersion }, (s) => s.length >= 3);
    assert.deepEqual(seen.map((s) => `${s.type} ${s.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    const rvs = seen.map((s) => Number(s.rv));
    assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], 'the DELETED event carries the deletion revision');
  });

  test('an object leaving a label selector is seen as DELETED and entering it as ADDED', async () => {
    const list = (await custom.listNamespacedCustomObject({ ...G })) as { metadata: { resourceVersion: string } };
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await custom.patchNamespacedCustomObject({ ...G, name: 'c01', body: { metadata: { labels: { tier: 'gold' } } } }, merge);
    await custom.patchNamespacedCustomObject({ ...G, name: 'c01', body: { metadata: { labels: { tier: 'silver' } } } }, merge);
    const seen = await collect(t, COLLECTION, { resourceVersion: list.metadata.resourceVersion, labelSelector: 'tier=gold' }, (s) => s.length >= 2);
    assert.deepEqual(seen.map((s) => `${s.type} ${s.name}`), ['ADDED c01', 'DELETED c01']);
  });

  test('a live watch sees a write made after it started', async () => {
    const list = (await custom.listNamespacedCustomObject({ ...G })) as { metadata: { resourceVersion: string } };
    const pending = collect(t, COLLECTION, { resourceVersion: list.metadata.resourceVersion, fieldSelector: 'metadata.name=live1' }, (s) => s.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    await custom.createNamespacedCustomObject({ ...G, body: pgcluster('live1', 'pgouser1') });
    const seen = await pending;
    assert.deepEqual(seen.map((s) => `${s.type} ${s.name}`), ['ADDED live1']);
  });

  test('a watch from a compacted resourceVersion gets a 410 Expired ERROR event', async () => {
    const list = (await custom.listNamespacedCustomObject({ ...G })) as { metadata: { resourceVersion: string } };
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    for (let i = 0; i < 130; i++) await custom.patchNamespacedCustomObject({ ...G, name: 'c00', body: { metadata: { annotations: { n: String(i) } } } }, merge);
    const seen = await collect(t, COLLECTION, { resourceVersion: list.metadata.resourceVersion }, (s) => s.length >= 1);
    assert.equal(seen[0].type, 'ERROR');
    assert.equal(seen[0].code, 410);
  });

  test('a watch from a resourceVersion newer than the store gets a 410 Expired ERROR event so informers relist', async () => {
    const current = ((await raw(t, 'GET', COLLECTION)).json().metadata as { resourceVersion: string }).resourceVersion;
    const seen = await collect(t, COLLECTION, { resourceVersion: String(BigInt(current) + 1000n) }, (s) => s.length >= 1);
    assert.deepEqual(seen.map((s) => `${s.type} ${String(s.code)}`), ['ERROR 410']);
  });

  test('a quiet kind never expires a watch however old its resourceVersion', async () => {
    const list = (await custom.listNamespacedCustomObject({ group: G.group, version: G.version, plural: 'pgpolicies', namespace: 'pgouser1' })) as { metadata: { resourceVersion: string } };
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    for (let i = 0; i < 130; i++) await custom.patchNamespacedCustomObject({ ...G, name: 'c02', body: { metadata: { annotations: { n: String(i) } } } }, merge);
    const pending = collect(t, '/apis/crunchydata.com/v1/namespaces/pgouser1/pgpolicies', { resourceVersion: list.metadata.resourceVersion }, (s) => s.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    await custom.createNamespacedCustomObject({ group: G.group, version: G.version, plural: 'pgpolicies', namespace: 'pgouser1', body: { metadata: { name: 'p1' }, spec: { name: 'p1', sql: 'select 1', url: '', status: '', namespace: 'pgouser1' } } });
    const seen = await pending;
    assert.deepEqual(seen.map((s) => `${s.type} ${s.name}`), ['ADDED p1']);
  });

  test('bookmarks are sent only when asked for, at the end of a timed-out watch', async () => {
    const res = await raw(t, 'GET', `${COLLECTION}?watch=true&resourceVersion=${(await raw(t, 'GET', COLLECTION)).json().metadata ? ((await raw(t, 'GET', COLLECTION)).json().metadata as { resourceVersion: string }).resourceVersion : '0'}&timeoutSeconds=1&allowWatchBookmarks=true`);
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(lines.map((l) => l.type), ['BOOKMARK']);
    const plain = await raw(t, 'GET', `${COLLECTION}?watch=true&resourceVersion=${((await raw(t, 'GET', COLLECTION)).json().metadata as { resourceVersion: string }).resourceVersion}&timeoutSeconds=1`);
    assert.equal(plain.text, '');
  });

  test('kubectl-style Table output carries the CRD printer columns', async () => {
    const res = await raw(t, 'GET', COLLECTION, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    const table = res.json() as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    assert.equal(table.kind, 'Table');
    assert.equal(table.columnDefinitions[0].name, 'Name');
    assert.ok(table.columnDefinitions.length > 1);
    const list = (await raw(t, 'GET', COLLECTION)).json() as { items: unknown[] };
    assert.equal(table.rows.length, list.items.length);
  });
});
