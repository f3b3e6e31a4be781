/**
 * The Kubernetes objects the 4.2.4 operator rendered from its templates (reference §6), built as
 * plain objects. Names, labels, selectors, ports and the essential environment are 4.2.4's;
 * ownerReferences are added by the callers.
 */
import { createHash } from 'node:crypto';
import { LABELS, VENDOR } from '../src/domain/constants.js';
import type { PgContainerResources, Pgcluster, PgStorageSpec } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import type { PgoSettings } from '../src/domain/settings.js';
import type { KubeObject } from '../src/kube/resources.js';
import { affinity, badgerContainer, collectContainer, DATABASE_MOUNTS, databaseVolumes, pgbackrestEnv, pgbackrestS3Env, pgmonitorEnv, podAntiAffinity, primaryNodeRule, REPLICA_REINIT_ON_START_FAIL, securityContext } from './database-pod.js';
import type { NodeLabelRule } from './database-pod.js';

export const PATRONI_PORT = 8009;
export const SSHD_PORT = 2022;

function labelsOk(key: string, value: string): boolean {
  return /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key) && /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/.test(value);
}

/**
 * User labels that may be Kubernetes labels. 4.2.4 copied `pgbouncer-password` too, publishing a
 * password in labels (reference §11); it stays in the spec only.
 */
export function validUserLabels(userlabels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(userlabels ?? {})) if (k !== 'pgbouncer-password' && labelsOk(k, v)) out[k] = v;
  return out;
}

export function pvc(namespace: string, cluster: string, name: string, storage: PgStorageSpec): KubeObject | undefined {
  if (storage.storagetype === 'existing' || storage.storagetype === 'emptydir') return undefined;
  const spec: Record<string, unknown> = { accessModes: [storage.accessmode || 'ReadWriteOnce'], resources: { requests: { storage: storage.size || '1G' } } };
  if (storage.storagetype === 'dynamic' && storage.storageclass) spec.storageClassName = storage.storageclass;
  if (storage.storagetype === 'create' && storage.matchLabels?.includes('=')) {
    const [k, v] = storage.matchLabels.split('=');
    spec.selector = { matchLabels: { [k]: v } };
  }
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace, labels: { [LABELS.vendor]: VENDOR, [LABELS.pgremove]: 'true', [LABELS.pgCluster]: cluster } }, spec };
}

export function service(namespace: string, cluster: string, name: string, type: string, ports: { name: string; port: number }[], extraLabels: Record<string, string> = {}): KubeObject {
  const selector = name === cluster ? { [LABELS.pgCluster]: cluster, [LABELS.role]: 'master' } : name === names.replicaService(cluster) ? { [LABELS.pgCluster]: cluster, [LABELS.role]: 'replica' } : { [LABELS.serviceName]: name };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { [LABELS.vendor]: VENDOR, [LABELS.pgCluster]: cluster, [LABELS.name]: name, ...extraLabels } },
    spec: { type, selector, sessionAffinity: 'None', ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' })) },
  };
}

export function clusterPorts(cluster: Pgcluster, all: boolean): { name: string; port: number }[] {
  const ports = [{ name: 'postgres', port: Number(cluster.spec.port) || 5432 }];
  // 4.2.4 rendered disabled ports as an invalid Service (reference §11): only enabled ones here.
  if (all || cluster.metadata.labels?.[LABELS.badger] === 'true') ports.push({ name: 'pgbadger', port: Number(cluster.spec.pgbadgerport) || 10000 });
  ports.push({ name: 'sshd', port: SSHD_PORT });
  if (all || cluster.spec.userlabels?.crunchy_collect === 'true') ports.push({ name: 'postgres-exporter', port: Number(cluster.spec.exporterport) || 9187 });
  return ports;
}

