/** The shared part of the task handlers: job state, names and the steps every handler takes. */
import { LABELS, SPEC_STATUS, TASK_STATES, TASK_TYPES } from '../../src/domain/constants.js';
import { PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import { jobOutcome } from '../../src/domain/job-outcome.js';
import { taskCluster } from '../../src/domain/task-ownership.js';
import type { PgoSettings } from '../../src/domain/settings.js';
import { JOBS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { ensure, recordEvent, tolerateMissing, withOwner } from '../kube-helpers.js';
import type { ControllerContext } from '../kube-helpers.js';
import { job } from '../templates.js';
import type { JobInput } from '../templates.js';

/** Label tying a Job to the task it carries out, for Jobs that must outlive their task. */
export const TASK_LABEL = LABELS.pgTask;
/** How often to look again while the Job of a replaced task is being garbage collected. */
export const PREVIOUS_JOB_WAIT_MS = 200;

/** Reasons of the Events recorded on Pgtasks themselves (4.2.4 published none for tasks). */
export const TASK_EVENT_REASONS = { started: 'TaskStarted', completed: 'TaskCompleted', failed: 'TaskFailed' } as const;
/** The workflow step a failed task records beside the steps 4.2.4 wrote (reference §11 item 8). */
export const WORKFLOW_FAILED_STEP = 'task failed';

/** The workflow task with this id (found by its label, as 4.2.4 did). */
function workflowTask(ctx: ControllerContext, namespace: string, id: string): Pgtask | undefined {
  return ctx.cache.list(PGTASK, namespace).find((x) => x.spec.tasktype === TASK_TYPES.workflow && x.metadata.labels?.[LABELS.workflowId] === id);
}

/** The cluster a task concerns, by the one ownership rule the API and subscriptions use too. */
function clusterOfTask(ctx: ControllerContext, task: Pgtask): Pgcluster | undefined {
  const name = taskCluster(task);
  return name ? ctx.cache.get(PGCLUSTER, task.metadata.namespace ?? '', name) : undefined;
}

export interface FailureReport {
  /** The Event reason on the cluster, e.g. 4.2.4's event name with `Failed`; `TaskFailed` when absent. */
  clusterReason?: string;
  /** The cluster to record it on when the task's own `pg-cluster` is not the one (a clone's source). */
  cluster?: KubeObject;
  /** The task's `spec.status`; `job error` when absent. */
  progress?: string;
}

/**
 * A task that cannot finish says so everywhere a person looks (reference §11 item 8): its status
 * and message, its workflow, and Warning Events on the task and on its cluster. Callers report a
 * failure once, at the transition that detects it.
 */
export async function failTask(ctx: ControllerContext, task: Pgtask, message: string, report: FailureReport = {}): Promise<void> {
  const ns = task.metadata.namespace ?? '';
  const progress = report.progress ?? SPEC_STATUS.jobError;
  await tolerateMissing(ctx.writer.patchStatus(PGTASK, ns, task.metadata.name, { state: TASK_STATES.processed, message }));
  const workflowId = task.spec.parameters?.[LABELS.workflowId] ?? task.metadata.labels?.[LABELS.workflowId];
  const workflow = workflowId ? workflowTask(ctx, ns, workflowId) : undefined;
  const cluster = report.cluster ?? clusterOfTask(ctx, task);
  await recordFailure(ctx, task, TASK_EVENT_REASONS.failed, message, { ...report, cluster, workflow });
  // Last: the status is what callers test to report once, so everything else is written before it.
  await writeProgress(ctx, task, progress);
}

/**
 * 4.2.4's JSON patch of `/spec/status`, as an `add`: a `replace` fails on a task created without a
 * status (by kubectl, by another client), and the task would then never move on.
 */
export async function writeProgress(ctx: ControllerContext, task: Pgtask, progress: string): Promise<void> {
  if (task.spec.status === progress) return;
  await tolerateMissing(ctx.writer.jsonPatch(PGTASK, task.metadata.namespace ?? '', task.metadata.name, [{ op: 'add', path: '/spec/status', value: progress }]));
}

/**
 * The part of a failure report every failed resource shares: the workflow's `task failed` step
 * and Warning Events on the resource and on its cluster.
 */
export async function recordFailure(ctx: ControllerContext, object: KubeObject, reason: string, message: string, report: FailureReport & { workflow?: Pgtask }): Promise<void> {
  if (report.workflow) await tolerateMissing(ctx.writer.mergePatch(PGTASK, report.workflow.metadata.namespace ?? '', report.workflow.metadata.name, { spec: { parameters: { [WORKFLOW_FAILED_STEP]: now() } } }));
  await recordEvent(ctx, object, 'Warning', reason, message);
  if (report.cluster) await recordEvent(ctx, report.cluster, 'Warning', report.clusterReason ?? TASK_EVENT_REASONS.failed, `${object.metadata.name}: ${message}`);
}

/** A Normal Event on the task, for `kubectl describe pgtask`. */
export function taskEvent(ctx: ControllerContext, task: Pgtask, reason: string, message: string): Promise<void> {
  return recordEvent(ctx, task, 'Normal', reason, message);
}

export interface JobState {
  done: boolean;
  failed: boolean;
  reason: string;
}

export function jobState(j: KubeObject | undefined): JobState | undefined {
  if (!j) return undefined;
  const outcome = jobOutcome(j);
  if (outcome.state === 'failed') return { done: true, failed: true, reason: outcome.reason };
  return { done: outcome.state === 'succeeded', failed: false, reason: '' };
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

  /** See failTask: the one way a handler reports a task that cannot finish. */
  protected fail(task: Pgtask, message: string, report?: FailureReport): Promise<void> {
    return failTask(this.ctx, task, message, report);
  }

  /** The task finished its work: a Normal Event on it. */
  protected completed(task: Pgtask, message: string): Promise<void> {
    return taskEvent(this.ctx, task, TASK_EVENT_REASONS.completed, message);
  }

  protected cluster(task: Pgtask): Pgcluster | undefined {
    return clusterOfTask(this.ctx, task);
  }

  protected async setProgress(task: Pgtask, progress: string, message?: string): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    await writeProgress(this.ctx, task, progress);
    if (message !== undefined && task.status?.message !== message) await tolerateMissing(this.ctx.writer.patchStatus(PGTASK, ns, task.metadata.name, { state: TASK_STATES.processed, message }));
  }

  /** Adds a step to the workflow with this id (found by its label, as 4.2.4 did). */
  protected async workflowStep(namespace: string, id: string | undefined, step: string): Promise<void> {
    if (!id) return;
    const workflow = workflowTask(this.ctx, namespace, id);
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
   * A task carried out by one Job: create it once, then mirror its status (reference §4.7 rule 4);
   * a failed Job is reported with `clusterReason` on the cluster. A task whose status has moved on
   * but whose Job is gone had its Job removed (a backup delete, a person): running it again would
   * redo the work, so nothing happens.
   */
  async jobTask(task: Pgtask, spec: KubeObject, clusterReason: string): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const existing = this.ctx.cache.list(JOBS, ns).find((j) => j.metadata.labels?.[TASK_LABEL] === task.metadata.name);
    if (!existing) {
      if (task.spec.status) return;
      await ensure(this.ctx, JOBS, spec);
      await this.setProgress(task, 'Backup Job Submitted');
      return;
    }
    const state = jobState(existing);
    const jobName = existing.metadata.name;
    if (state?.failed) {
      const progress = `${SPEC_STATUS.jobError} [${jobName}]`;
      const cluster = this.ctx.cache.get(PGCLUSTER, ns, existing.metadata.labels?.[LABELS.pgCluster] ?? '');
      if (task.spec.status !== progress) await this.fail(task, `job ${jobName} failed: ${state.reason}`, { progress, clusterReason, cluster });
      return;
    }
    const progress = state?.done ? `${SPEC_STATUS.jobCompleted} [${jobName}]` : `${SPEC_STATUS.jobSubmitted} [${jobName}]`;
    if (task.spec.status === progress) return;
    await this.setProgress(task, progress);
    if (state?.done) await this.completed(task, `job ${jobName} completed`);
  }
}
