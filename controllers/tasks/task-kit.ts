/** The shared part of the task handlers: job state, names and the steps every handler takes. */
import { LABELS, TASK_STATES, TASK_TYPES } from '../../src/domain/constants.js';
import { PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import type { PgoSettings } from '../../src/domain/settings.js';
import { JOBS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { ensure, tolerateMissing, withOwner } from '../kube-helpers.js';
import type { ControllerContext } from '../kube-helpers.js';
import { job } from '../templates.js';
import type { JobInput } from '../templates.js';

/** Label tying a Job to the task it carries out, for Jobs that must outlive their task. */
export const TASK_LABEL = LABELS.pgTask;
/** How often to look again while the Job of a replaced task is being garbage collected. */
export const PREVIOUS_JOB_WAIT_MS = 200;

export interface JobState {
  done: boolean;
  failed: boolean;
  reason: string;
}

export function jobState(j: KubeObject | undefined): JobState | undefined {
  if (!j) return undefined;
  const status = (j.status ?? {}) as { succeeded?: number; failed?: number; conditions?: { type: string; status: string; message?: string; reason?: string }[] };
  const failedCondition = status.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if ((status.failed ?? 0) > 0 || failedCondition) return { done: true, failed: true, reason: failedCondition?.message ?? failedCondition?.reason ?? 'the job failed' };
  return { done: (status.succeeded ?? 0) > 0, failed: false, reason: '' };
}

/**
 * 4.2.4 suffixed these Job names with four random letters; derived from the task's uid instead,
 * a reconcile that runs again before the cache shows its Job finds the same name, not a second Job.
 */
export function suffixOf(task: Pgtask): string {
  return String(task.metadata.uid ?? '').replace(/-/g, '').slice(0, 4) || 'task';
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What every task handler shares: the API, the settings, and the steps most tasks take. */
export class TaskKit {
  constructor(
    protected readonly ctx: ControllerContext,
    protected readonly settings: PgoSettings,
  ) {}

  /** The task's Job, owned by the task so it goes with it; created once. */
  protected ensureJob(task: Pgtask, input: JobInput): Promise<boolean> {
    return ensure(this.ctx, JOBS, withOwner(job(input), task));
  }

  protected cluster(task: Pgtask): Pgcluster | undefined {
    const name = task.spec.parameters?.['pg-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    return this.ctx.cache.get(PGCLUSTER, task.metadata.namespace ?? '', name);
  }

  protected async setProgress(task: Pgtask, progress: string, message?: string): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    if (task.spec.status !== progress) await tolerateMissing(this.ctx.writer.jsonPatch(PGTASK, ns, task.metadata.name, [{ op: 'replace', path: '/spec/status', value: progress }]));
    if (message !== undefined && task.status?.message !== message) await tolerateMissing(this.ctx.writer.patchStatus(PGTASK, ns, task.metadata.name, { state: TASK_STATES.processed, message }));
  }

  /** Adds a step to the workflow with this id (found by its label, as 4.2.4 did). */
  protected async workflowStep(namespace: string, id: string | undefined, step: string): Promise<void> {
    if (!id) return;
    const workflow = this.ctx.cache.list(PGTASK, namespace).find((x) => x.spec.tasktype === TASK_TYPES.workflow && x.metadata.labels?.[LABELS.workflowId] === id);
    if (!workflow || workflow.spec.parameters?.[step]) return;
    await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, namespace, workflow.metadata.name, { spec: { parameters: { [step]: now() } } }));
  }

  /** Adds (or, when asked, rewrites) a step of the workflow task with this name. */
  protected async workflowStepByName(namespace: string, name: string | undefined, step: string, rewrite: boolean): Promise<void> {
    if (!name) return;
    const workflow = this.ctx.cache.get(PGTASK, namespace, name);
    if (!workflow || (!rewrite && workflow.spec.parameters?.[step])) return;
    await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, namespace, name, { spec: { parameters: { [step]: now() } } }));
  }

  /**
   * A task carried out by one Job: create it once, then mirror its status (reference §4.7 rule 4).
   * A task whose status has moved on but whose Job is gone had its Job removed (a backup delete,
   * a person): running it again would redo the work, so nothing happens.
   */
  async jobTask(task: Pgtask, spec: KubeObject | undefined): Promise<void> {
    if (!spec) return;
    const ns = task.metadata.namespace ?? '';
    const existing = this.ctx.cache.list(JOBS, ns).find((j) => j.metadata.labels?.[TASK_LABEL] === task.metadata.name);
    if (!existing) {
      if (task.spec.status) return;
      await ensure(this.ctx, JOBS, spec);
      await this.setProgress(task, 'Backup Job Submitted');
      return;
    }
    const state = jobState(existing);
    const progress = state?.failed ? `job error [${existing.metadata.name}]` : state?.done ? `job completed [${existing.metadata.name}]` : `job submitted [${existing.metadata.name}]`;
    await this.setProgress(task, progress, state?.failed ? `job ${existing.metadata.name} failed: ${state.reason}` : undefined);
  }
}
