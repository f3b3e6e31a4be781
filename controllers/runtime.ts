/**
 * The shared controller runtime: one work queue per controller fed by the event hub (its own kind,
 * and other kinds mapped back to its keys), a few workers, rate-limited retries, a periodic
 * resync, and counters. `reconcile(key)` reads the cache and converges; it may ask to run again
 * after a delay.
 */
import type { EventHub, KubeEvent } from '../src/kube/event-hub.js';
import type { KubeObject } from '../src/kube/resources.js';
import { WorkQueue } from './work-queue.js';

export const DEFAULT_WORKERS = 4;
export const RESYNC_PERIOD_MS = 5 * 60_000;
/** Reconcile durations kept for percentiles. */
const DURATION_SAMPLES = 10_000;

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface Watch {
  kind: string;
  /** The controller keys (`namespace/name`) an event on this kind concerns. */
  keys(object: KubeObject): string[];
}

export interface Controller {
  readonly name: string;
  /** The kind whose objects are this controller's keys. */
  readonly kind: string;
  readonly watches: readonly Watch[];
  /** Every key, for the periodic resync. */
  allKeys(): string[];
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export interface ControllerMetrics {
  reconciles: number;
  errors: number;
  queueDepth: number;
  durationsMs: number[];
}

export function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const at = key.indexOf('/');
  return { namespace: key.slice(0, at), name: key.slice(at + 1) };
}

/** Maps an owned object to its controlling owner of `kind`. */
export function ownedBy(kind: string): Watch['keys'] {
  return (object) => {
    const owner = object.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind);
    return owner ? [`${object.metadata.namespace ?? ''}/${owner.name}`] : [];
  };
}

/** Maps an object labelled `pg-cluster=<name>` to the cluster key. */
export function byClusterLabel(object: KubeObject): string[] {
  const cluster = object.metadata.labels?.['pg-cluster'];
  return cluster ? [`${object.metadata.namespace ?? ''}/${cluster}`] : [];
}

/** Where a runner reports each reconcile (the process's Prometheus metrics). */
export interface RunnerObserver {
  reconciled(controller: string, seconds: number, failed: boolean): void;
}

export interface RunnerOptions {
  workers?: number;
  resyncPeriodMs?: number;
  onError?: (controller: string, key: string, error: unknown) => void;
  observer?: RunnerObserver;
}

export class ControllerRunner {
  private readonly counts = { reconciles: 0, errors: 0, durationsMs: [] as number[] };
  private readonly queue = new WorkQueue();
  private readonly detach: (() => void)[] = [];
  private resync: NodeJS.Timeout | undefined;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly controller: Controller,
    private readonly hub: EventHub,
    private readonly options: RunnerOptions = {},
  ) {}

  get name(): string {
    return this.controller.name;
  }

  /** Read when asked, so the queue depth is the depth now, not at the last reconcile. */
  get metrics(): ControllerMetrics {
    return { ...this.counts, queueDepth: this.queue.depth };
  }

  start(): void {
    const c = this.controller;
    this.detach.push(this.hub.onEvent({ kind: c.kind }, (event) => this.queue.add(keyOf(event.object))));
    for (const watch of c.watches) {
      this.detach.push(this.hub.onEvent({ kind: watch.kind }, (event: KubeEvent) => {
        for (const key of watch.keys(event.object)) this.queue.add(key);
        if (event.oldObject) for (const key of watch.keys(event.oldObject)) this.queue.add(key);
      }));
    }
    for (const key of c.allKeys()) this.queue.add(key);
    this.resync = setInterval(() => {
      for (const key of c.allKeys()) this.queue.add(key);
    }, this.options.resyncPeriodMs ?? RESYNC_PERIOD_MS);
    this.workers = Array.from({ length: this.options.workers ?? DEFAULT_WORKERS }, () => this.work());
  }

  /** Stops taking keys and waits for reconciles in flight. */
  async stop(): Promise<void> {
    for (const detach of this.detach.splice(0)) detach();
    clearInterval(this.resync);
    this.queue.shutdown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.take();
      if (key === undefined) return;
      const started = performance.now();
      let failed = false;
      try {
        const result = await this.controller.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        failed = true;
        this.counts.errors++;
        this.options.onError?.(this.controller.name, key, error);
        this.queue.addRateLimited(key);
      } finally {
        this.counts.reconciles++;
        const samples = this.counts.durationsMs;
        samples.push(performance.now() - started);
        if (samples.length > DURATION_SAMPLES) samples.splice(0, samples.length - DURATION_SAMPLES);
        this.options.observer?.reconciled(this.controller.name, (performance.now() - started) / 1000, failed);
        this.queue.done(key);
      }
    }
  }
}
