/**
 * Conformance with unmodified @kubernetes/client-node 1.4: the typed APIs for every built-in kind the
 * server stores, KubernetesObjectApi server-side apply, informers, and watches that outlive a restart.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { DATABASE_FILE } from '../../src/embedded/embedded-server.js';
import type { JsonObject } from '../../src/json.js';
import { Store } from '../../src/embedded/store.js';
import { startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';
import { until } from '../support/until.js';

const NS = 'pgouser1';
const OTHER_NS = 'pgouser2';

function statusOf(e: unknown): { code: number; body: Record<string, unknown> } {
  assert.ok(e instanceof k8s.ApiException, `expected an ApiException, got ${String(e)}`);
  const body = typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : (e.body as Record<string, unknown>);
  return { code: e.code, body };
}

async function rejectsWith(promise: Promise<unknown>, code: number, reason: string): Promise<void> {
  await assert.rejects(promise, (e) => {
    const s = statusOf(e);
    assert.equal(s.code, code);
    assert.equal(s.body.reason, reason);
    return true;
  });
}

/** One kind's typed calls, bound to a namespace where the kind is namespaced. */
interface TypedCrud<T extends k8s.KubernetesObject> {
  create(body: T): Promise<T>;
  read(name: string): Promise<T>;
  list(): Promise<{ metadata?: k8s.V1ListMeta; items: T[] }>;
  replace(name: string, body: T): Promise<T>;
  /** client-node's typed patch: a JSON patch (its default Content-Type). */
  patch(name: string, ops: object[]): Promise<T>;
  remove(name: string): Promise<unknown>;
}

interface RoundTrip<T> {
  created: T;
  replaced: T;
  patched: T;
}

/**
 * Create, read, list, replace (with `change` applied to what was read), JSON-patch a label, delete;
 * checks what every kind shares: server-set metadata deserialised by the typed client, a list that
 * holds the object, new resourceVersions on writes, 404 after delete.
 */
async function roundTrip<T extends k8s.KubernetesObject>(api: TypedCrud<T>, body: T, change: (read: T) => void): Promise<RoundTrip<T>> {
  const name = String(body.metadata?.name);
  const created = await api.create(body);
  const meta = created.metadata as k8s.V1ObjectMeta;
  assert.match(String(meta.uid), /^[0-9a-f-]{36}$/);
  assert.match(String(meta.resourceVersion), /^\d+$/);
  assert.ok(meta.creationTimestamp instanceof Date, 'creationTimestamp deserialises to a Date');
  assert.ok(!Number.isNaN(meta.creationTimestamp.getTime()), 'creationTimestamp parses');

  const read = await api.read(name);
  assert.equal(read.metadata?.uid, meta.uid);
  assert.equal(read.metadata?.resourceVersion, meta.resourceVersion);
  assert.equal(read.metadata?.creationTimestamp?.getTime(), meta.creationTimestamp.getTime());

  const list = await api.list();
  assert.match(String(list.metadata?.resourceVersion), /^\d+$/);
  assert.deepEqual(
    list.items.filter((i) => i.metadata?.name === name).map((i) => i.metadata?.uid),
    [meta.uid],
  );

  change(read);
  const replaced = await api.replace(name, read);
  assert.equal(replaced.metadata?.uid, meta.uid);
  assert.notEqual(replaced.metadata?.resourceVersion, meta.resourceVersion);

  const patched = await api.patch(name, [{ op: 'add', path: '/metadata/labels/patched', value: 'yes' }]);
  assert.equal(patched.metadata?.labels?.patched, 'yes');
  assert.notEqual(patched.metadata?.resourceVersion, replaced.metadata?.resourceVersion);

  await api.remove(name);
  await rejectsWith(api.read(name), 404, 'NotFound');
  return { created, replaced, patched };
}

const LABELS = { app: 'round-trip' };

