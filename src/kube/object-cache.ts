/**
 * The store behind one informer. Besides the key index it keeps a namespace index and a cluster
 * index (the `pg-cluster` label, unless the kind says otherwise), so the common reads ("everything
 * in this namespace", "every object of cluster X") are map lookups, never scans over 10,000 objects.
 */
import type { KubeObject } from './resources.js';

/** The label pgo 4.2.4 puts on every object that belongs to a cluster. */
export const PG_CLUSTER_LABEL = 'pg-cluster';

/** `namespace/name`, or just `name` for cluster-scoped objects (client-go's key format). */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function keyOf(object: KubeObject): string {
  return objectKey(object.metadata.namespace, object.metadata.name);
}

function clusterKey(namespace: string | undefined, cluster: string): string {
  return `${namespace ?? ''}/${cluster}`;
}

/** Which cluster an object belongs to, for the cluster index. */
export type ClusterOf = (object: KubeObject) => string | undefined;

export const clusterLabel: ClusterOf = (object) => object.metadata.labels?.[PG_CLUSTER_LABEL];

function addToIndex<T>(index: Map<string, Map<string, T>>, indexKey: string, key: string, value: T): void {
  let bucket = index.get(indexKey);
  if (!bucket) {
    bucket = new Map();
    index.set(indexKey, bucket);
  }
  bucket.set(key, value);
}

function removeFromIndex<T>(index: Map<string, Map<string, T>>, indexKey: string, key: string): void {
  const bucket = index.get(indexKey);
  if (!bucket) return;
  bucket.delete(key);
  // Empty buckets are dropped so a namespace or cluster that comes and goes leaves nothing behind.
  if (bucket.size === 0) index.delete(indexKey);
}

/**
 * Lists come back in insertion order, not sorted: sorting on every read would cost more than
 * most readers need; those that show lists to people sort them.
 */
export class ObjectCache<T extends KubeObject = KubeObject> {
  private readonly byKey = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly byClusterLabel = new Map<string, Map<string, T>>();

  constructor(private readonly clusterOf: ClusterOf = clusterLabel) {}

  get size(): number {
    return this.byKey.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.byKey.get(objectKey(namespace, name));
  }

  getByKey(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** Every object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.byKey.values()];
    const bucket = this.byNamespace.get(namespace);
    return bucket ? [...bucket.values()] : [];
  }

  /** Objects of a cluster in a namespace (by default those labelled `pg-cluster=<cluster>`). */
  byCluster(namespace: string, cluster: string): T[] {
    const bucket = this.byClusterLabel.get(clusterKey(namespace, cluster));
    return bucket ? [...bucket.values()] : [];
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** Stores the object and answers the one it replaced. */
  upsert(object: T): T | undefined {
    const key = keyOf(object);
    const previous = this.byKey.get(key);
    if (previous) this.unindex(key, previous);
    this.byKey.set(key, object);
    addToIndex(this.byNamespace, object.metadata.namespace ?? '', key, object);
    const cluster = this.clusterOf(object);
    if (cluster !== undefined) addToIndex(this.byClusterLabel, clusterKey(object.metadata.namespace, cluster), key, object);
    return previous;
  }

  /** Removes the object under this key and answers it. */
  deleteByKey(key: string): T | undefined {
    const previous = this.byKey.get(key);
    if (!previous) return undefined;
    this.unindex(key, previous);
    this.byKey.delete(key);
    return previous;
  }

  delete(namespace: string | undefined, name: string): T | undefined {
    return this.deleteByKey(objectKey(namespace, name));
  }

  clear(): void {
    this.byKey.clear();
    this.byNamespace.clear();
    this.byClusterLabel.clear();
  }

  private unindex(key: string, object: T): void {
    removeFromIndex(this.byNamespace, object.metadata.namespace ?? '', key);
    const cluster = this.clusterOf(object);
    if (cluster !== undefined) removeFromIndex(this.byClusterLabel, clusterKey(object.metadata.namespace, cluster), key);
  }
}
