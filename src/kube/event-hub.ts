/**
 * Fans the watch cache's changes out to in-process consumers: GraphQL subscriptions (async,
 * possibly slow, one per client) and controller work queues (synchronous callbacks). A slow
 * subscriber never makes the process hold more than its bounded buffer: when the buffer is full it
 * is ended with reason 'overflow' and must resync from the cache.
 */
import { parseLabelSelector } from './label-selector.js';
import type { LabelSelector } from './label-selector.js';
import type { KubeObject } from './resources.js';

export type KubeEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface KubeEvent<T extends KubeObject = KubeObject> {
  type: KubeEventType;
  /** The resource kind, e.g. `Pgcluster`, `Pod`. */
  kind: string;
  /** The new state; for DELETED the last state. */
  object: T;
  /** The cached state before a MODIFIED (or a DELETED, when known). */
  oldObject?: T;
}

export interface EventFilter {
  kind?: string | string[];
  namespace?: string;
  labelSelector?: string;
  name?: string;
  /** A rule no label selector can say (e.g. which cluster a task belongs to); it joins the selector's ADDED / DELETED rule. */
  match?: (object: KubeObject) => boolean;
}

export type SubscriptionCloseReason = 'closed' | 'overflow';

export interface Subscription extends AsyncIterable<KubeEvent> {
  /** Ends the subscription; events not yet read are dropped. */
  close(): void;
  /** Why it ended, or undefined while it is open. */
  readonly closedReason: SubscriptionCloseReason | undefined;
  /** Events delivered but not yet read. */
  readonly buffered: number;
}

export interface SubscribeOptions {
  bufferSize?: number;
}

export type EventListener = (event: KubeEvent) => void;

/** Enough for a burst such as a cluster create (a dozen objects, each written a few times) many times over. */
export const DEFAULT_SUBSCRIBER_BUFFER = 1_000;
/** Read slots are reclaimed once this many have piled up at the front of a queue. */
const QUEUE_COMPACT_THRESHOLD = 256;

/**
 * A compiled filter. Label selectors (and `match`) follow the watch rule of the API server: an
 * object that starts matching arrives as ADDED and one that stops matching as DELETED, so a
 * subscriber's view of "objects matching my selector" stays exact.
 */
export class CompiledFilter {
  readonly kinds: ReadonlySet<string> | undefined;
  private readonly namespace: string | undefined;
  private readonly name: string | undefined;
  private readonly selector: LabelSelector | undefined;
  private readonly match: ((object: KubeObject) => boolean) | undefined;

  constructor(filter: EventFilter) {
    const kinds = filter.kind === undefined ? undefined : Array.isArray(filter.kind) ? filter.kind : [filter.kind];
    this.kinds = kinds ? new Set(kinds) : undefined;
    this.namespace = filter.namespace;
    this.name = filter.name;
    const selector = filter.labelSelector ? parseLabelSelector(filter.labelSelector) : undefined;
    this.selector = selector && !selector.empty ? selector : undefined;
    this.match = filter.match;
  }

  private matches(object: KubeObject): boolean {
    return (!this.selector || this.selector.matches(object.metadata.labels)) && (!this.match || this.match(object));
  }

  /** The event as this receiver sees it, or undefined when it should not see it. */
  apply(event: KubeEvent): KubeEvent | undefined {
    if (this.kinds && !this.kinds.has(event.kind)) return undefined;
    const meta = event.object.metadata;
    if (this.namespace !== undefined && (meta.namespace ?? '') !== this.namespace) return undefined;
    if (this.name !== undefined && meta.name !== this.name) return undefined;
    if (!this.selector && !this.match) return event;
    const matchesNow = this.matches(event.object);
    if (event.type !== 'MODIFIED') return matchesNow ? event : undefined;
    const matchedBefore = event.oldObject ? this.matches(event.oldObject) : matchesNow;
    if (matchedBefore && matchesNow) return event;
    if (matchesNow) return { type: 'ADDED', kind: event.kind, object: event.object };
    if (matchedBefore) return { ...event, type: 'DELETED' };
    return undefined;
  }
}

interface Receiver {
  filter: CompiledFilter;
  deliver(event: KubeEvent): void;
}

class BufferedSubscription implements Subscription, Receiver {
  private queue: (KubeEvent | undefined)[] = [];
  private head = 0;
  private readonly waiters: ((result: IteratorResult<KubeEvent>) => void)[] = [];
  private reason: SubscriptionCloseReason | undefined;

