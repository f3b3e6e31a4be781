/**
 * The SQL queue of each cluster (src/domain/sql-tasks.ts): its PostgreSQL user tasks and loads run
 * one at a time, oldest first, each through a Job once the primary is ready (a load also once the
 * policies it asked for are applied). A user task's Job success writes or deletes the user's
 * Secret and, for a pgBouncer cluster, asks for its reconfiguration, as 4.2.4 did after its SQL;
 * then the task goes. A failed Job marks its task `job error` with the reason and an Event on the
 * cluster, and the queue moves on.
 */
import { LABELS, SPEC_STATUS, TASK_TYPES, VENDOR } from '../src/domain/constants.js';
import { PGCLUSTER, PGTASK } from '../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import { POLICY_LABEL_VALUE } from '../src/domain/policy-service.js';
import { podReady } from '../src/domain/pods.js';
import type { PgoSettings } from '../src/domain/settings.js';
import { isQueued, queueOrder, SQL_TASK_PARAMS, SQL_TASK_TYPES, STATEMENT_KEYS, USER_SECRET_ACTIONS } from '../src/domain/sql-tasks.js';
import { taskObject } from '../src/domain/task-factory.js';
import { JOBS, PODS, SECRETS } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/resources.js';
import { KubeApiError } from '../src/kube/writer.js';
import { ensure, recordEvent, withOwner } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { byClusterLabel, splitKey } from './runtime.js';
import type { Controller } from './runtime.js';
import { loadJob, userSqlJob } from './sql-task-jobs.js';
import { failTask, jobState, writeProgress } from './tasks/task-kit.js';

