/**
 * Leader election with a coordination.k8s.io/v1 Lease, client-go's algorithm: the holder renews
 * the lease; another process takes it over once it has not been renewed for the lease duration.
 * Writes are compare-and-swap on the lease's resourceVersion, so two candidates cannot both win.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { LEASES } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/resources.js';
import { KubeApiError } from '../src/kube/writer.js';
import type { KubeWriter } from '../src/kube/writer.js';

export const LEASE_NAME = 'pgo-graphql-server-controllers';
export const LEASE_DURATION_MS = 15_000;
export const RENEW_DEADLINE_MS = 10_000;
export const RETRY_PERIOD_MS = 2_000;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

export interface LeaderElectionOptions {
  namespace: string;
  name?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onError?: (error: unknown) => void;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  readonly identity: string;
  private leading = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly durationMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;
  private readonly name: string;

  constructor(
    private readonly writer: KubeWriter,
    private readonly options: LeaderElectionOptions,
  ) {
    this.identity = options.identity ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.durationMs = options.leaseDurationMs ?? LEASE_DURATION_MS;
    this.deadlineMs = options.renewDeadlineMs ?? RENEW_DEADLINE_MS;
    this.retryMs = options.retryPeriodMs ?? RETRY_PERIOD_MS;
    this.name = options.name ?? LEASE_NAME;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Gives the lease up (so a successor need not wait out the duration) and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    this.options.onStoppedLeading();
    try {
      const lease = (await this.writer.read(LEASES, this.options.namespace, this.name)) as Lease | undefined;
      if (lease?.spec?.holderIdentity === this.identity) {
        await this.writer.replace(LEASES, { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(new Date(0)) } } as Lease);
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const held = await this.tryAcquireOrRenew();
      if (held) {
        this.lastRenew = Date.now();
        if (!this.leading) {
          this.leading = true;
          this.options.onStartedLeading();
        }
      }
    } catch (error) {
      this.options.onError?.(error);
    }
    if (this.leading && Date.now() - this.lastRenew > this.deadlineMs) {
      this.leading = false;
      this.options.onStoppedLeading();
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryMs);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const lease = (await this.writer.read(LEASES, this.options.namespace, this.name)) as Lease | undefined;
    const spec: LeaseSpec = { holderIdentity: this.identity, leaseDurationSeconds: Math.ceil(this.durationMs / 1000), renewTime: microTime(now) };
    if (!lease) {
      try {
        await this.writer.create(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.options.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } } as Lease);
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.code === 409) return false;
        throw error;
      }
    }
    const current = lease.spec ?? {};
    const mine = current.holderIdentity === this.identity;
    const renewedAt = current.renewTime ? Date.parse(current.renewTime) : 0;
    const expired = !current.holderIdentity || now.getTime() - renewedAt > (current.leaseDurationSeconds ?? 0) * 1000;
    if (!mine && !expired) return false;
    const next: LeaseSpec = mine ? { ...current, ...spec } : { ...spec, acquireTime: microTime(now), leaseTransitions: (current.leaseTransitions ?? 0) + 1 };
    try {
      await this.writer.replace(LEASES, { ...lease, spec: next } as Lease);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 409) return false;
      throw error;
    }
  }
}
