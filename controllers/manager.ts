/**
 * Runs the controllers while this process holds the leader Lease; every process serves the APIs.
 * Losing the lease stops the controllers; regaining it starts them again from the cache.
 */
import type { PgoSettings } from '../src/domain/settings.js';
import type { EventHub } from '../src/kube/event-hub.js';
import type { KubeWriter } from '../src/kube/writer.js';
import type { CacheReader } from '../src/domain/context.js';
import { BackupController } from './backup-controller.js';
import { ClusterController } from './cluster-controller.js';
import { LeaderElector } from './leader-election.js';
import type { LeaderElectionOptions } from './leader-election.js';
import { PolicyController } from './policy-controller.js';
import { ReplicaController } from './replica-controller.js';
import { ScheduleController } from './schedule-controller.js';
import { SqlTaskController } from './sql-task-controller.js';
import { ControllerRunner } from './runtime.js';
import type { ControllerMetrics, RunnerObserver, RunnerOptions } from './runtime.js';
import type { Metrics } from '../src/observability/metrics.js';
import { TaskController } from './task-controller.js';

export interface ManagerOptions {
  cache: CacheReader;
  hub: EventHub;
  writer: KubeWriter;
  settings: PgoSettings;
  leaseNamespace: string;
  election?: Partial<Pick<LeaderElectionOptions, 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>>;
  runner?: RunnerOptions;
  metrics?: Metrics;
  onLeadership?: (leading: boolean) => void;
  /** A reconcile that threw; the runtime retries it with backoff. */
  onError?: (error: unknown) => void;
  /** A Lease read or write that failed; the elector tries again on its next tick. */
  onElectionError?: (error: unknown) => void;
}

export class ControllerManager {
  private runners: ControllerRunner[] = [];
  private readonly elector: LeaderElector;
  private transition: Promise<void> = Promise.resolve();

  constructor(private readonly options: ManagerOptions) {
    options.metrics?.readQueueDepths(() => Object.fromEntries(this.runners.map((r) => [r.name, r.metrics.queueDepth])));
    this.elector = new LeaderElector(options.writer, {
      namespace: options.leaseNamespace,
      ...options.election,
      onStartedLeading: () => this.serialize(() => this.startControllers()),
      onStoppedLeading: () => this.serialize(() => this.stopControllers()),
      ...(options.onElectionError ? { onError: options.onElectionError } : {}),
    });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  get identity(): string {
    return this.elector.identity;
  }

  /** API writes the controllers (and the leader election) have made. */
  get writes(): number {
    return this.options.writer.writes;
  }

  /** Per controller: reconciles, errors, queue depth and recent durations. */
  metrics(): Record<string, ControllerMetrics> {
    return Object.fromEntries(this.runners.map((r) => [r.name, r.metrics]));
  }

  start(): void {
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector.stop();
    await this.transition;
    await this.stopControllers();
  }

  private serialize(step: () => Promise<void> | void): void {
    this.transition = this.transition.then(step, step);
  }

  private startControllers(): void {
    const { cache, writer, settings, hub } = this.options;
    const ctx = { cache, writer };
    const metrics = this.options.metrics;
    const observer: RunnerObserver | undefined = metrics && {
      reconciled: (controller, seconds, failed) => {
        metrics.reconcileDuration.observe({ controller }, seconds);
        if (failed) metrics.reconcileErrors.inc({ controller });
      },
    };
    const onError = (controller: string, key: string, error: unknown): void => this.options.onError?.(Object.assign(error instanceof Error ? error : new Error(String(error)), { controller, key }));
    const controllers = [new ClusterController(ctx, settings), new ReplicaController(ctx, settings), new TaskController(ctx, settings), new PolicyController(ctx), new SqlTaskController(ctx, settings), new BackupController(ctx, settings), new ScheduleController(ctx, settings)];
    this.runners = controllers.map((c) => new ControllerRunner(c, hub, { ...this.options.runner, onError, ...(observer ? { observer } : {}) }));
    this.options.metrics?.leader.set(1);
    for (const runner of this.runners) runner.start();
    this.options.onLeadership?.(true);
  }

  private async stopControllers(): Promise<void> {
    const runners = this.runners;
    this.runners = [];
    await Promise.all(runners.map((r) => r.stop()));
    this.options.metrics?.leader.set(0);
    if (runners.length > 0) this.options.onLeadership?.(false);
  }
}