export function pghaConfigMap(cluster: Pgcluster, settings: PgoSettings): KubeObject {
  const name = cluster.metadata.name;
  const archiveTimeout = cluster.spec.userlabels?.['archive-timeout'] || settings.archiveTimeout;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-pgha-default-config`, namespace: cluster.metadata.namespace, labels: { [LABELS.vendor]: VENDOR, [LABELS.pgCluster]: name, 'pgha-default-config': 'true' } },
    data: {
      init: 'true',
      'postgres-ha.yaml': `---\nbootstrap:\n  dcs:\n    postgresql:\n      parameters:\n        archive_timeout: ${archiveTimeout}\n        log_min_duration_statement: 60000\n        log_statement: none\n  initdb:\n  - encoding: UTF8\n`,
    },
  };
}

/** Kubernetes resources from a 4.2.4 resources spec: all four values, or nothing. */
export function containerResources(r: PgContainerResources | undefined): { requests: { memory: string; cpu: string }; limits: { memory: string; cpu: string } } | undefined {
  if (!r || !r.requestsmemory || !r.requestscpu || !r.limitsmemory || !r.limitscpu) return undefined;
  return { requests: { memory: r.requestsmemory, cpu: r.requestscpu }, limits: { memory: r.limitsmemory, cpu: r.limitscpu } };
}

interface PgDeploymentInput {
  cluster: Pgcluster;
  name: string;
  pvcName: string | undefined;
  storage: PgStorageSpec;
  imageTag: string;
  labels: Record<string, string>;
  settings: PgoSettings;
  init: boolean;
  /** The instance's own resources (a replica's), else the cluster's. */
  resources?: PgContainerResources;
  /** The node-label preference; the primary's (the cluster's label, `In`) unless given. */
  nodeRule?: NodeLabelRule;
  /** The existing custom configuration ConfigMap projected into `/pgconf` (instance-lookups.ts). */
  customConfig?: string;
  /** The S3 keys of the repo Secret, when the repository is on S3 (instance-lookups.ts). */
}

export function pgDeployment(input: PgDeploymentInput): KubeObject {
  const { cluster, name, settings } = input;
  const ns = cluster.metadata.namespace;
  const clusterName = cluster.spec.clustername || cluster.metadata.name;
  const podLabels = { [LABELS.name]: name, [LABELS.vendor]: VENDOR, [LABELS.pgDatabase]: 'true', ...input.labels };
  const selector = { [LABELS.vendor]: VENDOR, ...input.labels };
  const env = [
    { name: 'PGHA_PG_PORT', value: cluster.spec.port },
    { name: 'PGHA_USER', value: 'postgres' },
    ...(input.init ? [{ name: 'PGHA_INIT', valueFrom: { configMapKeyRef: { name: `${clusterName}-pgha-default-config`, key: 'init' } } }] : []),
    { name: 'PATRONI_POSTGRESQL_DATA_DIR', value: `/pgdata/${name}` },
    ...pgmonitorEnv(cluster),
    ...pgbackrestEnv(cluster, name),
    ...pgbackrestS3Env(cluster, settings),
    { name: 'PGHA_DATABASE', value: cluster.spec.database },
    { name: 'PGHA_CRUNCHYADM', value: 'true' },
    { name: 'PGHA_REPLICA_REINIT_ON_START_FAIL', value: String(REPLICA_REINIT_ON_START_FAIL) },
    { name: 'PGHA_SYNC_REPLICATION', value: String(cluster.spec.syncReplication ?? settings.syncReplication) },
    { name: 'PATRONI_KUBERNETES_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'PATRONI_KUBERNETES_SCOPE_LABEL', value: LABELS.pghaScope },
    { name: 'PATRONI_SCOPE', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${LABELS.pghaScope}']` } } },
    { name: 'PATRONI_KUBERNETES_LABELS', value: `{${LABELS.vendor}: "${VENDOR}"}` },
    { name: 'PATRONI_LOG_LEVEL', value: 'INFO' },
    { name: 'PGHOST', value: '/tmp' },
  ];
  const resources = containerResources(input.resources ?? cluster.spec.ContainerResources);
  const sidecars = [collectContainer(cluster, settings), badgerContainer(cluster, settings, name)].filter((c) => c !== undefined);
  const podAffinity = affinity(input.nodeRule ?? primaryNodeRule(cluster), podAntiAffinity(cluster, settings));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { [LABELS.vendor]: VENDOR, [LABELS.pgDatabase]: 'true', ...input.labels } },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: podLabels },
        spec: {
          securityContext: securityContext(input.storage),
          serviceAccountName: 'pgo-pg',
          containers: [
            {
              name: 'database',
              image: `${settings.ccpImagePrefix}/${cluster.spec.ccpimage || 'crunchy-postgres-ha'}:${input.imageTag}`,
              readinessProbe: { exec: { command: ['/opt/cpm/bin/pgha-readiness.sh'] }, initialDelaySeconds: 15 },
              livenessProbe: { exec: { command: ['/opt/cpm/bin/pgha-liveness.sh'] }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 10 },
              env,
              ...(resources ? { resources } : {}),
              volumeMounts: [{ name: 'pgdata', mountPath: '/pgdata', readOnly: false }, ...DATABASE_MOUNTS],
              ports: [{ containerPort: 5432, name: 'postgres', protocol: 'TCP' }, { containerPort: PATRONI_PORT, name: 'patroni', protocol: 'TCP' }],
              imagePullPolicy: 'IfNotPresent',
            },
            ...sidecars,
          ],
          volumes: [input.pvcName ? { name: 'pgdata', persistentVolumeClaim: { claimName: input.pvcName } } : { name: 'pgdata', emptyDir: {} }, ...databaseVolumes(cluster, input.customConfig)],
          ...(podAffinity ? { affinity: podAffinity } : {}),
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
    },
  };
}

