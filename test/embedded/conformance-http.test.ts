/**
 * Wire-level conformance of the embedded API server, with requests shaped as kubectl sends them:
 * field selectors, server-side apply, expired continue tokens, periodic bookmarks, and namespace
 * mismatches between the URL and the body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { raw, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const NS = 'pgouser1';
const OTHER_NS = 'pgouser2';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const JSON_PATCH = { 'Content-Type': 'application/json-patch+json' };
const STRATEGIC = { 'Content-Type': 'application/strategic-merge-patch+json' };
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };
const NAMESPACE_MISMATCH = 'the namespace of the provided object does not match the namespace sent on the request';

interface Named {
  metadata: { name: string; namespace?: string; resourceVersion: string; uid: string };
}

async function create(t: TestServer, collection: string, body: object): Promise<Named> {
  const res = await raw(t, 'POST', collection, body);
  assert.equal(res.status, 201, res.text);
  return res.json() as unknown as Named;
}

async function names(t: TestServer, collection: string, fieldSelector: string): Promise<string[]> {
  const res = await raw(t, 'GET', `${collection}?fieldSelector=${encodeURIComponent(fieldSelector)}`);
  assert.equal(res.status, 200, res.text);
  return (res.json().items as Named[]).map((i) => i.metadata.name);
}

async function resourceVersionOf(t: TestServer, path: string): Promise<string> {
  const res = await raw(t, 'GET', path);
  assert.equal(res.status, 200, res.text);
  return (res.json().metadata as { resourceVersion: string }).resourceVersion;
}

function watchLines(text: string): { type: string; object: Record<string, unknown> & { metadata?: { name?: string; resourceVersion?: string } } }[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
}

describe('field selectors as kubectl sends them', () => {
  const PODS = `/api/v1/namespaces/${NS}/pods`;
  const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
  const EVENTS = `/api/v1/namespaces/${NS}/events`;
  let t: TestServer;
  let hippo: Named;

  async function pod(name: string, nodeName: string | undefined, phase: string | undefined): Promise<void> {
    const spec: Record<string, unknown> = { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] };
    if (nodeName) spec.nodeName = nodeName;
    await create(t, PODS, { metadata: { name }, spec });
    if (phase) assert.equal((await raw(t, 'PATCH', `${PODS}/${name}/status`, { status: { phase } }, MERGE)).status, 200);
  }

  async function event(name: string, involved: Named, kind: string, reason: string, type: string): Promise<void> {
    const { metadata } = involved;
    await create(t, EVENTS, { metadata: { name }, involvedObject: { kind, name: metadata.name, namespace: metadata.namespace, uid: metadata.uid }, reason, type, message: reason });
  }

  before(async () => {
    t = await startTestServer({ namespaces: [NS] });
    await pod('on-a', 'node-a', 'Running');
    await pod('on-b', 'node-b', 'Succeeded');
    await pod('unscheduled', undefined, undefined);
    const job = { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'backup', image: 'crunchy-pgbackrest' }] } } } };
    await create(t, JOBS, { metadata: { name: 'done' }, ...job });
    assert.equal((await raw(t, 'PATCH', `${JOBS}/done/status`, { status: { succeeded: 1 } }, MERGE)).status, 200);
    await create(t, JOBS, { metadata: { name: 'running' }, ...job });
    hippo = (await raw(t, 'GET', `${PODS}/on-a`)).json() as unknown as Named;
    const other = (await raw(t, 'GET', `${PODS}/on-b`)).json() as unknown as Named;
    await event('on-a.created', hippo, 'Pod', 'Created', 'Normal');
    await event('on-a.backoff', hippo, 'Pod', 'BackOff', 'Warning');
    await event('on-b.created', other, 'Pod', 'Created', 'Normal');
    await event('job.completed', (await raw(t, 'GET', `${JOBS}/done`)).json() as unknown as Named, 'Job', 'Completed', 'Normal');
  });
  after(() => t.dispose());

  test('pods filter on spec.nodeName', async () => {
    assert.deepEqual(await names(t, PODS, 'spec.nodeName=node-a'), ['on-a']);
  });

  test('a pod without a node matches spec.nodeName with an empty value', async () => {
    assert.deepEqual(await names(t, PODS, 'spec.nodeName='), ['unscheduled']);
  });

  test('pods filter on status.phase, and != selects the others', async () => {
    assert.deepEqual(await names(t, PODS, 'status.phase=Running'), ['on-a']);
    assert.deepEqual(await names(t, PODS, 'status.phase!=Running'), ['on-b', 'unscheduled']);
  });

  test('pods filter on metadata.name with ==', async () => {
    assert.deepEqual(await names(t, PODS, 'metadata.name==on-b'), ['on-b']);
  });

  test('field requirements joined by a comma must all hold', async () => {
    assert.deepEqual(await names(t, PODS, 'spec.nodeName=node-b,status.phase=Succeeded'), ['on-b']);
    assert.deepEqual(await names(t, PODS, 'spec.nodeName=node-b,status.phase=Running'), []);
  });

  test('a watch with a status.phase selector sees a pod enter the selection as ADDED and leave it as DELETED', async () => {
    const from = await resourceVersionOf(t, PODS);
    await pod('moving', 'node-a', 'Running');
    assert.equal((await raw(t, 'PATCH', `${PODS}/moving/status`, { status: { phase: 'Failed' } }, MERGE)).status, 200);
    const res = await raw(t, 'GET', `${PODS}?watch=true&resourceVersion=${from}&timeoutSeconds=1&fieldSelector=${encodeURIComponent('status.phase=Running')}`);
    const lines = watchLines(res.text);
    assert.deepEqual(lines.map((l) => `${l.type} ${String(l.object.metadata?.name)}`), ['ADDED moving', 'DELETED moving']);
  });

  test('jobs filter on status.successful', async () => {
    assert.deepEqual(await names(t, JOBS, 'status.successful=1'), ['done']);
    assert.deepEqual(await names(t, JOBS, 'status.successful!=1'), ['running']);
  });

  test('events filter on involvedObject uid, name, namespace and kind as kubectl describe sends them', async () => {
    const { uid, name, namespace } = hippo.metadata;
    const selector = `involvedObject.uid=${uid},involvedObject.name=${name},involvedObject.namespace=${String(namespace)},involvedObject.kind=Pod`;
    assert.deepEqual(await names(t, EVENTS, selector), ['on-a.backoff', 'on-a.created']);
  });

  test('events filter on involvedObject.kind alone', async () => {
    assert.deepEqual(await names(t, EVENTS, 'involvedObject.kind=Job'), ['job.completed']);
  });

  test('events filter on reason and type', async () => {
    assert.deepEqual(await names(t, EVENTS, 'reason=Created'), ['on-a.created', 'on-b.created']);
    assert.deepEqual(await names(t, EVENTS, 'type=Warning'), ['on-a.backoff']);
    assert.deepEqual(await names(t, EVENTS, 'type!=Warning,reason!=Completed'), ['on-a.created', 'on-b.created']);
  });
});

describe('server-side apply', () => {
  const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
  const YAML = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: applied', 'data:', '  mode: a', '  size: "1"', ''].join('\n');
  let t: TestServer;

  function apply(path: string, body: object, manager = 'kubectl'): ReturnType<typeof raw> {
    return raw(t, 'PATCH', `${path}?fieldManager=${manager}`, body, APPLY);
  }

  before(async () => {
    t = await startTestServer({ namespaces: [NS] });
  });
  after(() => t.dispose());

  test('an apply of a YAML document creates the absent object and answers 201', async () => {
    const res = await raw(t, 'PATCH', `${CONFIGMAPS}/applied?fieldManager=kubectl&force=false`, YAML, APPLY);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json().data, { mode: 'a', size: '1' });
  });

  test('the same apply again answers 200 and leaves the resourceVersion alone', async () => {
    const before1 = await resourceVersionOf(t, `${CONFIGMAPS}/applied`);
    const res = await raw(t, 'PATCH', `${CONFIGMAPS}/applied?fieldManager=kubectl&force=false`, YAML, APPLY);
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json().metadata as { resourceVersion: string }).resourceVersion, before1);
  });

  test('an apply with force=true changes the applied field', async () => {
    const res = await raw(t, 'PATCH', `${CONFIGMAPS}/applied?fieldManager=kubectl&force=true`, YAML.replace('mode: a', 'mode: b'), APPLY);
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json().data as { mode: string }).mode, 'b');
  });

  test('an apply without a fieldManager answers 400 naming fieldManager', async () => {
    const res = await raw(t, 'PATCH', `${CONFIGMAPS}/applied`, YAML, APPLY);
    assert.equal(res.status, 400);
    assert.equal(res.json().reason, 'BadRequest');
    assert.match(String(res.json().message), /fieldManager/);
  });

  test('a field the same manager applied before and now omits is removed', async () => {
    const res = await raw(t, 'PATCH', `${CONFIGMAPS}/applied?fieldManager=kubectl`, YAML.replace('  size: "1"\n', ''), APPLY);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().data, { mode: 'a' });
  });

  test('a field another writer set with a merge patch survives the next apply', async () => {
    const path = `${CONFIGMAPS}/shared`;
    assert.equal((await apply(path, { metadata: { name: 'shared' }, data: { mine: '1', gone: '1' } })).status, 201);
    assert.equal((await raw(t, 'PATCH', path, { data: { theirs: '1' } }, MERGE)).status, 200);
    const res = await apply(path, { metadata: { name: 'shared' }, data: { mine: '2' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().data, { mine: '2', theirs: '1' });
  });

  test('another manager omitting a field does not remove what the first manager applied', async () => {
    const path = `${CONFIGMAPS}/two-managers`;
    assert.equal((await apply(path, { metadata: { name: 'two-managers' }, data: { first: '1' } })).status, 201);
    assert.equal((await apply(path, { metadata: { name: 'two-managers' }, data: { second: '1' } }, 'helm')).status, 200);
    const res = await apply(path, { metadata: { name: 'two-managers' }, data: {} }, 'helm');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().data, { first: '1' });
  });

  test('a list entry the manager dropped is removed by its merge key, and one another writer added stays', async () => {
    const path = `/api/v1/namespaces/${NS}/services/ports`;
    const service = (ports: number[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ports' }, spec: { ports: ports.map((port) => ({ name: `p${port}`, port })) } });
    assert.equal((await apply(path, service([5432, 8009]))).status, 201);
    assert.equal((await raw(t, 'PATCH', path, { spec: { ports: [{ name: 'p2022', port: 2022 }] } }, STRATEGIC)).status, 200);
    const res = await apply(path, service([5432]));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((res.json().spec as { ports: { port: number }[] }).ports.map((p) => p.port), [5432, 2022]);
  });

  test('a finalizer the manager dropped is removed as from a set, and one another writer added stays', async () => {
    const path = `${CONFIGMAPS}/finalized`;
    const configMap = (finalizers: string[]) => ({ metadata: { name: 'finalized', finalizers } });
    assert.equal((await apply(path, configMap(['example.com/a', 'example.com/b']))).status, 201);
    assert.equal((await raw(t, 'PATCH', path, [{ op: 'add', path: '/metadata/finalizers/-', value: 'example.com/c' }], JSON_PATCH)).status, 200);
    const res = await apply(path, configMap(['example.com/a']));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((res.json().metadata as { finalizers: string[] }).finalizers, ['example.com/a', 'example.com/c']);
  });

  test("a custom resource's list entry the manager dropped is removed by the CRD's x-kubernetes-list-map-keys", async () => {
    const item = { type: 'object', properties: { name: { type: 'string' }, size: { type: 'integer' } }, required: ['name'] };
    const listSchema = { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: item };
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'shelves.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'shelves', singular: 'shelf', kind: 'Shelf', listKind: 'ShelfList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { books: listSchema } } } } } }],
      },
    };
    assert.equal((await raw(t, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    const path = `/apis/example.com/v1/namespaces/${NS}/shelves/top`;
    const shelf = (books: { name: string; size: number }[]) => ({ apiVersion: 'example.com/v1', kind: 'Shelf', metadata: { name: 'top' }, spec: { books } });
    assert.equal((await apply(path, shelf([{ name: 'a', size: 1 }, { name: 'b', size: 1 }]))).status, 201);
    assert.equal((await apply(path, shelf([{ name: 'c', size: 1 }]), 'helm')).status, 200);
    const res = await apply(path, shelf([{ name: 'a', size: 2 }]));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((res.json().spec as { books: unknown[] }).books, [{ name: 'a', size: 2 }, { name: 'c', size: 1 }]);
  });

  test('what a manager applied is forgotten when the object is deleted', async () => {
    const path = `${CONFIGMAPS}/recreated`;
    assert.equal((await apply(path, { metadata: { name: 'recreated' }, data: { a: '1', b: '1' } })).status, 201);
    assert.equal((await raw(t, 'DELETE', path)).status, 200);
    await create(t, CONFIGMAPS, { metadata: { name: 'recreated' }, data: { a: '1', b: '1' } });
    const res = await apply(path, { metadata: { name: 'recreated' }, data: { a: '2' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().data, { a: '2', b: '1' });
  });
});

describe('expired continue tokens and snapshots', () => {
  const WINDOW = 20;
  const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
  let t: TestServer;

  /** Writes more than the watch window of configmaps, so older snapshots are compacted away. */
  async function churn(): Promise<void> {
    for (let i = 0; i <= WINDOW * 2; i++) assert.equal((await raw(t, 'PATCH', `${CONFIGMAPS}/busy`, { data: { n: String(i) } }, MERGE)).status, 200);
  }

  before(async () => {
    t = await startTestServer({ namespaces: [NS], watchWindow: WINDOW });
    for (const name of ['a', 'b', 'c', 'd', 'busy']) await create(t, CONFIGMAPS, { metadata: { name } });
  });
  after(() => t.dispose());

  test('a continue token whose snapshot was compacted answers 410 with reason Expired', async () => {
    const first = await raw(t, 'GET', `${CONFIGMAPS}?limit=2`);
    const token = (first.json().metadata as { continue: string }).continue;
    assert.ok(token);
    await churn();
    const res = await raw(t, 'GET', `${CONFIGMAPS}?limit=2&continue=${encodeURIComponent(token)}`);
    assert.equal(res.status, 410, res.text);
    const status = res.json();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Expired');
    assert.equal(status.code, 410);
    assert.match(String(status.message), /^The provided continue parameter is too old to display a consistent list result/);
  });

  test('the 410 for a compacted continue token carries a fresh token that continues after the last key', async () => {
    const first = await raw(t, 'GET', `${CONFIGMAPS}?limit=2`);
    await churn();
    const expired = await raw(t, 'GET', `${CONFIGMAPS}?limit=2&continue=${encodeURIComponent((first.json().metadata as { continue: string }).continue)}`);
    const fresh = (expired.json().metadata as { continue?: string }).continue;
    assert.ok(fresh);
    const rest = await raw(t, 'GET', `${CONFIGMAPS}?limit=10&continue=${encodeURIComponent(fresh)}`);
    assert.deepEqual((rest.json().items as Named[]).map((i) => i.metadata.name), ['busy', 'c', 'd']);
  });

  test('an Exact list at a compacted resourceVersion answers 410 Expired', async () => {
    const old = await resourceVersionOf(t, CONFIGMAPS);
    await churn();
    const res = await raw(t, 'GET', `${CONFIGMAPS}?resourceVersion=${old}&resourceVersionMatch=Exact`);
    assert.equal(res.status, 410, res.text);
    assert.equal(res.json().reason, 'Expired');
  });
});