export class SqlTaskController implements Controller {
  readonly name = 'sql-tasks';
  /** Keyed by cluster: one queue each, never worked on by two workers at once. */
  readonly kind = 'Pgcluster';
  readonly watches = [
    // Its own tasks and Jobs, and the policies task and policy Jobs a load waits for.
    { kind: 'Pgtask', keys: byClusterLabel },
    { kind: 'Job', keys: byClusterLabel },
    { kind: 'Pod', keys: (p: KubeObject) => (p.metadata.labels?.[LABELS.pgDatabase] === 'true' ? byClusterLabel(p) : []) },
  ];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly settings: PgoSettings,
  ) {}

  allKeys(): string[] {
    return [...new Set(this.ctx.cache.list(PGTASK).filter(isQueued).flatMap(byClusterLabel))];
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const [task] = this.ctx.cache.byCluster(PGTASK, namespace, name).filter(isQueued).sort(queueOrder);
    if (!task) return;
    const cluster = this.ctx.cache.get(PGCLUSTER, namespace, name);
    if (!cluster) return;
    const run = this.ctx.cache.get(JOBS, namespace, task.metadata.name);
    if (!run) return this.start(cluster, task);
    const state = jobState(run);
    if (!state?.done) return;
    if (state.failed) return this.fail(cluster, task, `job ${run.metadata.name} failed: ${state.reason}`);
    if (task.spec.tasktype === SQL_TASK_TYPES.postgresUser && !(await this.afterUserSql(cluster, task))) return;
    await recordEvent(this.ctx, cluster, 'Normal', task.spec.tasktype === SQL_TASK_TYPES.load ? 'Load' : 'PostgresUser', `job ${run.metadata.name} completed`);
    await this.ctx.writer.deleteIfExists(PGTASK, namespace, task.metadata.name);
  }

  private async start(cluster: Pgcluster, task: Pgtask): Promise<void> {
    const { namespace, name } = cluster.metadata;
    const primaryReady = this.ctx.cache.byCluster(PODS, namespace ?? '', name).some((p) => p.metadata.labels?.[LABELS.role] === 'master' && podReady(p));
    if (!primaryReady) return;
    let spec: KubeObject;
    if (task.spec.tasktype === SQL_TASK_TYPES.load) {
      const blocked = await this.policyBlock(cluster, task);
      if (blocked === 'pending') return;
      if (blocked) return this.fail(cluster, task, blocked);
      // Not owned by the task: like 4.2.4's, the Job and its log outlive the request.
      spec = loadJob(cluster, task);
    } else {
      spec = withOwner(userSqlJob(cluster, task, this.settings), task);
    }
    await ensure(this.ctx, JOBS, spec);
    await writeProgress(this.ctx, task, `${SPEC_STATUS.jobSubmitted} [${task.metadata.name}]`);
  }

  /**
   * 'pending' while a policy the load asked for is still queued; a reason when it left the queue
   * without being applied (its Job failed: the task controller took it off and reported it).
   */
  private async policyBlock(cluster: Pgcluster, task: Pgtask): Promise<string | undefined> {
    const { namespace, name } = cluster.metadata;
    const wanted = (task.spec.parameters?.[SQL_TASK_PARAMS.policies] ?? '').split(',').filter(Boolean);
    const queued = this.ctx.cache.get(PGTASK, namespace, names.policiesTask(name))?.spec.parameters ?? {};
    for (const policy of wanted) {
      if (Object.hasOwn(queued, policy)) return 'pending';
      if (cluster.metadata.labels?.[policy] === POLICY_LABEL_VALUE) continue;
      // The cluster is labelled before its policy leaves the queue, but the cache may show the second write first.
      const fresh = await this.ctx.writer.read(PGCLUSTER, namespace ?? '', name);
      if (fresh?.metadata.labels?.[policy] !== POLICY_LABEL_VALUE) return `policy ${policy} was not applied, so the data was not loaded`;
    }
    return undefined;
  }

  /** Answers whether the task is done; a statement Secret gone missing fails it. */
  private async afterUserSql(cluster: Pgcluster, task: Pgtask): Promise<boolean> {
    const namespace = cluster.metadata.namespace ?? '';
    const clusterName = cluster.metadata.name;
    const p = task.spec.parameters ?? {};
    const action = p[SQL_TASK_PARAMS.userSecret];
    if (action === USER_SECRET_ACTIONS.keep) return true;
    const statement = this.ctx.cache.get(SECRETS, namespace, task.metadata.name);
    const data = (statement?.data ?? {}) as Record<string, string>;
    if (!statement || data[STATEMENT_KEYS.username] === undefined) {
      await this.fail(cluster, task, `the SQL ran but its Secret ${task.metadata.name} is gone: the user's Secret was not updated`);
      return false;
    }
    const username = Buffer.from(data[STATEMENT_KEYS.username], 'base64').toString('utf8');
    const secretName = names.userSecret(clusterName, username);
    if (action === USER_SECRET_ACTIONS.write) {
      await this.writeUserSecret(namespace, clusterName, secretName, { username: data[STATEMENT_KEYS.username], password: data[STATEMENT_KEYS.password] ?? '' });
    } else {
      await this.ctx.writer.deleteIfExists(SECRETS, namespace, secretName);
    }
    if (p[SQL_TASK_PARAMS.reconfigurePgbouncer] === 'true') await this.reconfigurePgbouncer(namespace, clusterName);
    return true;
  }

  /** The Secret 4.2.4 made for a managed user; `data` is already base64. */
  private async writeUserSecret(namespace: string, cluster: string, name: string, data: Record<string, string>): Promise<void> {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: { [LABELS.pgCluster]: cluster, [LABELS.vendor]: VENDOR } }, type: 'Opaque', data };
    try {
      await this.ctx.writer.create(SECRETS, secret);
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.code !== 409) throw error;
      await this.ctx.writer.mergePatch(SECRETS, namespace, name, { data });
    }
  }

  /** 4.2.4's `pgbouncer-reconfigure-<cluster>` task, any previous one replaced. */
  private async reconfigurePgbouncer(namespace: string, cluster: string): Promise<void> {
    const name = `pgbouncer-reconfigure-${cluster}`;
    await this.ctx.writer.deleteIfExists(PGTASK, namespace, name);
    const task = taskObject({ namespace, name, tasktype: TASK_TYPES.reconfigurePgbouncer, labels: { [LABELS.pgCluster]: cluster, 'pgbouncer-reconfigure': 'true' }, parameters: { 'pgbouncer-cluster': cluster } });
    try {
      await this.ctx.writer.create(PGTASK, task);
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.code !== 409) throw error;
    }
  }

  private fail(cluster: Pgcluster, task: Pgtask, message: string): Promise<void> {
    return failTask(this.ctx, task, message, { cluster, progress: `${SPEC_STATUS.jobError} [${task.metadata.name}]`, clusterReason: task.spec.tasktype === SQL_TASK_TYPES.load ? 'LoadFailed' : 'PostgresUserFailed' });
  }
}
