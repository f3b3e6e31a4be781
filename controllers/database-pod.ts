/**
 * The parts of 4.2.4's database pod (reference §6.1, §6.9) beyond the database container's own
 * basics: the metrics and pgBadger sidecars, the pgBackRest and S3 environment, the volumes and
 * the affinity. Pure functions of the cluster; what must be looked up in the namespace first (the
 * custom config ConfigMap, the S3 credentials) is found by instance-lookups.ts.
 */
import { S3_KEY_KEY, S3_KEY_SECRET_KEY } from '../src/domain/backrest-repo-secret.js';
import { LABELS, USER_LABELS } from '../src/domain/constants.js';
import type { Pgcluster } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import type { PgoSettings } from '../src/domain/settings.js';

/** The user that crunchy-collect logs in as (4.2.4's `LABEL_COLLECT_PG_USER`). */
export const COLLECT_USER = 'ccp_monitoring';
/** 4.2.4's weight for the node-label preference. */
export const NODE_AFFINITY_WEIGHT = 10;
/** 4.2.4's weight for the preferred pod anti-affinity. */
export const POD_ANTI_AFFINITY_WEIGHT = 1;
export const HOSTNAME_TOPOLOGY_KEY = 'kubernetes.io/hostname';
/** pgo.yaml `DisableReplicaStartFailReinit`, which 4.2.4 shipped off: a replica that fails to start is reinitialised. */
export const REPLICA_REINIT_ON_START_FAIL = true;
export const S3_CA_FILE = '/sshd/aws-s3-ca.crt';
export const S3_ARCHIVE_PUSH_COMMAND = '/usr/local/bin/archive-push-s3.sh';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

/** A preference for nodes by one label: `In` for the instance's own label, `NotIn` to avoid the primary's. */
export interface NodeLabelRule {
  key: string;
  value: string;
  operator: 'In' | 'NotIn';
}

export const metricsEnabled = (cluster: Pgcluster): boolean => cluster.spec.userlabels?.[USER_LABELS.collect] === 'true';
export const badgerEnabled = (cluster: Pgcluster): boolean => cluster.metadata.labels?.[LABELS.badger] === 'true';
const backrestEnabled = (cluster: Pgcluster): boolean => cluster.metadata.labels?.[LABELS.backrest] === 'true';
const backrestStorageType = (cluster: Pgcluster): string => cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] ?? '';
export const usesS3 = (cluster: Pgcluster): boolean => backrestEnabled(cluster) && backrestStorageType(cluster).includes('s3');

const env = (name: string, value: string): EnvVar => ({ name, value });

/** The collect Secret is the one source of the monitoring password: the database container reads it too. */
export function pgmonitorEnv(cluster: Pgcluster): EnvVar[] {
  if (!metricsEnabled(cluster)) return [];
  return [{ name: 'PGMONITOR_PASSWORD', valueFrom: { secretKeyRef: { name: collectSecretName(cluster), key: 'password' } } }];
}

export function collectSecretName(cluster: Pgcluster): string {
  return cluster.spec.collectSecretName || names.collectSecret(cluster.metadata.name);
}

/** `PGBACKREST_*` of an instance: its repository is the cluster's shared repo, its data `/pgdata/<deployment>`. */
export function pgbackrestEnv(cluster: Pgcluster, deployment: string): EnvVar[] {
  if (!backrestEnabled(cluster)) return [];
  const clusterName = cluster.spec.clustername || cluster.metadata.name;
  const type = backrestStorageType(cluster);
  return [
    env('PGBACKREST_STANZA', 'db'),
    env('PGBACKREST_REPO1_HOST', names.repoDeployment(clusterName)),
    env('BACKREST_SKIP_CREATE_STANZA', 'true'),
    env('PGHA_PGBACKREST', 'true'),
    env('PGBACKREST_REPO1_PATH', `/backrestrepo/${names.repoDeployment(clusterName)}`),
    env('PGBACKREST_DB_PATH', `/pgdata/${deployment}`),
    env('ENABLE_SSHD', 'true'),
    env('PGBACKREST_LOG_PATH', '/tmp'),
    env('PGBACKREST_PG1_SOCKET_PATH', '/tmp'),
    env('PGBACKREST_PG1_PORT', cluster.spec.port),
    // Only a repository on S3 alone is of type s3; `local,s3` keeps a posix repo and pushes to S3 as well.
    env('PGBACKREST_REPO_TYPE', type === 's3' ? 's3' : 'posix'),
    env('PGHA_PGBACKREST_LOCAL_S3_STORAGE', String(type.includes('local') && type.includes('s3'))),
  ];
}