/** The Service in front of a cluster's pgBackRest repository (sshd on 2022). */
export function repoService(namespace: string, cluster: string): KubeObject {
  return service(namespace, cluster, names.repoDeployment(cluster), 'ClusterIP', [{ name: '', port: 2022 }], { [LABELS.backrestRepo]: 'true' });
}

export function repoDeployment(cluster: Pgcluster, settings: PgoSettings): KubeObject {
  const clusterName = cluster.metadata.name;
  const name = names.repoDeployment(clusterName);
  const labels = { [LABELS.name]: name, [LABELS.pgCluster]: clusterName, [LABELS.serviceName]: name, [LABELS.vendor]: VENDOR, [LABELS.backrestRepo]: 'true' };
  const podLabels = { ...labels, [LABELS.podAntiAffinity]: cluster.spec.podPodAntiAffinity ?? '' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: cluster.metadata.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          securityContext: securityContext(cluster.spec.PrimaryStorage),
          serviceAccountName: 'pgo-default',
          containers: [
            {
              name: 'database',
              image: `${settings.pgoImagePrefix}/pgo-backrest-repo:${settings.pgoImageTag}`,
              ports: [{ containerPort: SSHD_PORT, protocol: 'TCP' }],
              env: [
                ...pgbackrestS3Env(cluster, settings),
                { name: 'PGBACKREST_STANZA', value: 'db' },
                { name: 'SSHD_PORT', value: String(SSHD_PORT) },
                { name: 'PGBACKREST_DB_PATH', value: `/pgdata/${clusterName}` },
                { name: 'PGBACKREST_REPO_PATH', value: `/backrestrepo/${name}` },
                { name: 'PGBACKREST_PG1_PORT', value: cluster.spec.port },
                { name: 'PGBACKREST_LOG_PATH', value: '/tmp' },
                { name: 'PGBACKREST_PG1_SOCKET_PATH', value: '/tmp' },
                { name: 'PGBACKREST_DB_HOST', value: clusterName },
              ],
              volumeMounts: [
                { name: 'sshd', mountPath: '/sshd', readOnly: true },
                { name: 'backrestrepo', mountPath: '/backrestrepo' },
              ],
            },
          ],
          volumes: [
            { name: 'sshd', secret: { secretName: names.backrestRepoSecret(clusterName), defaultMode: 511 } },
            { name: 'backrestrepo', persistentVolumeClaim: { claimName: `${clusterName}-pgbr-repo` } },
          ],
          ...antiAffinityOnly(cluster, settings),
        },
      },
    },
  };
}

/** The repo and pgBouncer pods keep apart from the cluster's other pods, wherever its nodes are. */
function antiAffinityOnly(cluster: Pgcluster, settings: PgoSettings): { affinity?: Record<string, unknown> } {
  const podAffinity = affinity(undefined, podAntiAffinity(cluster, settings));
  return podAffinity ? { affinity: podAffinity } : {};
}