describe('periodic bookmarks', () => {
  const INTERVAL_MS = 150;
  const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
  let t: TestServer;

  before(async () => {
    t = await startTestServer({ namespaces: [NS], bookmarkIntervalMs: INTERVAL_MS });
  });
  after(() => t.dispose());

  test('an idle watch that allows bookmarks gets one every interval, carrying the current resourceVersion', async () => {
    const rv = await resourceVersionOf(t, CONFIGMAPS);
    const res = await raw(t, 'GET', `${CONFIGMAPS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=2`);
    const lines = watchLines(res.text);
    assert.ok(lines.length >= 3, `expected periodic bookmarks before the final one, got ${lines.length}`);
    for (const line of lines) {
      assert.equal(line.type, 'BOOKMARK');
      assert.deepEqual(line.object, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: rv } });
    }
  });

  test('an idle watch that does not allow bookmarks gets none', async () => {
    const rv = await resourceVersionOf(t, CONFIGMAPS);
    const res = await raw(t, 'GET', `${CONFIGMAPS}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    assert.equal(res.text, '');
  });
});

describe('a namespace in the body that differs from the URL', () => {
  const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
  const ITEM = `${CONFIGMAPS}/cm`;
  const ELSEWHERE = `/api/v1/namespaces/${OTHER_NS}/configmaps/cm`;
  let t: TestServer;
  let stored: string;

  async function assertMismatchWroteNothing(res: Awaited<ReturnType<typeof raw>>): Promise<void> {
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().reason, 'BadRequest');
    assert.equal(res.json().message, NAMESPACE_MISMATCH);
    assert.equal((await raw(t, 'GET', ITEM)).text, stored);
    assert.equal((await raw(t, 'GET', ELSEWHERE)).status, 404);
  }

  before(async () => {
    t = await startTestServer({ namespaces: [NS, OTHER_NS] });
    await create(t, CONFIGMAPS, { metadata: { name: 'cm' }, data: { a: '1' } });
    stored = (await raw(t, 'GET', ITEM)).text;
  });
  after(() => t.dispose());

  test('a PUT answers 400 BadRequest and writes nothing', async () => {
    const body = JSON.parse(stored) as { metadata: Record<string, unknown>; data: Record<string, string> };
    body.metadata.namespace = OTHER_NS;
    body.data.a = '2';
    await assertMismatchWroteNothing(await raw(t, 'PUT', ITEM, body));
  });

  test('a merge patch answers 400 BadRequest and writes nothing', async () => {
    await assertMismatchWroteNothing(await raw(t, 'PATCH', ITEM, { metadata: { namespace: OTHER_NS }, data: { a: '2' } }, MERGE));
  });

  test('a JSON patch replacing metadata.namespace answers 400 BadRequest and writes nothing', async () => {
    await assertMismatchWroteNothing(await raw(t, 'PATCH', ITEM, [{ op: 'replace', path: '/metadata/namespace', value: OTHER_NS }], JSON_PATCH));
  });

  test('a strategic merge patch answers 400 BadRequest and writes nothing', async () => {
    await assertMismatchWroteNothing(await raw(t, 'PATCH', ITEM, { metadata: { namespace: OTHER_NS }, data: { a: '2' } }, STRATEGIC));
  });

  test('a server-side apply to an existing object answers 400 BadRequest and writes nothing', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: OTHER_NS }, data: { a: '2' } };
    await assertMismatchWroteNothing(await raw(t, 'PATCH', `${ITEM}?fieldManager=kubectl`, body, APPLY));
  });

  test('a server-side apply that would create answers 400 BadRequest and creates nothing in either namespace', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new', namespace: OTHER_NS }, data: { a: '2' } };
    const res = await raw(t, 'PATCH', `${CONFIGMAPS}/new?fieldManager=kubectl`, body, APPLY);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().message, NAMESPACE_MISMATCH);
    assert.equal((await raw(t, 'GET', `${CONFIGMAPS}/new`)).status, 404);
    assert.equal((await raw(t, 'GET', `/api/v1/namespaces/${OTHER_NS}/configmaps/new`)).status, 404);
  });

  test('a JSON patch removing metadata.namespace is accepted and the object stays in its namespace', async () => {
    await create(t, CONFIGMAPS, { metadata: { name: 'unnamespaced' } });
    const res = await raw(t, 'PATCH', `${CONFIGMAPS}/unnamespaced`, [{ op: 'remove', path: '/metadata/namespace' }, { op: 'add', path: '/data', value: { a: '1' } }], JSON_PATCH);
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json().metadata as { namespace: string }).namespace, NS);
  });
});

describe('malformed requests answer 400, never 500', () => {
  const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
  let t: TestServer;

  before(async () => {
    t = await startTestServer({ namespaces: [NS] });
  });
  after(() => t.dispose());

  test('a path with an invalid percent escape answers 400 BadRequest', async () => {
    const res = await raw(t, 'GET', '/api/v1/namespaces/%ZZ/configmaps');
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().reason, 'BadRequest');
  });

  for (const [field, value, expected] of [
    ['dryRun', 'All', 'a list of strings'],
    ['propagationPolicy', 5, 'a string'],
    ['preconditions', 'x', 'an object'],
    ['gracePeriodSeconds', '30', 'an integer'],
    ['orphanDependents', 'true', 'a boolean'],
  ] as const) {
    test(`DeleteOptions.${field} of the wrong type answers 400 naming the field and deletes nothing`, async () => {
      await create(t, CONFIGMAPS, { metadata: { name: `keep-${field.toLowerCase()}` } });
      const res = await raw(t, 'DELETE', `${CONFIGMAPS}/keep-${field.toLowerCase()}`, { kind: 'DeleteOptions', apiVersion: 'v1', [field]: value });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json().reason, 'BadRequest');
      assert.equal(res.json().message, `DeleteOptions.${field}: must be ${expected}`);
      assert.equal((await raw(t, 'GET', `${CONFIGMAPS}/keep-${field.toLowerCase()}`)).status, 200);
    });
  }

  test('DeleteOptions.preconditions.resourceVersion that is not a string answers 400 naming the field and deletes nothing', async () => {
    await create(t, CONFIGMAPS, { metadata: { name: 'keep-precondition' } });
    const res = await raw(t, 'DELETE', `${CONFIGMAPS}/keep-precondition`, { preconditions: { resourceVersion: 5 } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().message, 'DeleteOptions.preconditions.resourceVersion: must be a string');
    assert.equal((await raw(t, 'GET', `${CONFIGMAPS}/keep-precondition`)).status, 200);
  });

  test('a PUT whose metadata.resourceVersion is a number answers 400 and writes nothing', async () => {
    await create(t, CONFIGMAPS, { metadata: { name: 'numeric-rv' } });
    const res = await raw(t, 'PUT', `${CONFIGMAPS}/numeric-rv`, { metadata: { name: 'numeric-rv', resourceVersion: 5 }, data: { a: '1' } });
    assert.equal(res.status, 400, res.text);
    assert.match(String(res.json().message), /metadata\.resourceVersion/);
    assert.equal((await raw(t, 'GET', `${CONFIGMAPS}/numeric-rv`)).json().data, undefined);
  });

  test('a continue token whose revision is not a whole number answers 400', async () => {
    const token = Buffer.from(JSON.stringify({ rv: 1.5, start: '' })).toString('base64url');
    const res = await raw(t, 'GET', `${CONFIGMAPS}?limit=1&continue=${token}`);
    assert.equal(res.status, 400, res.text);
  });
});

describe('a watch from a resourceVersion the store has not reached', () => {
  const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
  let t: TestServer;

  before(async () => {
    t = await startTestServer({ namespaces: [NS] });
  });
  after(() => t.dispose());

  test('gets one 410 ERROR event naming the asked and the current resourceVersion, then the stream ends', async () => {
    const current = await resourceVersionOf(t, CONFIGMAPS);
    const ahead = `${current}000`;
    const res = await raw(t, 'GET', `${CONFIGMAPS}?watch=true&resourceVersion=${ahead}`);
    assert.equal(res.status, 200);
    const lines = watchLines(res.text);
    assert.deepEqual(lines.map((l) => [l.type, l.object.code, l.object.reason]), [['ERROR', 410, 'Expired']]);
    assert.equal(lines[0].object.message, `Too large resource version: ${ahead}, current: ${current}`);
  });
});