/** The S3 settings: bucket, endpoint and region from the cluster else pgo.yaml; the keys referenced in the repo Secret. */
export function pgbackrestS3Env(cluster: Pgcluster, settings: PgoSettings): EnvVar[] {
  if (!usesS3(cluster)) return [];
  const fromRepoSecret = (name: string, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: names.backrestRepoSecret(cluster.metadata.name), key, optional: true } } });
  return [
    env('PGBACKREST_REPO1_S3_BUCKET', cluster.spec.backrestS3Bucket || settings.backrestS3Bucket),
    env('PGBACKREST_REPO1_S3_ENDPOINT', cluster.spec.backrestS3Endpoint || settings.backrestS3Endpoint),
    env('PGBACKREST_REPO1_S3_REGION', cluster.spec.backrestS3Region || settings.backrestS3Region),
    fromRepoSecret('PGBACKREST_REPO1_S3_KEY', S3_KEY_KEY),
    fromRepoSecret('PGBACKREST_REPO1_S3_KEY_SECRET', S3_KEY_SECRET_KEY),
    env('PGBACKREST_REPO1_S3_CA_FILE', S3_CA_FILE),
    env('PGBACKREST_REPO1_HOST_CMD', S3_ARCHIVE_PUSH_COMMAND),
  ];
}

/** The crunchy-collect sidecar (metrics on): postgres_exporter against the local server. */
export function collectContainer(cluster: Pgcluster, settings: PgoSettings): Record<string, unknown> | undefined {
  if (!metricsEnabled(cluster)) return undefined;
  const port = Number(cluster.spec.exporterport || settings.exporterPort);
  return {
    name: 'collect',
    image: `${settings.ccpImagePrefix}/crunchy-collect:${cluster.spec.ccpimagetag}`,
    ports: [{ containerPort: port, protocol: 'TCP' }],
    env: [
      env('COLLECT_PG_HOST', '127.0.0.1'),
      env('COLLECT_PG_PORT', cluster.spec.port),
      env('COLLECT_PG_DATABASE', 'postgres'),
      env('COLLECT_PG_PARAMS', 'sslmode=disable'),
      env('JOB_NAME', cluster.metadata.name),
      env('POSTGRES_EXPORTER_PORT', String(port)),
    ],
    volumeMounts: [{ name: 'collect-volume', mountPath: '/collect-pguser' }],
  };
}

/** The crunchy-pgbadger sidecar (pgBadger on): reports on the instance's logs, read-only. */
export function badgerContainer(cluster: Pgcluster, settings: PgoSettings, deployment: string): Record<string, unknown> | undefined {
  if (!badgerEnabled(cluster)) return undefined;
  const port = Number(cluster.spec.pgbadgerport || settings.pgBadgerPort);
  return {
    name: 'pgbadger',
    image: `${settings.ccpImagePrefix}/crunchy-pgbadger:${cluster.spec.ccpimagetag}`,
    ports: [{ containerPort: port, protocol: 'TCP' }],
    readinessProbe: { tcpSocket: { port }, initialDelaySeconds: 20, periodSeconds: 10 },
    env: [env('BADGER_TARGET', deployment), env('PGBADGER_SERVICE_PORT', String(port))],
    volumeMounts: [
      { name: 'pgdata', mountPath: '/pgdata', readOnly: true },
      { name: 'report', mountPath: '/report', readOnly: false },
    ],
  };
}

const memory = { emptyDir: { medium: 'Memory' } };

/** The database container's mounts beside `/pgdata`, in 4.2.4's order. */
export const DATABASE_MOUNTS = [
  { name: 'backrestrepo', mountPath: '/backrestrepo' },
  { name: 'user-volume', mountPath: '/pgconf/pguser' },
  { name: 'primary-volume', mountPath: '/pgconf/pgreplicator' },
  { name: 'root-volume', mountPath: '/pgconf/pgsuper' },
  { name: 'pgwal-volume', mountPath: '/pgwal' },
  { name: 'sshd', mountPath: '/sshd', readOnly: true },
  { name: 'pgconf-volume', mountPath: '/pgconf' },
  { name: 'recover-volume', mountPath: '/recover' },
  { name: 'dshm', mountPath: '/dev/shm' },
  { name: 'crunchyadm', mountPath: '/crunchyadm' },
];

