/**
 * Typed handles for the Kubernetes resources the product reads and writes, and the REST paths built
 * from them. A handle carries the object type it stands for, so `cache.get(PODS, ...)` is typed
 * without casts at every call site.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [field: string]: unknown;
}

/** Any Kubernetes object as plain JSON. Cached objects are shared: treat them as read-only. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

export interface ResourceHandle<T extends KubeObject = KubeObject> {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** `group/version`, or just `version` for the core group. */
  readonly apiVersion: string;
  /** Never set: only carries the object type so typed reads need no casts. */
  readonly __object?: T;
}

export function defineResource<T extends KubeObject = KubeObject>(spec: {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}): ResourceHandle<T> {
  const apiVersion = spec.group === '' ? spec.version : `${spec.group}/${spec.version}`;
  return Object.freeze({ ...spec, apiVersion });
}

/** A stable string identifying a handle, for maps keyed by resource. */
export function handleId(handle: ResourceHandle): string {
  return `${handle.apiVersion}/${handle.plural}`;
}

function groupVersionPath(handle: ResourceHandle): string {
  return handle.group === '' ? `/api/${handle.version}` : `/apis/${handle.group}/${handle.version}`;
}

/**
 * The collection path: namespaced when a namespace is given for a namespaced kind, cluster-wide
 * (all namespaces) otherwise.
 */
export function collectionPath(handle: ResourceHandle, namespace?: string): string {
  const base = groupVersionPath(handle);
  if (handle.namespaced && namespace) return `${base}/namespaces/${encodeURIComponent(namespace)}/${handle.plural}`;
  return `${base}/${handle.plural}`;
}

/** The item path; the namespace is ignored for cluster-scoped kinds. */
export function itemPath(handle: ResourceHandle, namespace: string | undefined, name: string): string {
  if (handle.namespaced && !namespace) throw new Error(`${handle.plural} is namespaced: an item path needs a namespace`);
  return `${collectionPath(handle, namespace)}/${encodeURIComponent(name)}`;
}

const CRUNCHY_GROUP = 'crunchydata.com';
const CRUNCHY_VERSION = 'v1';

export const PGCLUSTERS = defineResource({ group: CRUNCHY_GROUP, version: CRUNCHY_VERSION, plural: 'pgclusters', kind: 'Pgcluster', namespaced: true });
export const PGREPLICAS = defineResource({ group: CRUNCHY_GROUP, version: CRUNCHY_VERSION, plural: 'pgreplicas', kind: 'Pgreplica', namespaced: true });
export const PGBACKUPS = defineResource({ group: CRUNCHY_GROUP, version: CRUNCHY_VERSION, plural: 'pgbackups', kind: 'Pgbackup', namespaced: true });
export const PGPOLICIES = defineResource({ group: CRUNCHY_GROUP, version: CRUNCHY_VERSION, plural: 'pgpolicies', kind: 'Pgpolicy', namespaced: true });
export const PGTASKS = defineResource({ group: CRUNCHY_GROUP, version: CRUNCHY_VERSION, plural: 'pgtasks', kind: 'Pgtask', namespaced: true });

export const PODS = defineResource({ group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true });
export const SERVICES = defineResource({ group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true });
export const SECRETS = defineResource({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true });
export const CONFIGMAPS = defineResource({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true });
export const PVCS = defineResource({ group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true });
export const EVENTS = defineResource({ group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true });
export const NAMESPACES = defineResource({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false });
export const DEPLOYMENTS = defineResource({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true });
export const JOBS = defineResource({ group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true });
export const LEASES = defineResource({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true });

/** The five pgo 4.2.4 custom resources. */
export const CUSTOM_RESOURCES: readonly ResourceHandle[] = [PGCLUSTERS, PGREPLICAS, PGBACKUPS, PGPOLICIES, PGTASKS];
/** The built-in kinds the controllers own or read. */
export const CORE_RESOURCES: readonly ResourceHandle[] = [PODS, SERVICES, SECRETS, CONFIGMAPS, PVCS, EVENTS, NAMESPACES, DEPLOYMENTS, JOBS, LEASES];

/** Kubernetes' default `spec.backoffLimit` of a Job: the failed pods it retries before failing. */
export const KUBERNETES_DEFAULT_BACKOFF_LIMIT = 6;
