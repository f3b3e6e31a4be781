/**
 * The one watch cache of the process: each kind is listed and watched once (per managed
 * namespace), and GraphQL, REST, subscriptions and controllers all read from it, so a steady-state
 * read makes no call to the Kubernetes API. Its changes feed the event hub.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { EventHub } from './event-hub.js';
import type { EventHubOptions, KubeEvent } from './event-hub.js';
import { Informer } from './informer.js';
import type { InformerEvent, InformerOptions, InformerRequestKind } from './informer.js';
import type { ClusterOf } from './object-cache.js';
import { RawKubeClient } from './raw-request.js';
import { handleId } from './resources.js';
import type { KubeObject, ResourceHandle } from './resources.js';

/** A handle watched with its own namespaces or label selector instead of the cache's defaults. */
export interface WatchSpec {
  handle: ResourceHandle;
  /** Overrides the cache's namespaces for this kind; `[]` means cluster-wide. */
  namespaces?: string[];
  labelSelector?: string;
  /** What `byCluster` finds for this kind, when not every object carries the `pg-cluster` label. */
  clusterOf?: ClusterOf;
}

export interface WatchCacheOptions {
  /** One informer per namespace per namespaced kind; cluster-wide informers when absent. */
  namespaces?: string[];
  pageSize?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  watchTimeoutSeconds?: number;
  hub?: EventHubOptions;
  /** Failed lists and watches (each is retried by its informer). */
  onError?: (error: unknown, handle: ResourceHandle, namespace: string | undefined) => void;
}

export interface WatchCacheRequestCounts {
  lists: number;
  watches: number;
}

interface HandleInformers {
  handle: ResourceHandle;
  clusterWide: Informer | undefined;
  byNamespace: Map<string, Informer>;
}

export class WatchCache {
  readonly hub: EventHub;
  /** API requests made so far: each list page and each watch start. */
  readonly requests: WatchCacheRequestCounts = { lists: 0, watches: 0 };

  private readonly raw: RawKubeClient;
  private readonly byHandle = new Map<string, HandleInformers>();
  private readonly all: Informer[] = [];
  private stopped = false;

  constructor(kc: KubeConfig, handles: readonly (ResourceHandle | WatchSpec)[], options: WatchCacheOptions = {}) {
    this.hub = new EventHub(options.hub);
    this.raw = new RawKubeClient(kc);
    for (const entry of handles) {
      const spec: WatchSpec = 'handle' in entry ? entry : { handle: entry };
      const id = handleId(spec.handle);
      if (this.byHandle.has(id)) throw new Error(`${id} is watched twice`);
      const slot: HandleInformers = { handle: spec.handle, clusterWide: undefined, byNamespace: new Map() };
      this.byHandle.set(id, slot);
      const namespaces = spec.handle.namespaced ? (spec.namespaces ?? options.namespaces ?? []) : [];
      const targets = namespaces.length > 0 ? [...new Set(namespaces)] : [undefined];
      for (const namespace of targets) {
        const informer = new Informer(kc, spec.handle, this.informerOptions(spec, namespace, options));
        informer.onEvent((event) => this.hub.publish(toHubEvent(spec.handle, event)));
        if (namespace === undefined) slot.clusterWide = informer;
        else slot.byNamespace.set(namespace, informer);
        this.all.push(informer);
      }
    }
  }

  /** Total API requests (lists and watch starts). */
  get requestCount(): number {
    return this.requests.lists + this.requests.watches;
  }

  start(): void {
    if (this.stopped) throw new Error('a stopped watch cache cannot be started again');
    for (const informer of this.all) informer.start();
  }

  /** Resolves once every informer has listed once. */
  async synced(): Promise<void> {
    await Promise.all(this.all.map((informer) => informer.synced));
  }

  isSynced(): boolean {
    return this.all.every((informer) => informer.isSynced());
  }

  /** Answers undefined for an object that does not exist or lives in a namespace not watched. */
  get<T extends KubeObject>(handle: ResourceHandle<T>, namespace: string | undefined, name: string): T | undefined {
    const informer = this.informerFor(handle, namespace);
    return informer?.cache.get(handle.namespaced ? namespace : undefined, name) as T | undefined;
  }

  /** Every cached object of a kind, or those of one namespace. */
  list<T extends KubeObject>(handle: ResourceHandle<T>, namespace?: string): T[] {
    const slot = this.slot(handle);
    if (slot.clusterWide) return slot.clusterWide.cache.list(handle.namespaced ? namespace : undefined) as T[];
    if (namespace !== undefined) return (slot.byNamespace.get(namespace)?.cache.list(namespace) ?? []) as T[];
    const out: KubeObject[] = [];
    for (const informer of slot.byNamespace.values()) for (const object of informer.cache.list()) out.push(object);
    return out as T[];
  }

  /** Objects of a kind labelled `pg-cluster=<cluster>` in a namespace. */
  byCluster<T extends KubeObject>(handle: ResourceHandle<T>, namespace: string, cluster: string): T[] {
    return (this.informerFor(handle, namespace)?.cache.byCluster(namespace, cluster) ?? []) as T[];
  }

  /** The informers behind a kind (for readiness reporting and diagnostics). */
  informers(handle: ResourceHandle): readonly Informer[] {
    const slot = this.slot(handle);
    return slot.clusterWide ? [slot.clusterWide] : [...slot.byNamespace.values()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.all.map((informer) => informer.stop()));
    this.raw.close();
    this.hub.close();
  }

  private informerOptions(spec: WatchSpec, namespace: string | undefined, options: WatchCacheOptions): InformerOptions {
    const informerOptions: InformerOptions = {
      raw: this.raw,
      onRequest: (kind: InformerRequestKind) => {
        if (kind === 'list') this.requests.lists++;
        else this.requests.watches++;
      },
    };
    if (namespace !== undefined) informerOptions.namespace = namespace;
    if (spec.labelSelector) informerOptions.labelSelector = spec.labelSelector;
    if (spec.clusterOf) informerOptions.clusterOf = spec.clusterOf;
    if (options.pageSize !== undefined) informerOptions.pageSize = options.pageSize;
    if (options.backoffInitialMs !== undefined) informerOptions.backoffInitialMs = options.backoffInitialMs;
    if (options.backoffMaxMs !== undefined) informerOptions.backoffMaxMs = options.backoffMaxMs;
    if (options.watchTimeoutSeconds !== undefined) informerOptions.watchTimeoutSeconds = options.watchTimeoutSeconds;
    const onError = options.onError;
    if (onError) informerOptions.onError = (error: unknown) => onError(error, spec.handle, namespace);
    return informerOptions;
  }

  private slot(handle: ResourceHandle): HandleInformers {
    const slot = this.byHandle.get(handleId(handle));
    // Reading a kind nobody watches would silently answer "nothing": a wiring bug, so say so.
    if (!slot) throw new Error(`the watch cache does not watch ${handleId(handle)}`);
    return slot;
  }

  private informerFor(handle: ResourceHandle, namespace: string | undefined): Informer | undefined {
    const slot = this.slot(handle);
    if (slot.clusterWide) return slot.clusterWide;
    return namespace === undefined ? undefined : slot.byNamespace.get(namespace);
  }
}

function toHubEvent(handle: ResourceHandle, event: InformerEvent): KubeEvent {
  const out: KubeEvent = { type: event.type, kind: handle.kind, object: event.object };
  if (event.oldObject) out.oldObject = event.oldObject;
  return out;
}