/** The pod's volumes beside `pgdata`, in 4.2.4's order. `/pgconf` projects the custom config and the Patroni defaults. */
export function databaseVolumes(cluster: Pgcluster, customConfig: string | undefined): Record<string, unknown>[] {
  const clusterName = cluster.spec.clustername || cluster.metadata.name;
  return [
    { name: 'user-volume', secret: { secretName: cluster.spec.usersecretname } },
    { name: 'primary-volume', secret: { secretName: cluster.spec.primarysecretname } },
    { name: 'collect-volume', ...(metricsEnabled(cluster) ? { secret: { secretName: collectSecretName(cluster) } } : { emptyDir: {} }) },
    { name: 'sshd', secret: { secretName: names.backrestRepoSecret(clusterName), defaultMode: 511 } },
    { name: 'root-volume', secret: { secretName: cluster.spec.rootsecretname } },
    { name: 'pgwal-volume', ...memory },
    { name: 'recover-volume', ...memory },
    { name: 'report', ...memory },
    { name: 'backrestrepo', ...memory },
    { name: 'crunchyadm', emptyDir: {} },
    { name: 'dshm', ...memory },
    {
      name: 'pgconf-volume',
      projected: { sources: [...(customConfig ? [{ configMap: { name: customConfig } }] : []), { configMap: { name: `${clusterName}-pgha-default-config`, optional: true } }] },
    },
  ];
}

/** The primary prefers nodes with the cluster's node label. */
export function primaryNodeRule(cluster: Pgcluster): NodeLabelRule | undefined {
  const key = cluster.spec.userlabels?.[USER_LABELS.nodeLabelKey];
  return key ? { key, value: cluster.spec.userlabels?.[USER_LABELS.nodeLabelValue] ?? '', operator: 'In' } : undefined;
}

/** A replica prefers nodes with its own node label, else avoids the primary's. */
export function replicaNodeRule(cluster: Pgcluster, replicaUserLabels: Record<string, string> | undefined): NodeLabelRule | undefined {
  const key = replicaUserLabels?.[USER_LABELS.nodeLabelKey];
  if (key) return { key, value: replicaUserLabels?.[USER_LABELS.nodeLabelValue] ?? '', operator: 'In' };
  const primary = primaryNodeRule(cluster);
  return primary ? { ...primary, operator: 'NotIn' } : undefined;
}

/**
 * Pods of one cluster keep apart: `required` or `preferred` (the default) from the cluster, else
 * pgo.yaml; `disabled`, or a value that is neither, sets none.
 */
export function podAntiAffinity(cluster: Pgcluster, settings: PgoSettings): Record<string, unknown> | undefined {
  const type = cluster.spec.podPodAntiAffinity || settings.podAntiAffinity || 'preferred';
  const term = {
    labelSelector: {
      matchExpressions: [
        { key: LABELS.vendor, operator: 'In', values: ['crunchydata'] },
        { key: LABELS.podAntiAffinity, operator: 'Exists' },
        { key: LABELS.pgCluster, operator: 'In', values: [cluster.spec.clustername || cluster.metadata.name] },
      ],
    },
    topologyKey: HOSTNAME_TOPOLOGY_KEY,
  };
  if (type === 'required') return { requiredDuringSchedulingIgnoredDuringExecution: [term] };
  if (type === 'preferred') return { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: POD_ANTI_AFFINITY_WEIGHT, podAffinityTerm: term }] };
  return undefined;
}

export function affinity(nodeRule: NodeLabelRule | undefined, antiAffinity: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (nodeRule) {
    out.nodeAffinity = {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: NODE_AFFINITY_WEIGHT, preference: { matchExpressions: [{ key: nodeRule.key, operator: nodeRule.operator, values: [nodeRule.value] }] } }],
    };
  }
  if (antiAffinity) out.podAntiAffinity = antiAffinity;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `fsGroup` and `supplementalGroups` of the instance's storage. */
export function securityContext(storage: { fsgroup: string; supplementalgroups: string }): Record<string, unknown> {
  const groups = (storage.supplementalgroups ?? '').split(',').map((g) => g.trim()).filter(Boolean).map(Number);
  return { ...(storage.fsgroup ? { fsGroup: Number(storage.fsgroup) } : {}), ...(groups.length > 0 ? { supplementalGroups: groups } : {}) };
}
