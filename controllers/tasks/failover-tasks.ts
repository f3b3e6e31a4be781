/** Failover and the backup that follows it (reference §5.3, §7.5). */
import { CLUSTER_STATES, LABELS, POD_ROLES, SPEC_STATUS, TASK_STATES } from '../../src/domain/constants.js';
import { PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import { names } from '../../src/domain/naming.js';
import { DEPLOYMENTS, PODS } from '../../src/kube/resources.js';
import { KubeApiError } from '../../src/kube/writer.js';
import { recordEvent, tolerateMissing } from '../kube-helpers.js';
import { backupTask } from '../backup-tasks.js';
import { now, TaskKit } from './task-kit.js';

export class FailoverTasks extends TaskKit {
  /** Manual failover (reference §7.5): the target becomes current primary; Patroni moves the roles. */
  async failover(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    if (task.spec.parameters?.['failover-started']) return;
    const clusterName = Object.keys(task.spec.parameters ?? {}).find((k) => k !== 'failover-started') ?? '';
    const cluster = this.ctx.cache.get(PGCLUSTER, ns, clusterName);
    const target = task.metadata.labels?.[LABELS.target] ?? '';
    await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, ns, task.metadata.name, { spec: { parameters: { 'failover-started': now() } } }));
    if (!cluster) return;
    await recordEvent(this.ctx, cluster, 'Normal', 'FailoverCluster', `failover to ${target} started`);
    const pod = this.ctx.cache.byCluster(PODS, ns, clusterName).find((p) => p.metadata.labels?.[LABELS.deploymentName] === target && p.metadata.labels?.[LABELS.role] === POD_ROLES.replica);
    if (!pod) {
      await this.setProgress(task, SPEC_STATUS.jobError, `no replica pod found for target ${target}`);
      await recordEvent(this.ctx, cluster, 'Warning', 'FailoverClusterFailed', `no replica pod found for target ${target}`);
      return;
    }
    await tolerateMissing(this.ctx.writer.patchStatus(PGTASK, ns, task.metadata.name, { state: TASK_STATES.processed, message: `promoting pod ${pod.metadata.name} target ${target}` }));
    await tolerateMissing(this.ctx.writer.mergePatch(PODS, ns, pod.metadata.name, { metadata: { labels: { [LABELS.serviceName]: clusterName } } }));
    await tolerateMissing(this.ctx.writer.mergePatch(DEPLOYMENTS, ns, target, { metadata: { labels: { [LABELS.serviceName]: clusterName } } }));
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, clusterName, { metadata: { labels: { [LABELS.currentPrimary]: target } }, spec: { userlabels: { [LABELS.currentPrimary]: target } } }));
    await tolerateMissing(this.ctx.writer.patchStatus(PGTASK, ns, task.metadata.name, { state: TASK_STATES.processed, message: `updating label deployment...pod ${pod.metadata.name}was the failover target...failover completed` }));
    await recordEvent(this.ctx, cluster, 'Normal', 'FailoverClusterCompleted', `${target} is the new primary`);
    await this.failoverBackup(cluster);
  }

  /**
   * A new primary starts a new timeline: 4.2.4 took a backup of it (`pgha-backup-type=failover`)
   * once the promoted pod was master, replacing the previous backup task and its Job.
   */
  async failoverBackup(cluster: Pgcluster): Promise<void> {
    if (cluster.status?.state !== CLUSTER_STATES.initialized) return;
    const ns = cluster.metadata.namespace ?? '';
    const name = names.backrestBackupTask(cluster.metadata.name);
    const repo = this.ctx.cache.byCluster(PODS, ns, cluster.metadata.name).find((p) => p.metadata.labels?.[LABELS.backrestRepo] === 'true');
    if (!repo) return;
    await this.ctx.writer.deleteIfExists(PGTASK, ns, name);
    const task = backupTask(cluster, repo.metadata.name, 'failover');
    // Created directly: the task just deleted may linger in the cache, which ensure() would trust.
    await this.ctx.writer.create(PGTASK, task).catch((error: unknown) => {
      if (!(error instanceof KubeApiError && error.code === 409)) throw error;
    });
  }
}
