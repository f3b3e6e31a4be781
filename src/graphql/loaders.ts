/**
 * Per-request DataLoaders over the shared watch cache. Each relation is one batched pass: labelled
 * objects come from the cache's `pg-cluster` index, tasks from one ownership index per namespace
 * and request. A page of 1,000 clusters with their replicas and tasks makes no Kubernetes API call
 * and no scan of every object per cluster.
 */
import DataLoader from 'dataloader';
import type { CacheReader } from '../domain/context.js';
import { PGCLUSTER, PGPOLICY, PGREPLICA, PGTASK } from '../domain/custom-resources.js';
import type { Pgcluster, Pgpolicy, Pgreplica, Pgtask } from '../domain/custom-resources.js';
import { taskCluster } from '../domain/task-ownership.js';
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

/**
 * Not every task carries the `pg-cluster` label (pg_dump, pg_restore and pgBackRest restore tasks
 * name their cluster in a parameter), so the label index cannot find them all: one pass over a
 * namespace's tasks groups them by the cluster they belong to, once per request.
 */
function taskIndexLoader(cache: CacheReader): DataLoader<string, Map<string, Pgtask[]>> {
  return new DataLoader<string, Map<string, Pgtask[]>>(async (namespaces) =>
    namespaces.map((namespace) => {
      const byCluster = new Map<string, Pgtask[]>();
      for (const task of cache.list(PGTASK, namespace)) {
        const cluster = taskCluster(task);
        if (cluster === undefined) continue;
        const tasks = byCluster.get(cluster);
        if (tasks) tasks.push(task);
        else byCluster.set(cluster, [task]);
      }
      return byCluster;
    }),
  );
}

function tasksLoader(index: DataLoader<string, Map<string, Pgtask[]>>): DataLoader<string, Pgtask[]> {
  return new DataLoader<string, Pgtask[]>(async (keys) =>
    Promise.all(
      keys.map(async (key) => {
        const [namespace, cluster] = splitKey(key);
        return (await index.load(namespace)).get(cluster) ?? [];
      }),
    ),
  );
}

export interface Loaders {
  cluster: DataLoader<string, Pgcluster | undefined>;
  policy: DataLoader<string, Pgpolicy | undefined>;
  replicas: DataLoader<string, Pgreplica[]>;
  /** Every task that belongs to a cluster, labelled or not. */
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
    tasks: tasksLoader(taskIndexLoader(cache)),
    pods: byClusterLoader(cache, PODS),
    services: byClusterLoader(cache, SERVICES),
    deployments: byClusterLoader(cache, DEPLOYMENTS),
    pvcs: byClusterLoader(cache, PVCS),
  };
}
