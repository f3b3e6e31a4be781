/** pgBackRest tasks: stanza-create, backups and restores (reference §5.7, §5.8, §7.7). */
import { BACKREST_COMMANDS, BACKUP_TYPES, CLUSTER_STATES, LABELS, REPLICA_STATES, SPEC_STATUS, WORKFLOW_STEPS } from '../../src/domain/constants.js';
import { PGCLUSTER, PGREPLICA, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import { names } from '../../src/domain/naming.js';
import { CONFIGMAPS, DEPLOYMENTS, JOBS, PVCS } from '../../src/kube/resources.js';
import { ensure, recordEvent, tolerateMissing, withOwner } from '../kube-helpers.js';
import type { ReconcileResult } from '../runtime.js';
import { backupTask } from '../backup-tasks.js';
import { pgDeployment, pvc, restoreVolumes, validUserLabels } from '../templates.js';
import { jobState, PREVIOUS_JOB_WAIT_MS, suffixOf, TaskKit } from './task-kit.js';
/** Our addition to the restore task's parameters: the name of its Job. */
export const RESTORE_JOB_PARAMETER = 'backrest-restore-job';

export class BackrestTasks extends TaskKit {
  /** pgBackRest stanza-create and backups (reference §5.7). */
  async backrest(task: Pgtask): Promise<ReconcileResult | void> {
    if (task.spec.status === SPEC_STATUS.jobCompleted || task.spec.status === SPEC_STATUS.jobError) return;
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const cluster = this.cluster(task);
    if (!cluster) return;
    const command = p['backrest-command'] ?? BACKREST_COMMANDS.backup;
    const jobName = p['job-name'] || task.metadata.name;
    const labels: Record<string, string> = { [LABELS.backrest]: 'true', [LABELS.backrestJob]: 'true', [LABELS.backrestCommand]: command };
    for (const key of [LABELS.pgouser, LABELS.pgClusterId]) if (task.metadata.labels?.[key]) labels[key] = task.metadata.labels[key];
    if (p[LABELS.backupType]) labels[LABELS.backupType] = p[LABELS.backupType];
    const previous = this.ctx.cache.get(JOBS, ns, jobName);
    if (previous && !previous.metadata.ownerReferences?.some((r) => r.uid === task.metadata.uid)) {
      // The Job of an earlier task of this name is still being collected: its result is not ours.
      return { requeueAfterMs: PREVIOUS_JOB_WAIT_MS };
    }
    const created = await this.ensureJob(task, {
      namespace: ns,
      name: jobName,
      cluster: cluster.metadata.name,
      image: `${this.settings.pgoImagePrefix}/pgo-backrest:${this.settings.pgoImageTag}`,
      serviceAccount: 'pgo-backrest',
      labels,
      env: { COMMAND: command, COMMAND_OPTS: p['backrest-opts'] ?? '', PITR_TARGET: '', PODNAME: p.podname ?? '', PGBACKREST_STANZA: 'db', PGBACKREST_DB_PATH: `/pgdata/${cluster.metadata.name}`, PGBACKREST_REPO_PATH: `/backrestrepo/${names.repoDeployment(cluster.metadata.name)}`, PGBACKREST_REPO_TYPE: p['backrest-storage-type'] || 'posix', NAMESPACE: ns },
    });
    if (created) {
      await recordEvent(this.ctx, cluster, 'Normal', command === BACKREST_COMMANDS.backup ? 'CreateBackup' : 'StanzaCreate', `started job ${jobName}`);
      return;
    }
    const state = jobState(this.ctx.cache.get(JOBS, ns, jobName));
    if (!state?.done) return;
    if (state.failed) {
      await this.setProgress(task, SPEC_STATUS.jobError, `job ${jobName} failed: ${state.reason}`);
      await recordEvent(this.ctx, cluster, 'Warning', command === BACKREST_COMMANDS.backup ? 'CreateBackupFailed' : 'StanzaCreateFailed', `job ${jobName} failed: ${state.reason}`);
      return;
    }
    if (command === BACKREST_COMMANDS.stanzaCreate) await this.bootstrapBackup(cluster, p.podname ?? '');
    if (command === BACKREST_COMMANDS.backup) {
      if (p[LABELS.backupType] === BACKUP_TYPES.bootstrap) await this.initialized(cluster);
      await recordEvent(this.ctx, cluster, 'Normal', 'CreateBackupCompleted', `backup job ${jobName} completed`);
    }
    await this.setProgress(task, SPEC_STATUS.jobCompleted);
  }

  async bootstrapBackup(cluster: Pgcluster, repoPod: string): Promise<void> {
    await ensure(this.ctx, PGTASK, backupTask(cluster, repoPod, 'bootstrap'));
  }

  /** The bootstrap backup succeeded: the cluster is Initialized and its replicas may be built. */
  async initialized(cluster: Pgcluster): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const wasRestoring = cluster.status?.state === CLUSTER_STATES.restoring;
    if (cluster.status?.state !== CLUSTER_STATES.initialized) {
      await tolerateMissing(this.ctx.writer.patchStatus(PGCLUSTER, ns, cluster.metadata.name, { state: CLUSTER_STATES.initialized, message: 'Cluster has been initialized' }));
      await recordEvent(this.ctx, cluster, 'Normal', 'Initialized', 'Cluster has been initialized');
    }
    for (const replica of this.ctx.cache.byCluster(PGREPLICA, ns, cluster.metadata.name)) {
      const patch = wasRestoring ? { spec: { status: 'restore' } } : { metadata: { annotations: { 'pgo-pgha-bootstrap-replica': 'true' } } };
      await tolerateMissing(this.ctx.writer.mergePatch(PGREPLICA, ns, replica.metadata.name, patch));
    }
  }

  /**
   * pgBackRest restore (reference §7.7). Phase 1: the new primary PVC, the old instances stopped,
   * the cluster Restoring, the restore Job. Phase 2, when the Job succeeded: the restored primary
   * Deployment under a new Patroni scope. The bootstrap backup that ends the restore is the
   * cluster controller's (primary readiness while Restoring).
   */
  async restore(task: Pgtask): Promise<void> {
    if (task.spec.status === SPEC_STATUS.jobCompleted || task.spec.status === SPEC_STATUS.jobError) return;
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const cluster = this.ctx.cache.get(PGCLUSTER, ns, p['backrest-restore-from-cluster'] ?? '');
    if (!cluster) return;
    const clusterName = cluster.metadata.name;
    const toPvc = p['backrest-restore-to-pvc'] ?? '';
    const jobName = p[RESTORE_JOB_PARAMETER];
    if (!jobName) {
      const claim = pvc(ns, clusterName, toPvc, cluster.spec.PrimaryStorage);
      if (claim) await ensure(this.ctx, PVCS, claim);
      for (const d of this.ctx.cache.byCluster(DEPLOYMENTS, ns, clusterName)) {
        if (d.metadata.labels?.[LABELS.pgDatabase] === 'true') await this.ctx.writer.deleteIfExists(DEPLOYMENTS, ns, d.metadata.name);
      }
      await tolerateMissing(this.ctx.writer.patchStatus(PGCLUSTER, ns, clusterName, { state: CLUSTER_STATES.restoring, message: 'Cluster is being restored' }));
      for (const replica of this.ctx.cache.byCluster(PGREPLICA, ns, clusterName)) {
        await tolerateMissing(this.ctx.writer.patchStatus(PGREPLICA, ns, replica.metadata.name, { state: REPLICA_STATES.pendingRestore, message: 'Pgreplica pending the restore of its cluster' }));
      }
      const name = `restore-${clusterName}-${suffixOf(task)}`;
      await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, ns, task.metadata.name, { spec: { parameters: { [RESTORE_JOB_PARAMETER]: name } } }));
      await this.ensureJob(task, {
        namespace: ns,
        name,
        cluster: clusterName,
        image: `${this.settings.pgoImagePrefix}/pgo-backrest-restore:${this.settings.pgoImageTag}`,
        serviceAccount: 'pgo-backrest',
        labels: { [LABELS.backrestRestore]: 'true', 'backrest-restore-to-pvc': toPvc, [LABELS.workflowId]: p[LABELS.workflowId] ?? '' },
        podLabels: { [LABELS.serviceName]: clusterName },
        volumes: restoreVolumes(toPvc, clusterName),
        env: { COMMAND_OPTS: p['backrest-restore-opts'] ?? '', PITR_TARGET: p['backrest-pitr-target'] ?? '', PGBACKREST_STANZA: 'db', PGBACKREST_DB_PATH: `/pgdata/${toPvc}`, PGBACKREST_REPO1_HOST: names.repoDeployment(clusterName), PGBACKREST_REPO_TYPE: p['backrest-storage-type'] || 'posix' },
      });
      await this.workflowStep(ns, p[LABELS.workflowId], WORKFLOW_STEPS.restoreJobCreated);
      await recordEvent(this.ctx, cluster, 'Normal', 'RestoreCluster', `restore job ${name} started into PVC ${toPvc}`);
      return;
    }
    const state = jobState(this.ctx.cache.get(JOBS, ns, jobName));
    if (!state?.done) return;
    if (state.failed) {
      await this.setProgress(task, SPEC_STATUS.jobError, `job ${jobName} failed: ${state.reason}`);
      await recordEvent(this.ctx, cluster, 'Warning', 'RestoreClusterFailed', `restore job ${jobName} failed: ${state.reason}`);
      return;
    }
    await tolerateMissing(this.ctx.writer.mergePatch(CONFIGMAPS, ns, `${clusterName}-pgha-default-config`, { data: { init: 'true' } }));
    const labels = { ...validUserLabels(cluster.spec.userlabels), [LABELS.deploymentName]: toPvc, [LABELS.name]: clusterName, [LABELS.pgCluster]: clusterName, [LABELS.pghaScope]: toPvc, [LABELS.pgClusterId]: cluster.metadata.labels?.[LABELS.pgClusterId] ?? '' };
    await ensure(this.ctx, DEPLOYMENTS, withOwner(pgDeployment({ cluster, name: toPvc, pvcName: toPvc, storage: cluster.spec.PrimaryStorage, imageTag: cluster.spec.ccpimagetag, labels, settings: this.settings, init: true }), cluster));
    const restoredLabels = { [LABELS.currentPrimary]: toPvc, [LABELS.pghaScope]: toPvc, ...(p[LABELS.workflowId] ? { [LABELS.workflowId]: p[LABELS.workflowId] } : {}) };
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, clusterName, { metadata: { labels: restoredLabels }, spec: { userlabels: restoredLabels } }));
    await this.workflowStep(ns, p[LABELS.workflowId], WORKFLOW_STEPS.restorePrimaryCreated);
    await recordEvent(this.ctx, cluster, 'Normal', 'RestoreClusterCompleted', `restored primary ${toPvc} created`);
    await this.setProgress(task, SPEC_STATUS.jobCompleted);
  }
}
