/** Removal tasks: delete-data for clusters and replicas, delete-backups (reference §5.5, §5.6, §7.11). */
import { isBackupJob } from '../../src/domain/backup-service.js';
import { LABELS, SPEC_STATUS, TASK_TYPES } from '../../src/domain/constants.js';
import { PGCLUSTER, PGREPLICA, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgtask } from '../../src/domain/custom-resources.js';
import { names } from '../../src/domain/naming.js';
import { CONFIGMAPS, DEPLOYMENTS, JOBS, PVCS, SECRETS, SERVICES } from '../../src/kube/resources.js';
import type { KubeObject, ResourceHandle } from '../../src/kube/resources.js';
import { ensure, recordEvent, tolerateMissing } from '../kube-helpers.js';
import { job } from '../templates.js';
import { jobState, now, suffixOf, TASK_LABEL, TaskKit } from './task-kit.js';
/** Our addition to the rmdata task's parameters: the name of the Job carrying it out. */
export const RMDATA_JOB_PARAMETER = 'delete-data-job';

export class RmdataTasks extends TaskKit {
  /**
   * rmdata (reference §5.5, §7.11): a Job for the record, and the removal itself once it has run.
   * The Job's name is written into the task first (`delete-data-job`), so a reconcile that finds no
   * Job can tell "not created yet" from "done and removed" and never starts the work twice.
   */
  async deleteData(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const clusterName = p['pg-cluster'] ?? '';
    const jobName = p[RMDATA_JOB_PARAMETER];
    if (!jobName) {
      const name = `${clusterName}-rmdata-${suffixOf(task)}`;
      await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, ns, task.metadata.name, { spec: { parameters: { 'delete-data-started': now(), [RMDATA_JOB_PARAMETER]: name } } }));
      // No ownerReference: the Job must survive the deletion of the task it carries out.
      await ensure(
        this.ctx,
        JOBS,
        job({
          namespace: ns,
          name,
          cluster: clusterName,
          image: `${this.settings.pgoImagePrefix}/pgo-rmdata:${this.settings.pgoImageTag}`,
          serviceAccount: 'pgo-target',
          labels: { [LABELS.rmdata]: 'true', [TASK_LABEL]: task.metadata.name },
          env: { PG_CLUSTER: clusterName, PGHA_SCOPE: p['crunchy-pgha-scope'] ?? '', REPLICA_NAME: p['replica-name'] ?? '', REMOVE_DATA: p['delete-data'] ?? 'true', REMOVE_BACKUP: p['delete-backups'] ?? 'true', IS_BACKUP: p['is-backup'] ?? 'false', IS_REPLICA: p['is-replica'] ?? 'false', NAMESPACE: ns },
        }),
      );
      const cluster = this.ctx.cache.get(PGCLUSTER, ns, clusterName);
      const what = p['is-backup'] === 'true' ? `the backups of ${clusterName}` : p['replica-name'] || clusterName;
      if (cluster) await recordEvent(this.ctx, cluster, 'Normal', p['is-replica'] === 'true' ? 'ScaleDownCluster' : 'DeleteCluster', `rmdata for ${what} started`);
      return;
    }
    const run = this.ctx.cache.get(JOBS, ns, jobName) ?? (await this.ctx.writer.read(JOBS, ns, jobName));
    if (!run) {
      // Done and removed by an earlier run: only the task may be left.
      await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
      return;
    }
    const state = jobState(run);
    if (!state?.done) return;
    if (state.failed) {
      if (task.spec.status !== SPEC_STATUS.jobError) await this.fail(task, `job ${run.metadata.name} failed: ${state.reason}`, { clusterReason: p['is-replica'] === 'true' ? 'ScaleDownClusterFailed' : 'DeleteClusterFailed' });
      return;
    }
    const cluster = this.ctx.cache.get(PGCLUSTER, ns, clusterName);
    if (p['is-backup'] === 'true') await this.removeBackups(ns, clusterName);
    else if (p['is-replica'] === 'true') await this.removeReplica(ns, clusterName, p['replica-name'] ?? '', p['delete-data'] === 'true');
    else await this.removeCluster(ns, clusterName, p['delete-data'] !== 'false', p['delete-backups'] !== 'false');
    // Recorded on the cluster as it was: the Event outlives the object, as `kubectl get events` shows.
    if (cluster && p['is-replica'] !== 'true' && p['is-backup'] !== 'true') await recordEvent(this.ctx, cluster, 'Normal', 'DeleteClusterCompleted', `cluster ${clusterName} removed by job ${run.metadata.name}`);
    await this.completed(task, `job ${run.metadata.name} completed`);
    await this.ctx.writer.deleteIfExists(JOBS, ns, run.metadata.name);
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }

  async deleteAll(handle: ResourceHandle, ns: string, objects: KubeObject[]): Promise<void> {
    for (const o of objects) await this.ctx.writer.deleteIfExists(handle, ns, o.metadata.name);
  }

  async removeReplica(ns: string, cluster: string, replica: string, deleteData: boolean): Promise<void> {
    await this.ctx.writer.deleteIfExists(PGREPLICA, ns, replica);
    await this.ctx.writer.deleteIfExists(DEPLOYMENTS, ns, replica);
    if (deleteData) await this.ctx.writer.deleteIfExists(PVCS, ns, replica);
    const remaining = this.ctx.cache.byCluster(PGREPLICA, ns, cluster).filter((r) => r.metadata.name !== replica);
    if (remaining.length === 0) await this.ctx.writer.deleteIfExists(SERVICES, ns, names.replicaService(cluster));
  }

  /** Legacy backup delete (`is-backup=true`, reference §7.11): the backup Jobs and the pg_dump PVC, nothing else. */
  async removeBackups(ns: string, cluster: string): Promise<void> {
    await this.deleteAll(JOBS, ns, this.ctx.cache.byCluster(JOBS, ns, cluster).filter(isBackupJob));
    await this.ctx.writer.deleteIfExists(PVCS, ns, names.pgdumpPvc(cluster));
  }

  /** The rmdata steps in 4.2.4's order (reference §7.11). */
  async removeCluster(ns: string, cluster: string, deleteData: boolean, deleteBackups: boolean): Promise<void> {
    const c = this.ctx.cache;
    if (deleteData) await this.deleteAll(SECRETS, ns, c.byCluster(SECRETS, ns, cluster).filter((s) => s.metadata.labels?.[LABELS.backrestRepo] !== 'true'));
    await this.deleteAll(DEPLOYMENTS, ns, c.byCluster(DEPLOYMENTS, ns, cluster).filter((d) => d.metadata.labels?.[LABELS.backrestRepo] !== 'true'));
    await this.ctx.writer.deleteIfExists(PGCLUSTER, ns, cluster);
    await this.deleteAll(SERVICES, ns, c.byCluster(SERVICES, ns, cluster));
    await this.deleteAll(PGREPLICA, ns, c.byCluster(PGREPLICA, ns, cluster));
    await this.deleteAll(CONFIGMAPS, ns, c.byCluster(CONFIGMAPS, ns, cluster));
    const kept = new Set([names.pgdumpPvc(cluster), `${cluster}-pgbr-repo`, `${cluster}-backup`]);
    if (deleteData) await this.deleteAll(PVCS, ns, c.byCluster(PVCS, ns, cluster).filter((v) => !kept.has(v.metadata.name)));
    await this.deleteAll(JOBS, ns, c.byCluster(JOBS, ns, cluster).filter((j) => j.metadata.labels?.[LABELS.rmdata] !== 'true'));
    await this.ctx.writer.deleteIfExists(DEPLOYMENTS, ns, names.repoDeployment(cluster));
    if (deleteBackups) {
      await this.ctx.writer.deleteIfExists(SECRETS, ns, names.backrestRepoSecret(cluster));
      for (const v of kept) await this.ctx.writer.deleteIfExists(PVCS, ns, v);
    }
    // Tasks last, except the rmdata task itself, which goes once its Job is gone. Only the labelled
    // ones, as 4.2.4 deleted them: the unlabelled pg_dump records outlive the cluster with their dumps.
    await this.deleteAll(PGTASK, ns, c.byCluster(PGTASK, ns, cluster).filter((t) => t.metadata.labels?.[LABELS.pgCluster] === cluster && t.spec.tasktype !== TASK_TYPES.deleteData));
  }

  /** delete-backups (reference §5.6): every Job of the cluster goes; the task records it is done. */
  async deleteBackups(task: Pgtask): Promise<void> {
    if (task.spec.status === SPEC_STATUS.completed) return;
    const ns = task.metadata.namespace ?? '';
    const cluster = task.spec.parameters?.['pg-cluster'] ?? '';
    for (const j of this.ctx.cache.byCluster(JOBS, ns, cluster)) await this.ctx.writer.deleteIfExists(JOBS, ns, j.metadata.name);
    await this.setProgress(task, SPEC_STATUS.completed);
    await this.completed(task, `the Jobs of cluster ${cluster} deleted`);
  }
}
