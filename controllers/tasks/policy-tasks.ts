/**
 * The policies task (`<cluster>-policies`, reference §5.2, §7.9): the cluster controller runs each
 * policy through a Job and labels the cluster when it succeeded. A failed Job is reported here, its
 * policy taken off the task (the cluster is not labelled as applied) and the Job removed, so that
 * applying the policy again runs it again.
 */
import { PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgtask } from '../../src/domain/custom-resources.js';
import { JOBS } from '../../src/kube/resources.js';
import { KubeApiError } from '../../src/kube/writer.js';
import { jobState, TaskKit } from './task-kit.js';

/** The label naming the policy a policy Job applies (set by the cluster controller). */
export const POLICY_JOB_LABEL = 'pgo-policy';

/** RFC 6901: `~` and `/` in a key are escaped in a JSON pointer. */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export class PolicyTasks extends TaskKit {
  async policies(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const queued = task.spec.parameters ?? {};
    const jobs = this.ctx.cache.list(JOBS, ns).filter((j) => j.metadata.ownerReferences?.some((r) => r.uid === task.metadata.uid));
    for (const run of jobs) {
      const policy = run.metadata.labels?.[POLICY_JOB_LABEL] ?? '';
      const state = jobState(run);
      if (!Object.hasOwn(queued, policy) || !state?.failed) continue;
      // Off the task first: a reconcile of the cluster must not find the policy queued without its Job.
      if (!(await this.unqueue(task, policy))) continue;
      await this.fail(task, `policy ${policy} was not applied: job ${run.metadata.name} failed: ${state.reason}`, { clusterReason: 'ApplyPolicyFailed', progress: task.spec.status });
      await this.ctx.writer.deleteIfExists(JOBS, ns, run.metadata.name);
    }
  }

  /** Answers whether this call took the policy off the task (a stale cache may show it queued still). */
  private async unqueue(task: Pgtask, policy: string): Promise<boolean> {
    const path = `/spec/parameters/${escapePointer(policy)}`;
    try {
      await this.ctx.writer.jsonPatch(PGTASK, task.metadata.namespace ?? '', task.metadata.name, [{ op: 'test', path, value: policy }, { op: 'remove', path }]);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && (error.code === 404 || error.code === 422 || error.code === 409)) return false;
      throw error;
    }
  }
}