/** A variable read from a Secret's key. */
export interface SecretEnv {
  name: string;
  secret: string;
  key: string;
}

/** A volume a Job's container mounts: a PersistentVolumeClaim, a Secret, a ConfigMap, or (none) an emptyDir. */
export interface JobVolume {
  name: string;
  mountPath: string;
  claim?: string;
  secret?: string;
  configMap?: string;
  readOnly?: boolean;
}

export interface JobInput {
  namespace: string;
  name: string;
  cluster: string;
  image: string;
  serviceAccount: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  secretEnv?: SecretEnv[];
  volumes?: JobVolume[];
  command?: string[];
  annotations?: Record<string, string>;
  /** Labels on the pod only, beside the Job's. */
  podLabels?: Record<string, string>;
  /** 4.2.4 gave most Jobs 0 (one try); the pg_restore Job kept Kubernetes' default. */
  backoffLimit?: number;
}

export function job(input: JobInput): KubeObject {
  const labels = { [LABELS.vendor]: VENDOR, [LABELS.pgCluster]: input.cluster, ...input.labels };
  const volumes = input.volumes ?? [];
  const container: Record<string, unknown> = {
    name: 'job',
    image: input.image,
    ...(input.command ? { command: input.command } : {}),
    env: [...Object.entries(input.env).map(([name, value]) => ({ name, value })), ...(input.secretEnv ?? []).map((e) => secretEnv(e.name, e.secret, e.key))],
  };
  if (volumes.length > 0) container.volumeMounts = volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}) }));
  const podSpec: Record<string, unknown> = { serviceAccountName: input.serviceAccount, restartPolicy: 'Never', containers: [container] };
  if (volumes.length > 0) podSpec.volumes = volumes.map(podVolume);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: input.namespace, labels, ...(input.annotations ? { annotations: input.annotations } : {}) },
    spec: {
      backoffLimit: input.backoffLimit ?? 0,
      template: { metadata: { labels: { ...labels, ...input.podLabels } }, spec: podSpec },
    },
  };
}

function podVolume(v: JobVolume): Record<string, unknown> {
  if (v.claim !== undefined) return { name: v.name, persistentVolumeClaim: { claimName: v.claim, ...(v.readOnly ? { readOnly: true } : {}) } };
  if (v.secret !== undefined) return { name: v.name, secret: { secretName: v.secret, defaultMode: 511 } };
  if (v.configMap !== undefined) return { name: v.name, configMap: { name: v.configMap } };
  return { name: v.name, emptyDir: {} };
}

/** A pgBackRest restore Job's volumes: the target PVC, and the repository's SSH Secret of the cluster whose repository it reads. */
export function restoreVolumes(toPvc: string, repoCluster: string): JobVolume[] {
  return [
    { name: 'pgdata', mountPath: '/pgdata', claim: toPvc },
    { name: 'sshd', mountPath: '/sshd', secret: names.backrestRepoSecret(repoCluster), readOnly: true },
  ];
}

/** An environment variable read from a Secret's key. */
export const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

export interface PsqlJobInput {
  name: string;
  labels: Record<string, string>;
  /** Plain variables beside the connection ones (the SQL, a URL …). */
  env?: Record<string, string>;
  /** Variables from Secrets, beside PGPASSWORD. */
  secretEnv?: SecretEnv[];
  volumes?: JobVolume[];
  /** Log in with this Secret's `username` and `password` instead of as postgres. */
  userSecret?: string;
  /** The database PGDATABASE names; postgres by default. */
  database?: string;
  /** The bash script that runs psql; PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD already reach the primary. */
  script: string;
}

