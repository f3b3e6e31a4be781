/**
 * Pgtask: marks each task Processed, then hands it to the handler of its type (controllers/tasks/),
 * which carries it out through a Job where 4.2.4 used one or through object changes, reading
 * Job status level-triggered so a completion while no controller ran is still seen, and a failed
 * Job surfaces as a failed task with its reason (reference §11 item 8).
 */
import { LABELS, TASK_STATES, TASK_TYPES } from '../src/domain/constants.js';
import { PGCLUSTER, PGTASK } from '../src/domain/custom-resources.js';
import type { Pgtask } from '../src/domain/custom-resources.js';
import type { PgoSettings } from '../src/domain/settings.js';
import type { KubeObject } from '../src/kube/resources.js';
import { ownerReference, tolerateMissing } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { keyOf, ownedBy, splitKey } from './runtime.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { BackrestTasks } from './tasks/backrest-tasks.js';
import { CloneTasks } from './tasks/clone-tasks.js';
import { FailoverTasks } from './tasks/failover-tasks.js';
import { JobTasks } from './tasks/job-tasks.js';
import { PgbouncerTasks } from './tasks/pgbouncer-tasks.js';
import { RmdataTasks } from './tasks/rmdata-tasks.js';
import { PolicyTasks } from './tasks/policy-tasks.js';
import { TASK_EVENT_REASONS, TASK_LABEL, taskEvent } from './tasks/task-kit.js';
import { UpgradeTask } from './tasks/upgrade-task.js';

export const TASK_PROCESSED_MESSAGE = 'Successfully processed Pgtask by controller';
/** Task types that are records rather than work: no started Event for them. */
const RECORDS: ReadonlySet<string> = new Set([TASK_TYPES.workflow]);

export class TaskController implements Controller {
  readonly name = 'pgtask';
  readonly kind = 'Pgtask';
  readonly watches = [
    // Minor upgrades advance as the cluster's pods come up on the new image.
    { kind: 'Pod', keys: (p: KubeObject) => (p.metadata.labels?.[LABELS.pgDatabase] === 'true' ? [`${p.metadata.namespace}/${p.metadata.labels[LABELS.pgCluster]}-minor-upgrade`] : []) },
    { kind: 'Job', keys: (j: KubeObject) => [...ownedBy('Pgtask')(j), ...(j.metadata.labels?.[TASK_LABEL] ? [`${j.metadata.namespace}/${j.metadata.labels[TASK_LABEL]}`] : [])] },
    // A workflow is adopted by its cluster once the cluster exists.
    { kind: 'Pgcluster', keys: (c: KubeObject) => this.ctx.cache.byCluster(PGTASK, c.metadata.namespace ?? '', c.metadata.name).filter((x) => x.spec.tasktype === TASK_TYPES.workflow && !x.metadata.ownerReferences?.length).map(keyOf) },
    { kind: 'Pod', keys: (p: KubeObject) => (p.metadata.labels?.[LABELS.backrestRepo] === 'true' ? this.ctx.cache.byCluster(PGTASK, p.metadata.namespace ?? '', p.metadata.labels[LABELS.pgCluster] ?? '').map(keyOf) : []) },
  ];

  private readonly backrestTasks: BackrestTasks;
  private readonly jobs: JobTasks;
  private readonly upgrade: UpgradeTask;
  private readonly clone: CloneTasks;
  private readonly pgbouncer: PgbouncerTasks;
  private readonly failoverTasks: FailoverTasks;
  private readonly rmdata: RmdataTasks;
  private readonly policies: PolicyTasks;

  constructor(
    private readonly ctx: ControllerContext,
    settings: PgoSettings,
  ) {
    this.backrestTasks = new BackrestTasks(ctx, settings);
    this.jobs = new JobTasks(ctx, settings);
    this.upgrade = new UpgradeTask(ctx, settings);
    this.clone = new CloneTasks(ctx, settings);
    this.pgbouncer = new PgbouncerTasks(ctx, settings);
    this.failoverTasks = new FailoverTasks(ctx, settings);
    this.rmdata = new RmdataTasks(ctx, settings);
    this.policies = new PolicyTasks(ctx, settings);
  }

  allKeys(): string[] {
    return this.ctx.cache.list(PGTASK).map(keyOf);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    let task = this.ctx.cache.get(PGTASK, namespace, name);
    if (!task || task.metadata.deletionTimestamp) return;
    if (task.status?.state !== TASK_STATES.processed) {
      task = (await tolerateMissing(this.ctx.writer.patchStatus(PGTASK, namespace, name, { state: TASK_STATES.processed, message: TASK_PROCESSED_MESSAGE }))) ?? task;
      if (!RECORDS.has(task.spec.tasktype)) await taskEvent(this.ctx, task, TASK_EVENT_REASONS.started, `${task.spec.tasktype} task started`);
    }
    switch (task.spec.tasktype) {
      case TASK_TYPES.workflow:
        return this.adoptWorkflow(task);
      case TASK_TYPES.addPolicies:
        return this.policies.policies(task);
      case TASK_TYPES.backrest:
        return this.backrestTasks.backrest(task);
      case TASK_TYPES.deleteData:
        return this.rmdata.deleteData(task);
      case TASK_TYPES.failover:
        return this.failoverTasks.failover(task);
      case TASK_TYPES.pgdump:
        return this.jobs.pgdump(task);
      case TASK_TYPES.backrestRestore:
        return this.backrestTasks.restore(task);
      case TASK_TYPES.pgrestore:
        return this.jobs.pgrestore(task);
      case TASK_TYPES.cloneStep1:
        return this.clone.cloneStep1(task);
      case TASK_TYPES.cloneStep2:
        return this.clone.cloneStep2(task);
      case TASK_TYPES.cloneStep3:
        return this.clone.cloneStep3(task);
      case TASK_TYPES.pgbasebackupRestore:
        return this.jobs.basebackupRestore(task);
      case TASK_TYPES.benchmark:
        return this.jobs.benchmark(task);
      case TASK_TYPES.minorUpgrade:
        return this.upgrade.minorUpgrade(task);
      case TASK_TYPES.deleteBackups:
        return this.rmdata.deleteBackups(task);
      case TASK_TYPES.addPgbouncer:
        return this.pgbouncer.pgbouncerLabel(task, true);
      case TASK_TYPES.deletePgbouncer:
        return this.pgbouncer.pgbouncerLabel(task, false);
      case TASK_TYPES.reconfigurePgbouncer:
        return this.pgbouncer.reconfigurePgbouncer(task);
      case TASK_TYPES.updatePgbouncerAuths:
        return this.pgbouncer.pgbouncerAuths(task);
      default:
        return;
    }
  }

  /** A workflow goes with its cluster (a clone's once the target exists); 4.2.4 left it behind. */
  private async adoptWorkflow(task: Pgtask): Promise<void> {
    const cluster = this.ctx.cache.get(PGCLUSTER, task.metadata.namespace, task.metadata.labels?.[LABELS.pgCluster] ?? '');
    if (!cluster || task.metadata.ownerReferences?.length) return;
    await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, task.metadata.namespace ?? '', task.metadata.name, { metadata: { ownerReferences: [ownerReference(cluster)] } }));
  }
}
