/**
 * The database pod contract of 4.2.4 (reference §6.1, §6.9): clusters created through GraphQL,
 * their primary and replica Deployments read back through the Kubernetes API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { until } from '../support/until.js';

const NS = 'pgouser1';
const CR = { group: 'crunchydata.com', version: 'v1', namespace: NS };
/** The client's model classes as plain JSON, to compare with literals. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

describe('the database pod contract', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let custom: k8s.CustomObjectsApi;

  async function create(input: string): Promise<void> {
    const res = await t.gql(`mutation { createCluster(input: { namespace: "pgouser1", ${input} }) { workflowId } }`);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  }

  function podSpec(name: string): Promise<k8s.V1PodSpec> {
    return until(async () => (await apps.readNamespacedDeployment({ namespace: NS, name }).catch(() => undefined))?.spec?.template.spec, `Deployment ${name}`);
  }

  async function replicaPodSpec(cluster: string): Promise<k8s.V1PodSpec> {
    const name = await until(async () => {
      const list = (await custom.listNamespacedCustomObject({ ...CR, plural: 'pgreplicas', labelSelector: `pg-cluster=${cluster}` })) as { items: { metadata: { name: string } }[] };
      return list.items[0]?.metadata.name;
    }, `a Pgreplica of ${cluster}`);
    return podSpec(name);
  }

  const container = (spec: k8s.V1PodSpec, name: string) => spec.containers.find((c) => c.name === name);
  const envOf = (spec: k8s.V1PodSpec, name = 'database') => Object.fromEntries((container(spec, name)?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
  const volume = (spec: k8s.V1PodSpec, name: string) => plain(spec.volumes?.find((v) => v.name === name)) as Record<string, unknown> | null;
  const mountOf = (spec: k8s.V1PodSpec, name: string) => container(spec, 'database')?.volumeMounts?.find((m) => m.name === name)?.mountPath;

  before(async () => {
    t = await startTestApp();
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'tuned' }, data: { 'postgres-ha.yaml': '---\n' } } });
    await create('name: "plain", replicaCount: 1');
    await create('name: "watched", metrics: true, badger: true');
    await create('name: "placed", replicaCount: 1, nodeLabel: "disktype=ssd", podAntiAffinity: "required"');
    await create('name: "clouded", backrestStorageType: "local,s3", backrestS3Bucket: "bucket", backrestS3Region: "us-east-1", backrestS3Endpoint: "s3.example.com"');
    await create('name: "tuned", customConfig: "tuned", podAntiAffinity: "disabled"');
  });
  after(() => t.dispose());

  test('the database container has the pgBackRest environment of a local repository, with sshd enabled', async () => {
    const env = envOf(await podSpec('plain'));
    assert.deepEqual(
      [env.PGBACKREST_STANZA, env.PGBACKREST_REPO1_HOST, env.BACKREST_SKIP_CREATE_STANZA, env.PGHA_PGBACKREST, env.PGBACKREST_REPO1_PATH, env.PGBACKREST_DB_PATH, env.ENABLE_SSHD, env.PGBACKREST_LOG_PATH, env.PGBACKREST_PG1_SOCKET_PATH, env.PGBACKREST_PG1_PORT, env.PGBACKREST_REPO_TYPE, env.PGHA_PGBACKREST_LOCAL_S3_STORAGE],
      ['db', 'plain-backrest-shared-repo', 'true', 'true', '/backrestrepo/plain-backrest-shared-repo', '/pgdata/plain', 'true', '/tmp', '/tmp', '5432', 'posix', 'false'],
    );
    assert.equal(env.PGBACKREST_REPO1_S3_BUCKET, undefined);
  });

  test('the database container environment keeps 4.2.4\'s order', async () => {
    const names = (container(await podSpec('plain'), 'database')?.env ?? []).map((e) => e.name);
    const order = ['PGHA_PG_PORT', 'PGHA_USER', 'PGHA_INIT', 'PATRONI_POSTGRESQL_DATA_DIR', 'PGBACKREST_STANZA', 'PGHA_PGBACKREST_LOCAL_S3_STORAGE', 'PGHA_DATABASE', 'PGHA_CRUNCHYADM', 'PGHA_REPLICA_REINIT_ON_START_FAIL', 'PGHA_SYNC_REPLICATION', 'PATRONI_KUBERNETES_NAMESPACE', 'PATRONI_SCOPE', 'PGHOST'];
    const positions = order.map((n) => names.indexOf(n));
    assert.ok(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])), names.join(', '));
  });

  test('a repository on S3 gives the database and repo containers the S3 settings, keys referenced in the repo Secret', async () => {
    const env = envOf(await podSpec('clouded'));
    assert.deepEqual(
      [env.PGBACKREST_REPO1_S3_BUCKET, env.PGBACKREST_REPO1_S3_ENDPOINT, env.PGBACKREST_REPO1_S3_REGION, env.PGBACKREST_REPO1_S3_CA_FILE, env.PGBACKREST_REPO1_HOST_CMD],
      ['bucket', 's3.example.com', 'us-east-1', '/sshd/aws-s3-ca.crt', '/usr/local/bin/archive-push-s3.sh'],
    );
    assert.deepEqual(plain(env.PGBACKREST_REPO1_S3_KEY), { secretKeyRef: { name: 'clouded-backrest-repo-config', key: 'aws-s3-key', optional: true } });
    assert.deepEqual(plain(env.PGBACKREST_REPO1_S3_KEY_SECRET), { secretKeyRef: { name: 'clouded-backrest-repo-config', key: 'aws-s3-key-secret', optional: true } });
    assert.deepEqual([env.PGBACKREST_REPO_TYPE, env.PGHA_PGBACKREST_LOCAL_S3_STORAGE], ['posix', 'true'], 'local,s3 keeps a posix repository and pushes to S3 as well');
    assert.equal(envOf(await podSpec('clouded-backrest-shared-repo')).PGBACKREST_REPO1_S3_BUCKET, 'bucket');
  });

  test('a repo Secret that holds the S3 keys only in aws-s3-credentials.yaml gets them as keys of their own', async () => {
    const yamlOnly = Buffer.from('aws-s3-key: AKIALEGACY\naws-s3-key-secret: legacy/secret\n').toString('base64');
    await core.replaceNamespacedSecret({ namespace: NS, name: 'clouded-backrest-repo-config', body: { metadata: { name: 'clouded-backrest-repo-config', labels: { 'pg-cluster': 'clouded' } }, data: { 'aws-s3-credentials.yaml': yamlOnly } } });
    const secret = await until(async () => {
      const s = await core.readNamespacedSecret({ namespace: NS, name: 'clouded-backrest-repo-config' });
      return s.data?.['aws-s3-key'] ? s : undefined;
    }, 'the split S3 keys');
    assert.deepEqual([secret.data?.['aws-s3-key'], secret.data?.['aws-s3-key-secret']].map((v) => Buffer.from(String(v), 'base64').toString()), ['AKIALEGACY', 'legacy/secret']);
  });

  test('metrics add the crunchy-collect sidecar reading the collect Secret', async () => {
    const spec = await podSpec('watched');
    const collect = container(spec, 'collect');
    assert.match(String(collect?.image), /\/crunchy-collect:/);
    assert.deepEqual(collect?.ports?.map((p) => p.containerPort), [9187]);
    assert.deepEqual([envOf(spec, 'collect').COLLECT_PG_HOST, envOf(spec, 'collect').COLLECT_PG_PORT, envOf(spec, 'collect').JOB_NAME, envOf(spec, 'collect').POSTGRES_EXPORTER_PORT], ['127.0.0.1', '5432', 'watched', '9187']);
    assert.deepEqual(plain(collect?.volumeMounts), [{ name: 'collect-volume', mountPath: '/collect-pguser' }]);
    assert.deepEqual(volume(spec, 'collect-volume'), { name: 'collect-volume', secret: { secretName: 'watched-collect-secret' } });
    assert.deepEqual(plain(envOf(spec).PGMONITOR_PASSWORD), { secretKeyRef: { name: 'watched-collect-secret', key: 'password' } });
  });

  test('metrics create the collect Secret for the ccp_monitoring user', async () => {
    const secret = await until(() => core.readNamespacedSecret({ namespace: NS, name: 'watched-collect-secret' }).catch(() => undefined), 'the collect Secret');
    assert.equal(Buffer.from(String(secret.data?.username), 'base64').toString(), 'ccp_monitoring');
    assert.ok(Buffer.from(String(secret.data?.password), 'base64').toString().length > 0);
    assert.deepEqual([secret.metadata?.labels?.['pg-cluster'], secret.metadata?.labels?.vendor, secret.metadata?.ownerReferences], ['watched', 'crunchydata', undefined]);
  });

  test('without metrics there is no collect sidecar, no collect Secret and no monitoring password', async () => {
    const spec = await podSpec('plain');
    assert.equal(container(spec, 'collect'), undefined);
    assert.deepEqual(volume(spec, 'collect-volume'), { name: 'collect-volume', emptyDir: {} });
    assert.equal(envOf(spec).PGMONITOR_PASSWORD, undefined);
    await assert.rejects(core.readNamespacedSecret({ namespace: NS, name: 'plain-collect-secret' }), (e: { code?: number }) => e.code === 404);
  });

  test('pgBadger adds its sidecar reporting on the instance, reading its data read-only', async () => {
    const spec = await podSpec('watched');
    const badger = container(spec, 'pgbadger');
    assert.match(String(badger?.image), /\/crunchy-pgbadger:/);
    assert.deepEqual([envOf(spec, 'pgbadger').BADGER_TARGET, envOf(spec, 'pgbadger').PGBADGER_SERVICE_PORT], ['watched', '10000']);
    assert.deepEqual(badger?.readinessProbe?.tcpSocket?.port, 10000);
    assert.deepEqual(badger?.volumeMounts?.map((m) => [m.name, m.mountPath, m.readOnly]), [['pgdata', '/pgdata', true], ['report', '/report', false]]);
    assert.equal(container(await podSpec('plain'), 'pgbadger'), undefined);
  });

  test('the pod has dshm, pgwal and the other memory volumes of 4.2.4, mounted in the database container', async () => {
    const spec = await podSpec('plain');
    for (const name of ['dshm', 'pgwal-volume', 'recover-volume', 'report', 'backrestrepo']) assert.deepEqual(volume(spec, name), { name, emptyDir: { medium: 'Memory' } }, name);
    assert.deepEqual(['dshm', 'pgwal-volume', 'recover-volume', 'backrestrepo', 'crunchyadm'].map((n) => mountOf(spec, n)), ['/dev/shm', '/pgwal', '/recover', '/backrestrepo', '/crunchyadm']);
  });

  test('/pgconf projects the Patroni defaults, optionally', async () => {
    const spec = await podSpec('plain');
    assert.deepEqual(volume(spec, 'pgconf-volume'), { name: 'pgconf-volume', projected: { sources: [{ configMap: { name: 'plain-pgha-default-config', optional: true } }] } });
    assert.equal(mountOf(spec, 'pgconf-volume'), '/pgconf');
    assert.deepEqual(['user-volume', 'primary-volume', 'root-volume'].map((n) => mountOf(spec, n)), ['/pgconf/pguser', '/pgconf/pgreplicator', '/pgconf/pgsuper']);
  });

  test('/pgconf projects the cluster\'s custom configuration before the Patroni defaults', async () => {
    const sources = (volume(await podSpec('tuned'), 'pgconf-volume') as { projected: { sources: { configMap: { name: string } }[] } }).projected.sources;
    assert.deepEqual(sources.map((s) => s.configMap.name), ['tuned', 'tuned-pgha-default-config']);
  });

  test('the primary prefers nodes with the cluster\'s node label', async () => {
    const spec = await podSpec('placed');
    assert.deepEqual(plain(spec.affinity?.nodeAffinity), {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disktype', operator: 'In', values: ['ssd'] }] } }],
    });
  });

  test('a replica without a node label of its own avoids the primary\'s', async () => {
    const spec = await replicaPodSpec('placed');
    assert.deepEqual(plain(spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.preference.matchExpressions?.[0]), { key: 'disktype', operator: 'NotIn', values: ['ssd'] });
  });

  test('required pod anti-affinity keeps the cluster\'s pods on different hosts', async () => {
    const spec = await podSpec('placed');
    const [term] = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    assert.equal(term?.topologyKey, 'kubernetes.io/hostname');
    assert.deepEqual(plain(term?.labelSelector?.matchExpressions), [
      { key: 'vendor', operator: 'In', values: ['crunchydata'] },
      { key: 'pg-pod-anti-affinity', operator: 'Exists' },
      { key: 'pg-cluster', operator: 'In', values: ['placed'] },
    ]);
    assert.equal((await apps.readNamespacedDeployment({ namespace: NS, name: 'placed' })).spec?.template.metadata?.labels?.['pg-pod-anti-affinity'], 'required');
  });

  test('pod anti-affinity is preferred by default and absent when disabled', async () => {
    const preferred = (await podSpec('plain')).affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    assert.equal(preferred?.[0]?.weight, 1);
    assert.equal(preferred?.[0]?.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.equal((await podSpec('plain')).affinity?.nodeAffinity, undefined, 'no node label, no node affinity');
    assert.equal((await podSpec('tuned')).affinity, undefined);
  });

  test('a replica Deployment has the same contract without PGHA_INIT', async () => {
    const spec = await replicaPodSpec('plain');
    const env = envOf(spec);
    assert.equal(env.PGHA_INIT, undefined);
    assert.equal(env.ENABLE_SSHD, 'true');
    assert.match(String(env.PGBACKREST_DB_PATH), /^\/pgdata\/plain-[a-z]{4}$/);
    assert.deepEqual(volume(spec, 'dshm'), { name: 'dshm', emptyDir: { medium: 'Memory' } });
    assert.equal(volume(spec, 'pgconf-volume')?.projected !== undefined, true);
    assert.equal(spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.weight, 1);
  });

  test('the pod restarts always, resolves names cluster-first, and the Deployment rolls one pod at a time', async () => {
    const d = await until(() => apps.readNamespacedDeployment({ namespace: NS, name: 'plain' }).catch(() => undefined), 'plain');
    assert.deepEqual([d.spec?.template.spec?.restartPolicy, d.spec?.template.spec?.dnsPolicy, d.spec?.template.spec?.serviceAccountName], ['Always', 'ClusterFirst', 'pgo-pg']);
    assert.deepEqual(plain(d.spec?.strategy), { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } });
    assert.deepEqual(plain(d.spec?.template.spec?.securityContext), { fsGroup: 26 });
  });
});
