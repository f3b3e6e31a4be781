/**
 * Prometheus metrics (prom-client), served at GET /metrics to authenticated callers: the
 * controllers' work queues (depth, reconcile duration, errors), GraphQL subscription executions and
 * the process defaults.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

/** Buckets from a cache hit (sub-millisecond) to a reconcile waiting on several API writes. */
const RECONCILE_BUCKETS_SECONDS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  readonly reconcileDuration = new Histogram({ name: 'pgo_controller_reconcile_duration_seconds', help: 'Time of one reconcile, by controller.', labelNames: ['controller'], buckets: RECONCILE_BUCKETS_SECONDS, registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: 'pgo_controller_reconcile_errors_total', help: 'Reconciles that failed and were retried, by controller.', labelNames: ['controller'], registers: [this.registry] });
  private queueDepths: () => Record<string, number> = () => ({});
  /** Collected at scrape time from the running queues: set at each reconcile, it went stale while a queue waited. */
  readonly queueDepth = new Gauge({
    name: 'pgo_controller_queue_depth',
    help: 'Keys waiting in a controller work queue.',
    labelNames: ['controller'],
    registers: [this.registry],
    collect: () => {
      this.queueDepth.reset();
      for (const [controller, depth] of Object.entries(this.queueDepths())) this.queueDepth.set({ controller }, depth);
    },
  });
  readonly subscriptionExecutions = new Counter({ name: 'pgo_graphql_subscription_executions_total', help: 'Executions of GraphQL subscription documents for events; identical subscriptions share one execution per event.', registers: [this.registry] });
  readonly leader = new Gauge({ name: 'pgo_controller_leader', help: '1 while this process holds the controllers lease.', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the queue-depth gauge reads the depths (the controllers running in this process). */
  readQueueDepths(source: () => Record<string, number>): void {
    this.queueDepths = source;
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
