/**
 * One informer: LIST once, then WATCH from the list's resourceVersion, keeping an ObjectCache
 * current and reporting every change. client-node 1.4's own informer stops for good on a failed
 * watch request (connection refused while the API server restarts, a reset, a 504), so this one
 * drives client-node's `Watch` itself and never stops until `stop()`: 410 Gone relists, anything
 * else re-watches from the last resourceVersion after a backoff.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { keyOf, ObjectCache } from './object-cache.js';
import type { ClusterOf } from './object-cache.js';
import { RawKubeClient } from './raw-request.js';
import { collectionPath } from './resources.js';
import type { KubeObject, ResourceHandle } from './resources.js';

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerEvent<T extends KubeObject = KubeObject> {
  type: InformerEventType;
  object: T;
  oldObject?: T;
}

export type InformerListener<T extends KubeObject = KubeObject> = (event: InformerEvent<T>) => void;

export type InformerRequestKind = 'list' | 'watch';

export interface InformerOptions {
  /** Watch one namespace; cluster-wide when absent. */
  namespace?: string;
  labelSelector?: string;
  pageSize?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Watches ask the server to end after a random time between this and twice this. */
  watchTimeoutSeconds?: number;
  /** Shared client for lists; the informer makes its own when absent (and closes it on stop). */
  raw?: RawKubeClient;
  /** Called before every API request (each list page, each watch start). */
  onRequest?: (kind: InformerRequestKind) => void;
  /** Called on every failed list or watch; the informer retries by itself. */
  onError?: (error: unknown) => void;
  /** The cache's cluster index key; the `pg-cluster` label when absent. */
  clusterOf?: ClusterOf;
}

/** client-go's and kubectl's page size. */
export const DEFAULT_LIST_PAGE_SIZE = 500;
export const DEFAULT_BACKOFF_INITIAL_MS = 100;
export const DEFAULT_BACKOFF_MAX_MS = 10_000;
/** Spreads the retries of many informers after an API-server restart. */
export const BACKOFF_JITTER = 0.2;
/**
 * client-go's reflector asks for 5–10 minutes. Without a server-side end, and client-node 1.4 sets
 * no client timeout, a connection that died silently (no RST) would leave the informer waiting
 * forever.
 */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;
/** The client-side deadline is the requested timeout plus this, in case the server never ends it. */
export const WATCH_DEADLINE_GRACE_SECONDS = 30;
/**
 * A watch that ends cleanly is resumed at once, but one that ended this quickly without delivering
 * anything is treated as a failure (with backoff), so a server that keeps closing watches cannot
 * put the informer into a hot loop.
 */
export const MIN_HEALTHY_WATCH_MS = 1_000;

/** A non-2xx answer to a list or watch request. */
export class KubeStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'KubeStatusError';
  }
}

type WatchOutcome = { kind: 'gone' } | { kind: 'failed'; error: unknown } | { kind: 'ended'; healthy: boolean };

interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKubeObject(value: unknown): value is KubeObject {
  return isRecord(value) && isRecord(value.metadata) && typeof value.metadata.name === 'string';
}

