/**
 * How every part of the server reads a Job: running, succeeded or failed (with the reason). A
 * failed pod is not a failed Job — the Job controller retries it until `backoffLimit` failures —
 * so failure is the Failed condition, or, for a Job whose controller writes no conditions, more
 * failed pods than the backoff limit allows.
 */
import { KUBERNETES_DEFAULT_BACKOFF_LIMIT } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';

export type JobOutcome = { state: 'running' } | { state: 'succeeded' } | { state: 'failed'; reason: string };

interface JobCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export function jobOutcome(job: KubeObject): JobOutcome {
  const status = (job.status ?? {}) as { succeeded?: number; failed?: number; conditions?: JobCondition[] };
  const condition = (type: string) => (status.conditions ?? []).find((c) => c.type === type && c.status === 'True');
  const failed = condition('Failed');
  if (failed) return { state: 'failed', reason: failed.message || failed.reason || 'the job failed' };
  if (condition('Complete') || (status.succeeded ?? 0) > 0) return { state: 'succeeded' };
  const backoffLimit = (job.spec as { backoffLimit?: number } | undefined)?.backoffLimit ?? KUBERNETES_DEFAULT_BACKOFF_LIMIT;
  if ((status.failed ?? 0) > backoffLimit) return { state: 'failed', reason: 'the job reached its backoff limit' };
  return { state: 'running' };
}
