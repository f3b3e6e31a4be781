/**
 * Per-request DataLoaders over the shared watch cache. Each relation is one batched pass over the
 * cache's `pg-cluster` index: a page of 1,000 clusters with their replicas and tasks makes no
 * Kubernetes API call and no scan of every object per cluster.
 */
import DataLoader from 'dataloader';
import { TASK_TYPES } from '../domain/constants.js';
import type { CacheReader } from '../domain/context.js';
import { PGCLUSTER, PGREPLICA, PGTASK } from '../domain/custom-resources.js';
import type { Pgcluster, Pgreplica, Pgtask } from '../domain/custom-resources.js';
import { DEPLOYMENTS, PODS, PVCS, SERVICES } from '../kube/resources.js';
import type { KubeObject, ResourceHandle } from '../kube/resources.js';

/** Key of a cluster: `namespace/name`. */
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

/**
 * pg_dump tasks carry no labels in 4.2.4 (only a `pg-cluster` parameter), so the label index
 * cannot find them: one pass over a namespace's tasks groups them by cluster for the request.
 */
function pgdumpLoader(cache: CacheReader): DataLoader<string, Map<string, Pgtask[]>> {
  return new DataLoader<string, Map<string, Pgtask[]>>(async (namespaces) =>
    namespaces.map((namespace) => {
      const byCluster = new Map<string, Pgtask[]>();
      for (const task of cache.list(PGTASK, namespace)) {
        if (task.spec.tasktype !== TASK_TYPES.pgdump) continue;
        const cluster = task.spec.parameters?.['pg-cluster'] ?? '';
        byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), task]);
      }
      return byCluster;
    }),
  );
}

export interface Loaders {
  pgdumpTasks: DataLoader<string, Map<string, Pgtask[]>>;
  cluster: DataLoader<string, Pgcluster | undefined>;
  replicas: DataLoader<string, Pgreplica[]>;
  tasks: DataLoader<string, Pgtask[]>;
  pods: DataLoader<string, KubeObject[]>;
  services: DataLoader<string, KubeObject[]>;
  deployments: DataLoader<string, KubeObject[]>;
  pvcs: DataLoader<string, KubeObject[]>;
}

export function createLoaders(cache: CacheReader): Loaders {
  return {
    pgdumpTasks: pgdumpLoader(cache),
    cluster: new DataLoader<string, Pgcluster | undefined>(async (keys) => keys.map((key) => cache.get(PGCLUSTER, ...splitKey(key)))),
    replicas: byClusterLoader(cache, PGREPLICA),
    tasks: byClusterLoader(cache, PGTASK),
    pods: byClusterLoader(cache, PODS),
    services: byClusterLoader(cache, SERVICES),
    deployments: byClusterLoader(cache, DEPLOYMENTS),
    pvcs: byClusterLoader(cache, PVCS),
  };
}