  constructor(
    readonly filter: CompiledFilter,
    private readonly capacity: number,
    private readonly detach: (receiver: Receiver) => void,
  ) {}

  get closedReason(): SubscriptionCloseReason | undefined {
    return this.reason;
  }

  get buffered(): number {
    return this.queue.length - this.head;
  }

  deliver(event: KubeEvent): void {
    if (this.reason) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter({ value: event, done: false });
      return;
    }
    if (this.buffered >= this.capacity) {
      this.end('overflow');
      return;
    }
    this.queue.push(event);
  }

  close(): void {
    this.end('closed');
  }

  end(reason: SubscriptionCloseReason): void {
    if (this.reason) return;
    this.reason = reason;
    // Dropped at once: an overflowed consumer resyncs from the cache, a closed one wants nothing.
    this.queue = [];
    this.head = 0;
    this.detach(this);
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<KubeEvent>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head] as KubeEvent;
      this.queue[this.head] = undefined;
      this.head++;
      this.compact();
      return Promise.resolve({ value, done: false });
    }
    if (this.reason) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<KubeEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= QUEUE_COMPACT_THRESHOLD && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

export interface EventHubOptions {
  /** Called when a synchronous listener throws; the other receivers still get the event. */
  onListenerError?: (error: unknown, event: KubeEvent) => void;
}

export class EventHub {
  /** Receivers with a kind filter, indexed by kind so an event only visits those that want it. */
  private readonly byKind = new Map<string, Set<Receiver>>();
  private readonly anyKind = new Set<Receiver>();
  private readonly onListenerError: (error: unknown, event: KubeEvent) => void;

  constructor(options: EventHubOptions = {}) {
    this.onListenerError =
      options.onListenerError ??
      ((error: unknown, event: KubeEvent) => {
        // No logger is wired at this layer; a listener bug must still be visible.
        console.error(`event hub listener failed on ${event.type} ${event.kind} ${event.object.metadata.name}:`, error);
      });
  }

  /** Receivers attached right now. */
  get receiverCount(): number {
    const seen = new Set<Receiver>(this.anyKind);
    for (const set of this.byKind.values()) for (const receiver of set) seen.add(receiver);
    return seen.size;
  }

  /** Throws LabelSelectorError when the filter's label selector does not parse. */
  subscribe(filter: EventFilter = {}, options: SubscribeOptions = {}): Subscription {
    const capacity = options.bufferSize ?? DEFAULT_SUBSCRIBER_BUFFER;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bufferSize must be a positive integer, got ${capacity}`);
    const subscription = new BufferedSubscription(new CompiledFilter(filter), capacity, (r) => this.detach(r));
    this.attach(subscription);
    return subscription;
  }

  /** A synchronous listener (controllers' work queues); answers the function that detaches it. */
  onEvent(filter: EventFilter, listener: EventListener): () => void {
    const receiver: Receiver = { filter: new CompiledFilter(filter), deliver: listener };
    this.attach(receiver);
    return () => this.detach(receiver);
  }

  publish(event: KubeEvent): void {
    this.deliverTo(this.anyKind, event);
    const forKind = this.byKind.get(event.kind);
    if (forKind) this.deliverTo(forKind, event);
  }

  /** Ends every subscription ('closed') and detaches every listener. */
  close(): void {
    const all = new Set<Receiver>(this.anyKind);
    for (const set of this.byKind.values()) for (const receiver of set) all.add(receiver);
    for (const receiver of all) {
      if (receiver instanceof BufferedSubscription) receiver.close();
      else this.detach(receiver);
    }
  }

  private deliverTo(receivers: Set<Receiver>, event: KubeEvent): void {
    for (const receiver of receivers) {
      const seen = receiver.filter.apply(event);
      if (!seen) continue;
      try {
        receiver.deliver(seen);
      } catch (error: unknown) {
        this.onListenerError(error, seen);
      }
    }
  }

  private attach(receiver: Receiver): void {
    const kinds = receiver.filter.kinds;
    if (!kinds) {
      this.anyKind.add(receiver);
      return;
    }
    for (const kind of kinds) {
      let set = this.byKind.get(kind);
      if (!set) {
        set = new Set();
        this.byKind.set(kind, set);
      }
      set.add(receiver);
    }
  }

  private detach(receiver: Receiver): void {
    this.anyKind.delete(receiver);
    for (const kind of receiver.filter.kinds ?? []) {
      const set = this.byKind.get(kind);
      if (!set) continue;
      set.delete(receiver);
      if (set.size === 0) this.byKind.delete(kind);
    }
  }
}
