/** pgBackRest tasks: stanza-create, backups and restores (reference §5.7, §5.8, §7.7). */
import { BACKREST_COMMANDS, BACKUP_TYPES, CLUSTER_STATES, LABELS, POD_ROLES, REPLICA_STATES, SPEC_STATUS, USER_LABELS, WORKFLOW_STEPS } from '../../src/domain/constants.js';
import { PGCLUSTER, PGREPLICA, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import { names } from '../../src/domain/naming.js';
import { CONFIGMAPS, DEPLOYMENTS, JOBS, PODS, PVCS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { ensure, recordEvent, tolerateMissing, withOwner } from '../kube-helpers.js';
import type { ReconcileResult } from '../runtime.js';
import { backupTask } from '../backup-tasks.js';
import { instanceLookups } from '../instance-lookups.js';
import { setPatroniPause } from '../patroni-pause.js';
import { pgDeployment, pvc, restoreVolumes, validUserLabels } from '../templates.js';
import type { JobInput } from '../templates.js';
import { jobState, PREVIOUS_JOB_WAIT_MS, suffixOf, TaskKit } from './task-kit.js';
/** Our addition to the restore task's parameters: the name of its Job. */
export const RESTORE_JOB_PARAMETER = 'backrest-restore-job';
/** How often to look again for the primary a pgBackRest Job runs against. */
export const PRIMARY_WAIT_MS = 1_000;

/** The cluster Events of each pgBackRest command: 4.2.4's names for backup, ours for the others. */
const COMMAND_EVENTS: Record<string, { started: string; failed: string }> = {
  [BACKREST_COMMANDS.backup]: { started: 'CreateBackup', failed: 'CreateBackupFailed' },
  [BACKREST_COMMANDS.stanzaCreate]: { started: 'StanzaCreate', failed: 'StanzaCreateFailed' },
  [BACKREST_COMMANDS.info]: { started: 'BackrestInfo', failed: 'BackrestInfoFailed' },
};

export class BackrestTasks extends TaskKit {
  /** pgBackRest stanza-create, backups and info (reference §5.7). */
  async backrest(task: Pgtask): Promise<ReconcileResult | void> {
    if (task.spec.status === SPEC_STATUS.jobCompleted || task.spec.status === SPEC_STATUS.jobError) return;
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const cluster = this.cluster(task);
    if (!cluster) return;
    const command = p['backrest-command'] ?? BACKREST_COMMANDS.backup;
    const events = COMMAND_EVENTS[command] ?? COMMAND_EVENTS[BACKREST_COMMANDS.info];
    const jobName = p['job-name'] || task.metadata.name;
    const previous = this.ctx.cache.get(JOBS, ns, jobName);
    if (previous && !previous.metadata.ownerReferences?.some((r) => r.uid === task.metadata.uid)) {
      // The Job of an earlier task of this name is still being collected: its result is not ours.
      return { requeueAfterMs: PREVIOUS_JOB_WAIT_MS };
    }
    if (!previous) {
      const primary = this.primaryPod(ns, cluster.metadata.name);
      // 4.2.4 gave up without a word; a primary between roles (a failover) is waited for instead.
      if (!primary) return { requeueAfterMs: PRIMARY_WAIT_MS };
      const created = await this.ensureJob(task, this.backrestJob(task, cluster, command, jobName, primary));
      if (created) await recordEvent(this.ctx, cluster, 'Normal', events.started, `started job ${jobName}`);
      return;
    }
    const state = jobState(previous);
    if (!state?.done) return;
    if (state.failed) {
      await this.fail(task, `job ${jobName} failed: ${state.reason}`, { clusterReason: events.failed });
      return;
    }
    if (command === BACKREST_COMMANDS.stanzaCreate) await this.bootstrapBackup(cluster, p.podname ?? '');
    if (command === BACKREST_COMMANDS.backup) {
      if (p[LABELS.backupType] === BACKUP_TYPES.bootstrap) await this.initialized(cluster);
      await recordEvent(this.ctx, cluster, 'Normal', 'CreateBackupCompleted', `backup job ${jobName} completed`);
    }
    await this.setProgress(task, SPEC_STATUS.jobCompleted);
    await this.completed(task, `job ${jobName} completed`);
  }

  /** The one primary pod (`role` in promoted, master), as 4.2.4 looked it up; none while there are two. */
  private primaryPod(ns: string, cluster: string): KubeObject | undefined {
    const primaries = this.ctx.cache.byCluster(PODS, ns, cluster).filter((pod) => pod.metadata.labels?.[LABELS.role] === POD_ROLES.primary || pod.metadata.labels?.[LABELS.role] === POD_ROLES.promoted);
    return primaries.length === 1 ? primaries[0] : undefined;
  }

  /**
   * 4.2.4's backrest-job.json: the command runs in the repo pod against the primary, whose IP and
   * data directory (its PGBACKREST_DB_PATH) are appended as --db-host / --db-path unless the
   * options name them already; the repository type follows the storage type (s3 only for `s3`).
   */
  private backrestJob(task: Pgtask, cluster: Pgcluster, command: string, jobName: string, primary: KubeObject): JobInput {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const opts = p['backrest-opts'] ?? '';
    const containers = (primary.spec as { containers?: { env?: { name: string; value?: string }[] }[] } | undefined)?.containers ?? [];
    const dbPath = containers[0]?.env?.find((e) => e.name === 'PGBACKREST_DB_PATH')?.value ?? '';
    const podIp = (primary.status as { podIP?: string } | undefined)?.podIP ?? '';
    const extra = [...(/--db-host|--pg1-host/.test(opts) ? [] : [`--db-host=${podIp}`]), ...(/--db-path|--pg1-path/.test(opts) || !dbPath ? [] : [`--db-path=${dbPath}`])];
    const storageType = p['backrest-storage-type'] || cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] || '';
    const labels: Record<string, string> = { [LABELS.backrest]: 'true', [LABELS.backrestJob]: 'true', [LABELS.backrestCommand]: command };
    for (const key of [LABELS.pgouser, LABELS.pgClusterId]) if (task.metadata.labels?.[key]) labels[key] = task.metadata.labels[key];
    if (p[LABELS.backupType]) labels[LABELS.backupType] = p[LABELS.backupType];
    return {
      namespace: ns,
      name: jobName,
      cluster: cluster.metadata.name,
      image: `${this.settings.pgoImagePrefix}/pgo-backrest:${this.settings.pgoImageTag}`,
      serviceAccount: 'pgo-backrest',
      labels,
      env: {
        COMMAND: command,
        COMMAND_OPTS: [opts, ...extra].filter(Boolean).join(' '),
        PITR_TARGET: '',
        PODNAME: p.podname ?? '',
        PGBACKREST_STANZA: p['pgbackrest-stanza'] || 'db',
        PGBACKREST_DB_PATH: p['pgbackrest-db-path'] || dbPath,
        PGBACKREST_REPO_PATH: p['pgbackrest-repo-path'] || `/backrestrepo/${names.repoDeployment(cluster.metadata.name)}`,
        PGBACKREST_REPO_TYPE: storageType === 's3' ? 's3' : 'posix',
        PGHA_PGBACKREST_LOCAL_S3_STORAGE: String(storageType.includes('s3') && storageType.includes('local')),
        PGBACKREST_LOG_PATH: '/tmp',
        NAMESPACE: ns,
      },
    };
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
      // Before the instances go, so Patroni does not fail over to one of them (reference §7.7).
      await setPatroniPause(this.ctx, cluster, true);
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
      await this.fail(task, `restore job ${jobName} failed: ${state.reason}`, { clusterReason: 'RestoreClusterFailed', cluster });
      return;
    }
    await tolerateMissing(this.ctx.writer.mergePatch(CONFIGMAPS, ns, `${clusterName}-pgha-default-config`, { data: { init: 'true' } }));
    const labels = { ...validUserLabels(cluster.spec.userlabels), [LABELS.deploymentName]: toPvc, [LABELS.name]: clusterName, [LABELS.pgCluster]: clusterName, [LABELS.pghaScope]: toPvc, [LABELS.pgClusterId]: cluster.metadata.labels?.[LABELS.pgClusterId] ?? '' };
    await ensure(this.ctx, DEPLOYMENTS, withOwner(pgDeployment({ cluster, name: toPvc, pvcName: toPvc, storage: cluster.spec.PrimaryStorage, imageTag: cluster.spec.ccpimagetag, labels, settings: this.settings, init: true, ...instanceLookups(this.ctx.cache, cluster) }), cluster));
    const restoredLabels = { [LABELS.currentPrimary]: toPvc, [LABELS.pghaScope]: toPvc, ...(p[LABELS.workflowId] ? { [LABELS.workflowId]: p[LABELS.workflowId] } : {}) };
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, clusterName, { metadata: { labels: restoredLabels }, spec: { userlabels: restoredLabels } }));
    await this.workflowStep(ns, p[LABELS.workflowId], WORKFLOW_STEPS.restorePrimaryCreated);
    await recordEvent(this.ctx, cluster, 'Normal', 'RestoreClusterCompleted', `restored primary ${toPvc} created`);
    await this.setProgress(task, SPEC_STATUS.jobCompleted);
    await this.completed(task, `restored primary ${toPvc} created`);
  }
}
