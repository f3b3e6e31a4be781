/**
 * Per-request DataLoaders over the shared watch cache. Each relation is one batched pass over the
 * cache's cluster index (the `pg-cluster` label; for tasks, the task-ownership rule, since some
 * 4.2.4 tasks name their cluster only in a parameter). A page of 1,000 clusters with their replicas
 * and tasks makes no Kubernetes API call and no scan of every object per cluster or per request.
 */
import DataLoader from 'dataloader';
import type { CacheReader } from '../domain/context.js';
import { PGCLUSTER, PGPOLICY, PGREPLICA, PGTASK } from '../domain/custom-resources.js';
import type { Pgcluster, Pgpolicy, Pgreplica, Pgtask } from '../domain/custom-resources.js';
import { DEPLOYMENTS, PODS, PVCS, SERVICES } from '../kube/resources.js';
import type { KubeObject, ResourceHandle } from '../kube/resources.js';

/** Key of a namespaced object (a cluster, a policy): `namespace/name`. */
export function clusterKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf('/');
  return [key.slice(0, at), key.slice(at + 1)];
}

function byClusterLoader<T extends KubeObject>(cache: CacheReader, handle: ResourceHandle<T>): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (keys) => keys.map((key) => cache.byCluster(handle, ...splitKey(key))));
}

function byKeyLoader<T extends KubeObject>(cache: CacheReader, handle: ResourceHandle<T>): DataLoader<string, T | undefined> {
  return new DataLoader<string, T | undefined>(async (keys) => keys.map((key) => cache.get(handle, ...splitKey(key))));
}

export interface Loaders {
  cluster: DataLoader<string, Pgcluster | undefined>;
  policy: DataLoader<string, Pgpolicy | undefined>;
  replicas: DataLoader<string, Pgreplica[]>;
  /** Every task that belongs to a cluster, labelled or not: the cache indexes tasks by task-ownership's rule. */
  tasks: DataLoader<string, Pgtask[]>;
  pods: DataLoader<string, KubeObject[]>;
  services: DataLoader<string, KubeObject[]>;
  deployments: DataLoader<string, KubeObject[]>;
  pvcs: DataLoader<string, KubeObject[]>;
}

export function createLoaders(cache: CacheReader): Loaders {
  return {
    cluster: byKeyLoader(cache, PGCLUSTER),
    policy: byKeyLoader(cache, PGPOLICY),
    replicas: byClusterLoader(cache, PGREPLICA),
    tasks: byClusterLoader(cache, PGTASK),
    pods: byClusterLoader(cache, PODS),
    services: byClusterLoader(cache, SERVICES),
    deployments: byClusterLoader(cache, DEPLOYMENTS),
    pvcs: byClusterLoader(cache, PVCS),
  };
}