function statusCodeOf(error: unknown): number | undefined {
  if (!isRecord(error)) return undefined;
  const code = error.statusCode ?? error.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The resourceVersion we hold is unusable: too old (410 Gone), or ahead of a store that was
 * wiped (504 "Too large resource version", which client-go also answers with a relist).
 */
function mustRelist(code: number | undefined, message: unknown): boolean {
  if (code === 410) return true;
  return code === 504 && (typeof message !== 'string' || /too large resource version/i.test(message));
}

class Backoff {
  private nextMs: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    this.nextMs = initialMs;
  }

  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.maxMs);
    return Math.round(delay * (1 + Math.random() * BACKOFF_JITTER));
  }

  reset(): void {
    this.nextMs = this.initialMs;
  }
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly cache: ObjectCache<T>;
  /** Resolves after the first successful list; never rejects (failures are retried). */
  readonly synced: Promise<void>;

  private readonly path: string;
  private readonly pageSize: number;
  private readonly watchTimeoutSeconds: number;
  private readonly backoff: Backoff;
  private readonly raw: RawKubeClient;
  private readonly ownsRaw: boolean;
  private readonly watcher: Watch;
  private readonly listeners = new Set<InformerListener<T>>();
  private resolveSynced: () => void = () => undefined;
  private hasSynced = false;
  private resourceVersion = '';
  private started = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private watchGeneration = 0;
  private abortWatch: (() => void) | undefined;
  private listAbort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private error: unknown;

  constructor(
    kc: KubeConfig,
    readonly handle: ResourceHandle<T>,
    private readonly options: InformerOptions = {},
  ) {
    this.cache = new ObjectCache<T>(options.clusterOf);
    this.path = collectionPath(handle, options.namespace);
    this.pageSize = options.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
    this.backoff = new Backoff(options.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS, options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS);
    this.raw = options.raw ?? new RawKubeClient(kc);
    this.ownsRaw = options.raw === undefined;
    this.watcher = new Watch(kc);
    this.synced = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
  }

  get namespace(): string | undefined {
    return this.options.namespace;
  }

  /** The resourceVersion the next watch resumes from (opaque: compared for equality only). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** The last list or watch failure, cleared by the next successful list or event. */
  get lastError(): unknown {
    return this.error;
  }

  isSynced(): boolean {
    return this.hasSynced;
  }

  /** Answers the function that removes the listener. */
  onEvent(listener: InformerListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.stopped) throw new Error('a stopped informer cannot be started again');
    if (this.started) return;
    this.started = true;
    this.running = this.run();
  }

  /**
   * Starts from a resourceVersion obtained earlier (a previous informer's) instead of listing
   * first: the cache starts with `objects` and the watch resumes from `resourceVersion`; a 410
   * then relists and reports the difference.
   */
  resume(objects: readonly T[], resourceVersion: string): void {
    if (this.started) throw new Error('resume() must be called instead of start()');
    for (const object of objects) this.cache.upsert(object);
    this.resourceVersion = resourceVersion;
    this.started = true;
    this.markSynced();
    this.running = this.run(false);
  }

  /** Stops listing and watching; resolves once the loop has exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.listAbort?.abort();
    this.abortWatch?.();
    this.wake?.();
    await this.running;
    if (this.ownsRaw) this.raw.close();
  }

  private async run(listFirst = true): Promise<void> {
    let needList = listFirst;
    while (!this.stopped) {
      if (needList) {
        try {
          const list = await this.listAll();
          if (this.stopped) break;
          this.applyList(list);
          this.backoff.reset();
          this.error = undefined;
          needList = false;
          this.markSynced();
        } catch (error: unknown) {
          if (this.stopped) break;
          this.reportError(error);
          await this.sleep(this.backoff.next());
          continue;
        }
      }
      const outcome = await this.watchOnce();
      if (this.stopped) break;
      switch (outcome.kind) {
        case 'gone':
          needList = true;
          break;
        case 'failed':
          this.reportError(outcome.error);
          await this.sleep(this.backoff.next());
          break;
        case 'ended':
          if (outcome.healthy) this.backoff.reset();
          else await this.sleep(this.backoff.next());
          break;
      }
    }
  }

  private markSynced(): void {
    if (this.hasSynced) return;
    this.hasSynced = true;
    this.resolveSynced();
  }

  private async listAll(): Promise<ListResult<T>> {
    try {
      return await this.listPaged(this.pageSize);
    } catch (error: unknown) {
      // The continue token expired between pages (the list took longer than the server keeps
      // history): a single unpaged list is consistent by construction.
      if (error instanceof KubeStatusError && error.code === 410 && this.pageSize > 0) return this.listPaged(0);
      throw error;
    }
  }

  private async listPaged(pageSize: number): Promise<ListResult<T>> {
    const items: T[] = [];
    let resourceVersion: string | undefined;
    let token: string | undefined;
    do {
      this.listAbort = new AbortController();
      this.options.onRequest?.('list');
      const response = await this.raw.get(
        this.path,
        { limit: pageSize > 0 ? pageSize : undefined, continue: token, labelSelector: this.options.labelSelector || undefined },
        this.listAbort.signal,
      );
      const body = response.body;
      if (response.status !== 200) {
        const message = isRecord(body) && typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
        throw new KubeStatusError(response.status, `list ${this.path}: ${message}`, body);
      }
      if (!isRecord(body) || !Array.isArray(body.items)) throw new Error(`list ${this.path}: the answer is not a list`);
      const meta = isRecord(body.metadata) ? body.metadata : {};
      // Every page carries the first page's resourceVersion; the first one is the list's.
      resourceVersion ??= typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
      for (const item of body.items) {
        if (isKubeObject(item)) items.push(this.complete(item));
      }
      token = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
    } while (token !== undefined);
    this.listAbort = undefined;
    return { items, resourceVersion: resourceVersion ?? '' };
  }

  /** List items of built-in kinds come without apiVersion and kind; consumers expect both. */
  private complete(object: KubeObject): T {
    if (object.apiVersion === undefined) object.apiVersion = this.handle.apiVersion;
    if (object.kind === undefined) object.kind = this.handle.kind;
    return object as T;
  }

  /**
   * Replaces the cache with a fresh list, reporting only what changed: an object whose
   * resourceVersion is unchanged is the same object, so a relist after 410 is not a flood.
   */
  private applyList(list: ListResult<T>): void {
    const fresh = new Map<string, T>();
    for (const item of list.items) fresh.set(keyOf(item), item);
    for (const key of [...this.cache.keys()]) {
      if (fresh.has(key)) continue;
      const gone = this.cache.deleteByKey(key);
      if (gone) this.emit({ type: 'DELETED', object: gone, oldObject: gone });
    }
    for (const [key, item] of fresh) {
      const cached = this.cache.getByKey(key);
      if (cached && cached.metadata.resourceVersion === item.metadata.resourceVersion) continue;
      this.cache.upsert(item);
      this.emit(cached ? { type: 'MODIFIED', object: item, oldObject: cached } : { type: 'ADDED', object: item });
    }
    this.resourceVersion = list.resourceVersion;
  }

  private watchOnce(): Promise<WatchOutcome> {
    const generation = ++this.watchGeneration;
    const startedAt = Date.now();
    const timeoutSeconds = Math.round(this.watchTimeoutSeconds * (1 + Math.random()));
    let sawEvent = false;
    let settled = false;
    let pending: WatchOutcome | undefined;
    let controller: AbortController | undefined;

    return new Promise<WatchOutcome>((resolve) => {
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.abortWatch = undefined;
        controller?.abort();
        resolve(outcome);
      };
      const ended = (): WatchOutcome => ({ kind: 'ended', healthy: sawEvent || Date.now() - startedAt >= MIN_HEALTHY_WATCH_MS });
      const deadline = setTimeout(() => finish(ended()), (timeoutSeconds + WATCH_DEADLINE_GRACE_SECONDS) * 1000);
      this.abortWatch = () => finish({ kind: 'ended', healthy: true });

      const onEvent = (type: string, object: unknown): void => {
        if (settled || generation !== this.watchGeneration) return;
        if (type !== 'ERROR') {
          // Only a delivered change proves the server healthy; an ERROR event does not.
          sawEvent = true;
          this.backoff.reset();
          this.error = undefined;
        }
        const verdict = this.applyWatchEvent(type, object);
        if (verdict === 'gone') finish({ kind: 'gone' });
        else if (verdict) pending = { kind: 'failed', error: verdict };
      };
      const onDone = (error: unknown): void => {
        if (error === null || error === undefined) finish(pending ?? ended());
        else if (mustRelist(statusCodeOf(error), undefined)) finish({ kind: 'gone' });
        else finish({ kind: 'failed', error });
      };

      this.options.onRequest?.('watch');
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.options.labelSelector || undefined,
      };
      this.watcher.watch(this.path, query, onEvent, onDone).then(
        (c) => {
          controller = c;
          if (settled) c.abort();
        },
        (error: unknown) => finish({ kind: 'failed', error }),
      );
    });
  }

  /** Applies one watch event; answers 'gone' to relist, an error to re-watch after backoff. */
  private applyWatchEvent(type: string, raw: unknown): 'gone' | Error | undefined {
    if (type === 'ERROR') {
      const status = isRecord(raw) ? raw : {};
      const code = typeof status.code === 'number' ? status.code : undefined;
      if (mustRelist(code, status.message)) return 'gone';
      return new KubeStatusError(code ?? 0, `watch ${this.path}: ${String(status.message ?? 'error event')}`, raw);
    }
    if (!isRecord(raw) || !isRecord(raw.metadata)) return undefined;
    const rv = typeof raw.metadata.resourceVersion === 'string' ? raw.metadata.resourceVersion : undefined;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return undefined;
    }
    if (!isKubeObject(raw)) return undefined;
    const object = this.complete(raw);
    const key = keyOf(object);
    if (type === 'ADDED' || type === 'MODIFIED') {
      const cached = this.cache.getByKey(key);
      if (!(cached && rv !== undefined && cached.metadata.resourceVersion === rv)) {
        this.cache.upsert(object);
        this.emit(cached ? { type: 'MODIFIED', object, oldObject: cached } : { type: 'ADDED', object });
      }
    } else if (type === 'DELETED') {
      const cached = this.cache.deleteByKey(key);
      if (cached) this.emit({ type: 'DELETED', object, oldObject: cached });
    }
    if (rv) this.resourceVersion = rv;
    return undefined;
  }

  private emit(event: InformerEvent<T>): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error: unknown) {
        this.options.onError?.(error);
      }
    }
  }

  private reportError(error: unknown): void {
    this.error = error;
    this.options.onError?.(error);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