/** One object per served built-in kind, for the discovery-driven KubernetesObjectApi. */
const GENERIC_OBJECTS: (k8s.KubernetesObject & Record<string, unknown>)[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'generic' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: NS }, data: { a: '1' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'generic', namespace: NS }, stringData: { a: '1' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'generic', namespace: NS } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'generic', namespace: NS }, spec: { ports: [{ port: 5432 }] } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'generic', namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1G' } } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'generic', namespace: NS }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  { apiVersion: 'v1', kind: 'Event', metadata: { name: 'generic', namespace: NS }, involvedObject: { kind: 'Pod', name: 'generic', namespace: NS }, reason: 'Tested' },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'generic', namespace: NS },
    spec: { selector: { matchLabels: { app: 'generic' } }, template: { metadata: { labels: { app: 'generic' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'generic', namespace: NS }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'generic', namespace: NS }, spec: { holderIdentity: 'a' } },
];


describe('typed @kubernetes/client-node APIs against the embedded server', () => {
  let t: TestServer;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;
  let coordination: k8s.CoordinationV1Api;

  before(async () => {
    t = await startTestServer({ namespaces: [NS, OTHER_NS] });
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    batch = t.kc.makeApiClient(k8s.BatchV1Api);
    coordination = t.kc.makeApiClient(k8s.CoordinationV1Api);
  });
  after(() => t.dispose());

  test('ConfigMaps: CoreV1Api creates, reads, lists, replaces, patches and deletes', async () => {
    const { replaced } = await roundTrip<k8s.V1ConfigMap>(
      {
        create: (body) => core.createNamespacedConfigMap({ namespace: NS, body }),
        read: (name) => core.readNamespacedConfigMap({ namespace: NS, name }),
        list: () => core.listNamespacedConfigMap({ namespace: NS }),
        replace: (name, body) => core.replaceNamespacedConfigMap({ namespace: NS, name, body }),
        patch: (name, body) => core.patchNamespacedConfigMap({ namespace: NS, name, body }),
        remove: (name) => core.deleteNamespacedConfigMap({ namespace: NS, name }),
      },
      { metadata: { name: 'cm', labels: LABELS }, data: { a: '1' } },
      (cm) => {
        cm.data = { a: '2' };
      },
    );
    assert.deepEqual(replaced.data, { a: '2' });
  });

  test('Secrets: CoreV1Api round trip, with stringData stored as base64 data', async () => {
    const { created, replaced } = await roundTrip<k8s.V1Secret>(
      {
        create: (body) => core.createNamespacedSecret({ namespace: NS, body }),
        read: (name) => core.readNamespacedSecret({ namespace: NS, name }),
        list: () => core.listNamespacedSecret({ namespace: NS }),
        replace: (name, body) => core.replaceNamespacedSecret({ namespace: NS, name, body }),
        patch: (name, body) => core.patchNamespacedSecret({ namespace: NS, name, body }),
        remove: (name) => core.deleteNamespacedSecret({ namespace: NS, name }),
      },
      { metadata: { name: 'secret', labels: LABELS }, stringData: { password: 'hippo' } },
      (secret) => {
        secret.data = { password: Buffer.from('rhino').toString('base64') };
      },
    );
    assert.equal(created.type, 'Opaque');
    assert.equal(created.stringData, undefined);
    assert.equal(Buffer.from(String(created.data?.password), 'base64').toString(), 'hippo');
    assert.equal(Buffer.from(String(replaced.data?.password), 'base64').toString(), 'rhino');
  });

  test('ServiceAccounts: CoreV1Api creates, reads, lists, replaces, patches and deletes', async () => {
    const { replaced } = await roundTrip<k8s.V1ServiceAccount>(
      {
        create: (body) => core.createNamespacedServiceAccount({ namespace: NS, body }),
        read: (name) => core.readNamespacedServiceAccount({ namespace: NS, name }),
        list: () => core.listNamespacedServiceAccount({ namespace: NS }),
        replace: (name, body) => core.replaceNamespacedServiceAccount({ namespace: NS, name, body }),
        patch: (name, body) => core.patchNamespacedServiceAccount({ namespace: NS, name, body }),
        remove: (name) => core.deleteNamespacedServiceAccount({ namespace: NS, name }),
      },
      { metadata: { name: 'operator', labels: LABELS } },
      (sa) => {
        sa.automountServiceAccountToken = false;
      },
    );
    assert.equal(replaced.automountServiceAccountToken, false);
  });

  test('Pods: CoreV1Api round trip; a new pod is Pending and its status survives a main-resource replace', async () => {
    const { created, replaced } = await roundTrip<k8s.V1Pod>(
      {
        create: (body) => core.createNamespacedPod({ namespace: NS, body }),
        read: (name) => core.readNamespacedPod({ namespace: NS, name }),
        list: () => core.listNamespacedPod({ namespace: NS }),
        replace: (name, body) => core.replaceNamespacedPod({ namespace: NS, name, body }),
        patch: (name, body) => core.patchNamespacedPod({ namespace: NS, name, body }),
        remove: (name) => core.deleteNamespacedPod({ namespace: NS, name }),
      },
      { metadata: { name: 'pod', labels: LABELS }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } },
      (pod) => {
        pod.metadata = { ...pod.metadata, annotations: { touched: 'yes' } };
        pod.status = { phase: 'Running' };
      },
    );
    assert.equal(created.status?.phase, 'Pending');
    assert.equal(replaced.status?.phase, 'Pending', 'status is written only through /status');
    assert.equal(replaced.metadata?.annotations?.touched, 'yes');
  });

  test('PersistentVolumeClaims: CoreV1Api round trip; the storage request may grow', async () => {
    const { replaced } = await roundTrip<k8s.V1PersistentVolumeClaim>(
      {
        create: (body) => core.createNamespacedPersistentVolumeClaim({ namespace: NS, body }),
        read: (name) => core.readNamespacedPersistentVolumeClaim({ namespace: NS, name }),
        list: () => core.listNamespacedPersistentVolumeClaim({ namespace: NS }),
        replace: (name, body) => core.replaceNamespacedPersistentVolumeClaim({ namespace: NS, name, body }),
        patch: (name, body) => core.patchNamespacedPersistentVolumeClaim({ namespace: NS, name, body }),
        remove: (name) => core.deleteNamespacedPersistentVolumeClaim({ namespace: NS, name }),
      },
      { metadata: { name: 'hippo-pgdata', labels: LABELS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1G' } } } },
      (pvc) => {
        pvc.spec = { ...pvc.spec, resources: { requests: { storage: '2G' } } };
      },
    );
    assert.equal(replaced.spec?.resources?.requests?.storage, '2G');
  });

  test('Events: CoreV1Api round trip; firstTimestamp deserialises to a Date and eventTime keeps the microsecond form', async () => {
    const first = new Date('2026-11-24T12:40:58Z');
    const { created, replaced } = await roundTrip<k8s.CoreV1Event>(
      {
        create: (body) => core.createNamespacedEvent({ namespace: NS, body }),
        read: (name) => core.readNamespacedEvent({ namespace: NS, name }),
        list: () => core.listNamespacedEvent({ namespace: NS }),
        replace: (name, body) => core.replaceNamespacedEvent({ namespace: NS, name, body }),
        patch: (name, body) => core.patchNamespacedEvent({ namespace: NS, name, body }),
        remove: (name) => core.deleteNamespacedEvent({ namespace: NS, name }),
      },
      {
        metadata: { name: 'hippo.1', labels: LABELS },
        involvedObject: { kind: 'Pod', name: 'hippo', namespace: NS },
        reason: 'Created',
        message: 'created the pod',
        type: 'Normal',
        count: 1,
        firstTimestamp: first,
        lastTimestamp: first,
        eventTime: new k8s.V1MicroTime('2026-11-24T12:40:58.695Z'),
      },
      (event) => {
        event.count = 2;
      },
    );
    assert.ok(created.firstTimestamp instanceof Date);
    assert.equal(created.firstTimestamp.getTime(), first.getTime());
    assert.equal(String(created.eventTime), '2026-11-24T12:40:58.695000Z');
    assert.equal(replaced.count, 2);
  });

  test('Services: CoreV1Api round trip; the allocated cluster IP survives a replace', async () => {
    const { created, replaced } = await roundTrip<k8s.V1Service>(
      {
        create: (body) => core.createNamespacedService({ namespace: NS, body }),
        read: (name) => core.readNamespacedService({ namespace: NS, name }),
        list: () => core.listNamespacedService({ namespace: NS }),
        replace: (name, body) => core.replaceNamespacedService({ namespace: NS, name, body }),
        patch: (name, body) => core.patchNamespacedService({ namespace: NS, name, body }),
        remove: (name) => core.deleteNamespacedService({ namespace: NS, name }),
      },
      { metadata: { name: 'hippo', labels: LABELS }, spec: { selector: { 'pg-cluster': 'hippo' }, ports: [{ name: 'postgres', port: 5432 }] } },
      (svc) => {
        svc.spec = { ...svc.spec, ports: [{ name: 'postgres', port: 5433 }] };
      },
    );
    assert.match(String(created.spec?.clusterIP), /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.equal(replaced.spec?.clusterIP, created.spec?.clusterIP);
    assert.deepEqual(replaced.spec?.ports?.map((p) => [p.port, p.targetPort, p.protocol]), [[5433, 5433, 'TCP']]);
  });

  test('Namespaces: CoreV1Api creates, reads, lists, replaces, patches and deletes a cluster-scoped object', async () => {
    const { created } = await roundTrip<k8s.V1Namespace>(
      {
        create: (body) => core.createNamespace({ body }),
        read: (name) => core.readNamespace({ name }),
        list: () => core.listNamespace(),
        replace: (name, body) => core.replaceNamespace({ name, body }),
        patch: (name, body) => core.patchNamespace({ name, body }),
        remove: (name) => core.deleteNamespace({ name }),
      },
      { metadata: { name: 'scratch', labels: LABELS } },
      (ns) => {
        ns.metadata = { ...ns.metadata, annotations: { owner: 'tests' } };
      },
    );
    assert.equal(created.metadata?.namespace, undefined);
    assert.equal(created.status?.phase, 'Active');
    assert.equal(created.metadata?.labels?.['kubernetes.io/metadata.name'], 'scratch');
  });

  test('Deployments: AppsV1Api round trip; a spec change bumps generation and a label patch does not', async () => {
    const { created, replaced, patched } = await roundTrip<k8s.V1Deployment>(
      {
        create: (body) => apps.createNamespacedDeployment({ namespace: NS, body }),
        read: (name) => apps.readNamespacedDeployment({ namespace: NS, name }),
        list: () => apps.listNamespacedDeployment({ namespace: NS }),
        replace: (name, body) => apps.replaceNamespacedDeployment({ namespace: NS, name, body }),
        patch: (name, body) => apps.patchNamespacedDeployment({ namespace: NS, name, body }),
        remove: (name) => apps.deleteNamespacedDeployment({ namespace: NS, name }),
      },
      {
        metadata: { name: 'hippo', labels: LABELS },
        spec: {
          selector: { matchLabels: { name: 'hippo' } },
          template: { metadata: { labels: { name: 'hippo' } }, spec: { containers: [{ name: 'database', image: 'crunchy-postgres-ha' }] } },
        },
      },
      (deploy) => {
        deploy.spec = { ...(deploy.spec as k8s.V1DeploymentSpec), replicas: 2 };
      },
    );
    assert.equal(created.metadata?.generation, 1);
    assert.equal(created.spec?.replicas, 1);
    assert.equal(replaced.metadata?.generation, 2);
    assert.equal(patched.metadata?.generation, 2);
  });

  test('Jobs: BatchV1Api round trip; the server adds the selector and the job-name label', async () => {
    const { created, replaced } = await roundTrip<k8s.V1Job>(
      {
        create: (body) => batch.createNamespacedJob({ namespace: NS, body }),
        read: (name) => batch.readNamespacedJob({ namespace: NS, name }),
        list: () => batch.listNamespacedJob({ namespace: NS }),
        replace: (name, body) => batch.replaceNamespacedJob({ namespace: NS, name, body }),
        patch: (name, body) => batch.patchNamespacedJob({ namespace: NS, name, body }),
        remove: (name) => batch.deleteNamespacedJob({ namespace: NS, name }),
      },
      {
        metadata: { name: 'backrest-backup-hippo', labels: LABELS },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'backup', image: 'crunchy-pgbackrest' }] } } },
      },
      (job) => {
        job.spec = { ...(job.spec as k8s.V1JobSpec), activeDeadlineSeconds: 600 };
      },
    );
    assert.equal(created.spec?.template.metadata?.labels?.['job-name'], 'backrest-backup-hippo');
    assert.deepEqual(created.spec?.selector?.matchLabels, { 'batch.kubernetes.io/controller-uid': created.metadata?.uid });
    assert.equal(created.spec?.backoffLimit, 6);
    assert.equal(replaced.spec?.activeDeadlineSeconds, 600);
  });

  test('Leases: CoordinationV1Api round trip; renewTime keeps the microseconds the client sent', async () => {
    const renew = new k8s.V1MicroTime('2026-11-24T12:40:58.695Z');
    const { created } = await roundTrip<k8s.V1Lease>(
      {
        create: (body) => coordination.createNamespacedLease({ namespace: NS, body }),
        read: (name) => coordination.readNamespacedLease({ namespace: NS, name }),
        list: () => coordination.listNamespacedLease({ namespace: NS }),
        replace: (name, body) => coordination.replaceNamespacedLease({ namespace: NS, name, body }),
        patch: (name, body) => coordination.patchNamespacedLease({ namespace: NS, name, body }),
        remove: (name) => coordination.deleteNamespacedLease({ namespace: NS, name }),
      },
      { metadata: { name: 'pgo-leader', labels: LABELS }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: renew } },
      (lease) => {
        lease.spec = { ...lease.spec, holderIdentity: 'b' };
      },
    );
    assert.equal(String(created.spec?.renewTime), '2026-11-24T12:40:58.695000Z');
  });

  test('Job status written through replaceNamespacedJobStatus reads back with Date-typed times and the same generation', async () => {
    const job = await batch.createNamespacedJob({
      namespace: NS,
      body: { metadata: { name: 'status-times' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
    });
    const started = new Date('2026-11-24T12:00:00Z');
    const completed = new Date('2026-11-24T12:01:30Z');
    job.status = { succeeded: 1, startTime: started, completionTime: completed, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: completed }] };
    await batch.replaceNamespacedJobStatus({ namespace: NS, name: 'status-times', body: job });
    const read = await batch.readNamespacedJob({ namespace: NS, name: 'status-times' });
    assert.ok(read.status?.startTime instanceof Date);
    assert.equal(read.status.startTime.getTime(), started.getTime());
    assert.equal(read.status.completionTime?.getTime(), completed.getTime());
    assert.equal(read.status.conditions?.[0].lastTransitionTime?.getTime(), completed.getTime());
    assert.equal(read.metadata?.generation, job.metadata?.generation);
  });

  test('a Pod deleted while it holds a finalizer comes back from deleteNamespacedPod with a Date deletionTimestamp', async () => {
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    const deleting = await core.deleteNamespacedPod({ namespace: NS, name: 'held' });
    assert.ok(deleting.metadata?.deletionTimestamp instanceof Date);
    assert.ok(!Number.isNaN(deleting.metadata.deletionTimestamp.getTime()));
    await core.patchNamespacedPod({ namespace: NS, name: 'held', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await rejectsWith(core.readNamespacedPod({ namespace: NS, name: 'held' }), 404, 'NotFound');
  });

  test('a Lease replace carrying a stale resourceVersion answers 409 Conflict, as leader election needs', async () => {
    await coordination.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'election' }, spec: { holderIdentity: 'a' } } });
    const seenByA = await coordination.readNamespacedLease({ namespace: NS, name: 'election' });
    const seenByB = await coordination.readNamespacedLease({ namespace: NS, name: 'election' });
    seenByB.spec = { ...seenByB.spec, holderIdentity: 'b' };
    const won = await coordination.replaceNamespacedLease({ namespace: NS, name: 'election', body: seenByB });
    seenByA.spec = { ...seenByA.spec, holderIdentity: 'a2' };
    await assert.rejects(coordination.replaceNamespacedLease({ namespace: NS, name: 'election', body: seenByA }), (e) => {
      const s = statusOf(e);
      assert.equal(s.code, 409);
      assert.equal(s.body.reason, 'Conflict');
      assert.equal(s.body.message, 'Operation cannot be fulfilled on leases.coordination.k8s.io "election": the object has been modified; please apply your changes to the latest version and try again');
      return true;
    });
    const stored = await coordination.readNamespacedLease({ namespace: NS, name: 'election' });
    assert.equal(stored.spec?.holderIdentity, 'b');
    assert.equal(stored.metadata?.resourceVersion, won.metadata?.resourceVersion);
  });

  test('KubernetesObjectApi server-side apply creates an absent object and a repeated apply changes nothing', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(t.kc);
    const intent: k8s.V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: NS }, data: { mode: 'a' } };
    const created = await api.patch(intent, undefined, undefined, 'pgo-tests', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal(created.metadata?.name, 'applied');
    const again = await api.patch(intent, undefined, undefined, 'pgo-tests', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal(again.metadata?.resourceVersion, created.metadata?.resourceVersion);
    const changed = await api.patch({ ...intent, data: { mode: 'b' } }, undefined, undefined, 'pgo-tests', true, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual(changed.data, { mode: 'b' });
  });

  for (const object of GENERIC_OBJECTS) {
    test(`KubernetesObjectApi finds the ${object.kind} kind through discovery and creates, reads, lists, replaces and deletes one`, async () => {
      const api = k8s.KubernetesObjectApi.makeApiClient(t.kc);
      const created = await api.create(structuredClone(object));
      const header = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: String(object.metadata?.name), namespace: object.metadata?.namespace } };
      const read = await api.read(header);
      assert.equal(read.metadata?.uid, created.metadata?.uid);
      const list = await api.list(String(object.apiVersion), String(object.kind), object.metadata?.namespace);
      assert.deepEqual(list.items.filter((i) => i.metadata?.uid === created.metadata?.uid).length, 1);
      read.metadata = { ...read.metadata, labels: { replaced: 'yes' } };
      const replaced = await api.replace(read);
      assert.equal(replaced.metadata?.labels?.replaced, 'yes');
      await api.delete(header);
      await rejectsWith(api.read(header), 404, 'NotFound');
    });
  }

  test('an informer on one namespace sees only that namespace', async () => {
    await core.createNamespacedConfigMap({ namespace: OTHER_NS, body: { metadata: { name: 'elsewhere-before' } } });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'here-before' } } });
    const informer = k8s.makeInformer(t.kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS }));
    const added: string[] = [];
    informer.on('add', (cm) => added.push(`${String(cm.metadata?.namespace)}/${String(cm.metadata?.name)}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: OTHER_NS, body: { metadata: { name: 'elsewhere-after' } } });
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'here-after' } } });
      await until(() => (added.includes(`${NS}/here-after`) ? true : undefined), 'the informer to see here-after');
      assert.ok(added.includes(`${NS}/here-before`));
      assert.deepEqual(added.filter((a) => !a.startsWith(`${NS}/`)), []);
      assert.deepEqual(new Set(informer.list().map((cm) => cm.metadata?.namespace)), new Set([NS]));
    } finally {
      await informer.stop();
    }
  });
});

interface Seen {
  type: string;
  name: string;
  rv: string;
  code?: number;
  reason?: string;
}

/** A client-node Watch that records events; `stop()` aborts it as a client going away would. */
function openWatch(kc: k8s.KubeConfig, path: string, params: Record<string, string>): { seen: Seen[]; ended: Promise<void>; stop(): void } {
  const seen: Seen[] = [];
  let controller: AbortController | undefined;
  let stopped = false;
  const ended = new Promise<void>((resolve) => {
    void new k8s.Watch(kc)
      .watch(
        path,
        params,
        (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string }) => {
          const item: Seen = { type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '' };
          if (obj.code !== undefined) item.code = obj.code;
          if (obj.reason !== undefined) item.reason = obj.reason;
          seen.push(item);
        },
        () => resolve(),
      )
      .then((c) => {
        controller = c;
        if (stopped) c.abort();
      }, () => resolve());
  });
  return {
    seen,
    ended,
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}

function summary(seen: Seen[]): string[] {
  return seen.map((s) => `${s.type} ${s.name}`);
}

describe('watches and garbage collection across a restart', () => {
  const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;

  test('a watch resumed after a restart from its last resourceVersion gets exactly the events it missed', async () => {
    const t = await startTestServer({ namespaces: [NS] });
    try {
      const core = t.kc.makeApiClient(k8s.CoreV1Api);
      const start = (await core.listNamespacedConfigMap({ namespace: NS })).metadata?.resourceVersion ?? '';
      const live = openWatch(t.kc, CONFIGMAPS, { resourceVersion: start });
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'seen' } } });
      await until(() => (live.seen.length === 1 ? true : undefined), 'the live watch to see its first event');
      live.stop();
      await live.ended;
      const lastRv = live.seen[0].rv;
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'missed-before-restart' } } });
      await t.restart();
      await core.patchNamespacedConfigMap({ namespace: NS, name: 'seen', body: [{ op: 'add', path: '/data', value: { k: 'v' } }] });
      await core.deleteNamespacedConfigMap({ namespace: NS, name: 'missed-before-restart' });
      const resumed = openWatch(t.kc, CONFIGMAPS, { resourceVersion: lastRv });
      try {
        await until(() => (resumed.seen.length >= 3 ? true : undefined), 'the resumed watch to catch up');
        await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'live-after-resume' } } });
        await until(() => (resumed.seen.length >= 4 ? true : undefined), 'the resumed watch to go live');
        assert.deepEqual(summary(resumed.seen), ['ADDED missed-before-restart', 'MODIFIED seen', 'DELETED missed-before-restart', 'ADDED live-after-resume']);
      } finally {
        resumed.stop();
      }
    } finally {
      await t.dispose();
    }
  });

  test('a watch resumed after a restart from a compacted resourceVersion gets a 410 Expired ERROR', async () => {
    const t = await startTestServer({ namespaces: [NS], watchWindow: 20 });
    try {
      const core = t.kc.makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'busy' } } });
      const old = (await core.listNamespacedConfigMap({ namespace: NS })).metadata?.resourceVersion ?? '';
      for (let i = 0; i < 40; i++) await core.patchNamespacedConfigMap({ namespace: NS, name: 'busy', body: [{ op: 'add', path: '/data', value: { n: String(i) } }] });
      await t.restart();
      const resumed = openWatch(t.kc, CONFIGMAPS, { resourceVersion: old });
      await resumed.ended;
      assert.deepEqual(resumed.seen.map((s) => [s.type, s.code, s.reason]), [['ERROR', 410, 'Expired']]);
    } finally {
      await t.dispose();
    }
  });

  test('a label-selected watch resumed after a restart sees an object that left the selection as DELETED', async () => {
    const t = await startTestServer({ namespaces: [NS] });
    try {
      const core = t.kc.makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'gold', labels: { tier: 'gold' } } } });
      const from = (await core.listNamespacedConfigMap({ namespace: NS })).metadata?.resourceVersion ?? '';
      await core.patchNamespacedConfigMap({ namespace: NS, name: 'gold', body: [{ op: 'replace', path: '/metadata/labels/tier', value: 'silver' }] });
      await t.restart();
      const resumed = openWatch(t.kc, CONFIGMAPS, { resourceVersion: from, labelSelector: 'tier=gold', timeoutSeconds: '1' });
      await resumed.ended;
      assert.deepEqual(summary(resumed.seen), ['DELETED gold']);
    } finally {
      await t.dispose();
    }
  });

  test('a continue token issued before a restart pages through the same snapshot after it', async () => {
    const t = await startTestServer({ namespaces: [NS] });
    try {
      const core = t.kc.makeApiClient(k8s.CoreV1Api);
      for (const name of ['a', 'b', 'c', 'd']) await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name } } });
      const first = await core.listNamespacedConfigMap({ namespace: NS, limit: 2 });
      await core.deleteNamespacedConfigMap({ namespace: NS, name: 'c' });
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'bb' } } });
      await t.restart();
      const rest = await core.listNamespacedConfigMap({ namespace: NS, limit: 10, _continue: first.metadata?._continue });
      assert.equal(rest.metadata?.resourceVersion, first.metadata?.resourceVersion);
      assert.deepEqual([...first.items, ...rest.items].map((i) => i.metadata?.name), ['a', 'b', 'c', 'd']);
    } finally {
      await t.dispose();
    }
  });

  test('dependents whose owner was removed just before a crash are collected when the server starts again', async () => {
    const t = await startTestServer({ namespaces: [NS] });
    try {
      const core = t.kc.makeApiClient(k8s.CoreV1Api);
      const owner = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'owner' } } });
      const keeper = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'keeper' } } });
      const ref = (o: k8s.V1ConfigMap): k8s.V1OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: String(o.metadata?.name), uid: String(o.metadata?.uid) });
      const child = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'child', ownerReferences: [ref(owner)] } } });
      await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'grandchild', ownerReferences: [ref(child)] } } });
      await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'kept', ownerReferences: [ref(keeper)] } } });
      const before = (await core.listNamespacedConfigMap({ namespace: NS })).metadata?.resourceVersion ?? '';
      await t.stop();
      // The crash: the owner's removal committed, the server died before collecting its dependents.
      const store = new Store(join(t.dataDir, DATABASE_FILE));
      const stored = store.get('core/configmaps', NS, 'owner');
      assert.ok(stored);
      store.remove('core/configmaps', NS, 'owner', JSON.parse(stored.json) as JsonObject);
      store.close();
      await t.restart();
      await rejectsWith(core.readNamespacedConfigMap({ namespace: NS, name: 'child' }), 404, 'NotFound');
      await rejectsWith(core.readNamespacedSecret({ namespace: NS, name: 'grandchild' }), 404, 'NotFound');
      assert.equal((await core.readNamespacedSecret({ namespace: NS, name: 'kept' })).metadata?.ownerReferences?.[0].uid, keeper.metadata?.uid);
      const watch = openWatch(t.kc, CONFIGMAPS, { resourceVersion: before, timeoutSeconds: '1' });
      await watch.ended;
      assert.deepEqual(summary(watch.seen), ['DELETED owner', 'DELETED child']);
    } finally {
      await t.dispose();
    }
  });

  test('an object written while the server was down naming an owner uid that does not exist is collected at start', async () => {
    const t = await startTestServer({ namespaces: [NS] });
    try {
      const core = t.kc.makeApiClient(k8s.CoreV1Api);
      await t.stop();
      const store = new Store(join(t.dataDir, DATABASE_FILE));
      const orphan = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orphan', namespace: NS, uid: randomUUID(), creationTimestamp: '2026-11-24T12:00:00Z', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'never', uid: randomUUID() }] } };
      store.put('core/configmaps', NS, 'orphan', orphan);
      store.close();
      await t.restart();
      await rejectsWith(core.readNamespacedConfigMap({ namespace: NS, name: 'orphan' }), 404, 'NotFound');
    } finally {
      await t.dispose();
    }
  });
});