/** A Job that runs psql (as postgres unless told otherwise) against the cluster's primary Service, in the cluster's own image. */
export function primaryPsqlJob(cluster: Pgcluster, settings: PgoSettings, input: PsqlJobInput): KubeObject {
  return job({
    namespace: cluster.metadata.namespace ?? '',
    name: input.name,
    cluster: cluster.metadata.name,
    image: `${settings.ccpImagePrefix}/${cluster.spec.ccpimage || 'crunchy-postgres-ha'}:${cluster.spec.ccpimagetag}`,
    serviceAccount: 'pgo-default',
    labels: input.labels,
    env: { PGHOST: cluster.metadata.name, PGPORT: cluster.spec.port, PGDATABASE: input.database ?? 'postgres', ...(input.userSecret ? {} : { PGUSER: 'postgres' }), ...input.env },
    secretEnv: [
      ...(input.userSecret ? [{ name: 'PGUSER', secret: input.userSecret, key: 'username' }] : []),
      { name: 'PGPASSWORD', secret: input.userSecret ?? (cluster.spec.rootsecretname || names.rootSecret(cluster.metadata.name)), key: 'password' },
      ...(input.secretEnv ?? []),
    ],
    ...(input.volumes ? { volumes: input.volumes } : {}),
    command: ['bash', '-ceu', input.script],
  });
}

export interface PgbouncerCredentials {
  username: string;
  password: string;
}

/** The pgBouncer Secret of reference §6.5: credentials, pgbouncer.ini, pg_hba.conf, users.txt. */
export function pgbouncerSecret(cluster: Pgcluster, credentials: PgbouncerCredentials): KubeObject {
  const name = cluster.metadata.name;
  const { username, password } = credentials;
  const md5 = createHash('md5').update(password + username).digest('hex');
  const ini = [
    '[databases]',
    `* = host=${name} port=${cluster.spec.port} auth_user=${username}`,
    '',
    '[pgbouncer]',
    'listen_addr = *',
    'listen_port = 5432',
    'unix_socket_dir =',
    'pidfile = /tmp/pgbouncer.pid',
    'logfile = /dev/stdout',
    'auth_type = md5',
    'auth_file = /pgconf/users.txt',
    'auth_query = SELECT username, password from pgbouncer.get_auth($1)',
    `admin_users = ${username}`,
    `stats_users = ${username}`,
    'pool_mode = session',
    'max_client_conn = 100',
    'max_db_connections = 0',
    'default_pool_size = 20',
    'min_pool_size = 0',
    'reserve_pool_size = 0',
    'reserve_pool_timeout = 5',
    'query_timeout = 0',
    'ignore_startup_parameters = extra_float_digits',
    '',
  ].join('\n');
  const data = { username, password, 'pgbouncer.ini': ini, 'pg_hba.conf': 'host all all 0.0.0.0/0 md5\n', 'users.txt': `"${username}" "md5${md5}"\n` };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${name}-pgbouncer-secret`, namespace: cluster.metadata.namespace, labels: { [LABELS.pgCluster]: name, [LABELS.pgbouncer]: 'true', [LABELS.vendor]: VENDOR } },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export function pgbouncerDeployment(cluster: Pgcluster, settings: PgoSettings): KubeObject {
  const clusterName = cluster.metadata.name;
  const name = names.pgbouncer(clusterName);
  const labels = { [LABELS.name]: name, [LABELS.pgbouncer]: 'true', [LABELS.pgCluster]: clusterName, [LABELS.serviceName]: name, [LABELS.vendor]: VENDOR };
  const podLabels = { ...labels, [LABELS.podAntiAffinity]: cluster.spec.podPodAntiAffinity ?? '' };
  const secret = `${clusterName}-pgbouncer-secret`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: cluster.metadata.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: 'pgo-default',
          containers: [
            {
              name: 'pgbouncer',
              image: `${settings.ccpImagePrefix}/crunchy-pgbouncer:${cluster.spec.ccpimagetag}`,
              ports: [{ containerPort: Number(settings.port), protocol: 'TCP' }],
              env: [
                { name: 'PG_USERNAME', valueFrom: { secretKeyRef: { name: secret, key: 'username' } } },
                { name: 'PG_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
                { name: 'PG_PRIMARY_SERVICE_NAME', value: clusterName },
                { name: 'PG_REPLICA_SERVICE_NAME', value: names.replicaService(clusterName) },
              ],
              volumeMounts: [{ name: 'pgconf', mountPath: '/pgconf/', readOnly: true }],
            },
          ],
          volumes: [{ name: 'pgconf', secret: { secretName: secret, defaultMode: 511 } }],
          ...antiAffinityOnly(cluster, settings),
        },
      },
    },
  };
}
