/**
 * What `pgo show cluster` and `pgo test` reported beside a cluster, from the watch cache: its
 * Deployments with the policies applied, its pods with readiness and type, its Services and what
 * each serves, its replicas.
 */
import { DEPLOYMENTS, PODS, SERVICES } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { LABELS, POD_ROLES } from './constants.js';
import type { ServiceContext } from './context.js';
import { PGREPLICA } from './custom-resources.js';
import type { Pgcluster } from './custom-resources.js';
import { podReady } from './pods.js';
import { POLICY_LABEL_VALUE } from './policy-service.js';

/** apiservermsgs PodType* values. */
export type PodType = 'primary' | 'replica' | 'pgbouncer' | 'pgbackrest' | 'backup' | 'unknown';

export interface ClusterPodDetail {
  name: string;
  phase: string;
  nodeName: string;
  /** Volume name (pgdata, pgwal-volume, backrestrepo) → PVC name. */
  pvcNames: Record<string, string>;
  /** `<ready containers>/<containers>`. */
  readyStatus: string;
  ready: boolean;
  type: PodType;
}

export interface ClusterServiceDetail {
  name: string;
  clusterIP: string;
  externalIP: string;
  pgbouncer: boolean;
  backrestRepo: boolean;
  /** True when a ready pod matches the Service's selector, i.e. its endpoints have an address. */
  available: boolean;
}

export interface ClusterDetails {
  deployments: { name: string; policyLabels: string[] }[];
  pods: ClusterPodDetail[];
  services: ClusterServiceDetail[];
  replicas: string[];
}

const PVC_VOLUMES = new Set(['pgdata', 'pgwal-volume', 'backrestrepo']);

function podType(pod: KubeObject): PodType {
  const labels = pod.metadata.labels ?? {};
  if (labels[LABELS.backrestRepo]) return 'pgbackrest';
  if (labels[LABELS.pgbouncer]) return 'pgbouncer';
  if (labels[LABELS.pgbackup] === 'true') return 'backup';
  if (labels[LABELS.role] === POD_ROLES.primary) return 'primary';
  if (labels[LABELS.role] === POD_ROLES.replica) return 'replica';
  return 'unknown';
}

function podDetail(pod: KubeObject): ClusterPodDetail {
  const status = (pod.status ?? {}) as { phase?: string; containerStatuses?: { ready?: boolean }[] };
  const spec = (pod.spec ?? {}) as { nodeName?: string; volumes?: { name: string; persistentVolumeClaim?: { claimName?: string } }[] };
  const containers = status.containerStatuses ?? [];
  const readyCount = containers.filter((c) => c.ready === true).length;
  const pvcNames: Record<string, string> = {};
  for (const volume of spec.volumes ?? []) {
    if (PVC_VOLUMES.has(volume.name) && volume.persistentVolumeClaim) pvcNames[volume.name] = volume.persistentVolumeClaim.claimName ?? '';
  }
  return { name: pod.metadata.name, phase: status.phase ?? '', nodeName: spec.nodeName ?? '', pvcNames, readyStatus: `${readyCount}/${containers.length}`, ready: readyCount === containers.length, type: podType(pod) };
}

function serviceDetail(service: KubeObject, pods: KubeObject[]): ClusterServiceDetail {
  const spec = (service.spec ?? {}) as { clusterIP?: string; externalIPs?: string[]; selector?: Record<string, string> };
  const ingress = (service.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [];
  const selector = Object.entries(spec.selector ?? {});
  const available = selector.length > 0 && pods.some((p) => podReady(p) && selector.every(([k, v]) => p.metadata.labels?.[k] === v));
  return {
    name: service.metadata.name,
    clusterIP: spec.clusterIP ?? '',
    externalIP: ingress[0]?.ip ?? spec.externalIPs?.[0] ?? '',
    pgbouncer: service.metadata.name.includes('-pgbouncer'),
    backrestRepo: service.metadata.name.includes('-backrest-repo'),
    available,
  };
}

export function clusterDetails(ctx: ServiceContext, cluster: Pgcluster): ClusterDetails {
  const namespace = cluster.metadata.namespace ?? '';
  const name = cluster.metadata.name;
  const policyLabels = Object.entries(cluster.metadata.labels ?? {}).filter(([, v]) => v === POLICY_LABEL_VALUE).map(([k]) => k);
  const allPods = ctx.cache.byCluster(PODS, namespace, name);
  // 4.2.4 listed the database pods only: no backup, restore or repository jobs' pods.
  const pods = allPods.filter((p) => {
    const labels = p.metadata.labels ?? {};
    return labels[LABELS.backrestJob] !== 'true' && labels[LABELS.backrestRestore] !== 'true' && labels[LABELS.backrestRepo] !== 'true' && labels[LABELS.pgbackup] === undefined;
  });
  return {
    deployments: ctx.cache.byCluster(DEPLOYMENTS, namespace, name).map((d) => ({ name: d.metadata.name, policyLabels })),
    pods: pods.map(podDetail),
    services: ctx.cache.byCluster(SERVICES, namespace, name).filter((s) => s.metadata.labels?.[LABELS.backrestRepo] !== 'true').map((s) => serviceDetail(s, allPods)),
    replicas: ctx.cache.byCluster(PGREPLICA, namespace, name).map((r) => r.metadata.name),
  };
}
