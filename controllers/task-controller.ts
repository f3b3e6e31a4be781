/**
 * Pgtask: marks each task Processed, then carries it out by type (reference §5) — through a Job
 * where 4.2.4 used one, reading the Job's status level-triggered, so a completion that happened
 * while no controller ran is still seen, and a failed Job surfaces as a failed task with its
 * reason (reference §11 item 8).
 */
import { BACKREST_COMMANDS, BACKUP_TYPES, CLUSTER_STATES, CREATED_MESSAGE, LABELS, POD_ROLES, REPLICA_STATES, SPEC_STATUS, TASK_STATES, TASK_TYPES, WORKFLOW_STEPS } from '../src/domain/constants.js';
import { customResource, PGCLUSTER, PGREPLICA, PGTASK } from '../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import { generateSshKeyPair } from '../src/domain/ssh-keys.js';
import { taskObject } from '../src/domain/task-factory.js';
import { podReady } from '../src/domain/pods.js';
import type { PgoSettings } from '../src/domain/settings.js';
import { CONFIGMAPS, DEPLOYMENTS, JOBS, PODS, PVCS, SECRETS, SERVICES } from '../src/kube/resources.js';
import type { KubeObject, ResourceHandle } from '../src/kube/resources.js';
import { KubeApiError } from '../src/kube/writer.js';
import { ensure, recordEvent, tolerateMissing, withOwner } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { keyOf, ownedBy, splitKey } from './runtime.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { backupTask } from './backup-tasks.js';
import { job, pgDeployment, pvc, validUserLabels } from './templates.js';

export const TASK_PROCESSED_MESSAGE = 'Successfully processed Pgtask by controller';
/** Label tying a Job to the task it carries out, for Jobs that must outlive their task. */
export const TASK_LABEL = LABELS.pgTask;
/** How often to look again while the Job of a replaced task is being garbage collected. */
export const PREVIOUS_JOB_WAIT_MS = 200;
/** The SQL 4.2.4 ran for pgBouncer in each database (reference §7.12), as one psql script per database. */
const PGBOUNCER_AUTH_SQL = `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgbouncer') THEN CREATE ROLE pgbouncer; END IF; END $$;
ALTER ROLE pgbouncer LOGIN;
CREATE SCHEMA IF NOT EXISTS pgbouncer AUTHORIZATION pgbouncer;
CREATE OR REPLACE FUNCTION pgbouncer.get_auth(p_username TEXT) RETURNS TABLE(username TEXT, password TEXT) AS $$
BEGIN RETURN QUERY SELECT rolname::TEXT, rolpassword::TEXT FROM pg_authid WHERE NOT rolsuper AND rolname = p_username; END; $$ LANGUAGE plpgsql SECURITY DEFINER;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(p_username TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(p_username TEXT) TO pgbouncer;`;

function pgbouncerAuthJob(cluster: Pgcluster, name: string, settings: PgoSettings): KubeObject {
  const secret = `${cluster.metadata.name}-pgbouncer-secret`;
  const spec = job({
    namespace: cluster.metadata.namespace ?? '',
    name,
    cluster: cluster.metadata.name,
    image: `${settings.ccpImagePrefix}/${cluster.spec.ccpimage || 'crunchy-postgres-ha'}:${cluster.spec.ccpimagetag}`,
    serviceAccount: 'pgo-default',
    labels: { [LABELS.pgbouncer]: 'true' },
    env: { PGHOST: cluster.metadata.name, PGPORT: cluster.spec.port, PGUSER: 'postgres', AUTH_SQL: PGBOUNCER_AUTH_SQL },
  });
  const container = (spec.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
  container.command = [
    'bash',
    '-ceu',
    'for db in $(psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname NOT IN (\'template0\')"); do printf "%s" "$AUTH_SQL" | psql -v ON_ERROR_STOP=1 -d "$db" -f -; done; psql -d postgres -v ON_ERROR_STOP=1 -c "ALTER ROLE pgbouncer PASSWORD \'$PGBOUNCER_PASSWORD\'"',
  ];
  (container.env as Record<string, unknown>[]).push(
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: cluster.spec.rootsecretname, key: 'password' } } },
    { name: 'PGBOUNCER_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
  );
  return spec;
}

/** Our addition to the restore task's parameters: the name of its Job. */
export const RESTORE_JOB_PARAMETER = 'backrest-restore-job';
/** Our addition to the rmdata task's parameters: the name of the Job carrying it out. */
export const RMDATA_JOB_PARAMETER = 'delete-data-job';

interface JobState {
  done: boolean;
  failed: boolean;
  reason: string;
}

function jobState(j: KubeObject | undefined): JobState | undefined {
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
function suffixOf(task: Pgtask): string {
  return String(task.metadata.uid ?? '').replace(/-/g, '').slice(0, 4) || 'task';
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class TaskController implements Controller {
  readonly name = 'pgtask';
  readonly kind = 'Pgtask';
  readonly watches = [
    // Minor upgrades advance as the cluster's pods come up on the new image.
    { kind: 'Pod', keys: (p: KubeObject) => (p.metadata.labels?.[LABELS.pgDatabase] === 'true' ? [`${p.metadata.namespace}/${p.metadata.labels[LABELS.pgCluster]}-minor-upgrade`] : []) },
    { kind: 'Job', keys: (j: KubeObject) => [...ownedBy('Pgtask')(j), ...(j.metadata.labels?.[TASK_LABEL] ? [`${j.metadata.namespace}/${j.metadata.labels[TASK_LABEL]}`] : [])] },
    { kind: 'Pod', keys: (p: KubeObject) => (p.metadata.labels?.[LABELS.backrestRepo] === 'true' ? this.ctx.cache.byCluster(PGTASK, p.metadata.namespace ?? '', p.metadata.labels[LABELS.pgCluster] ?? '').map(keyOf) : []) },
  ];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly settings: PgoSettings,
  ) {}

  allKeys(): string[] {
    return this.ctx.cache.list(PGTASK).map(keyOf);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    let task = this.ctx.cache.get(PGTASK, namespace, name);
    if (!task || task.metadata.deletionTimestamp) return;
    if (task.status?.state !== TASK_STATES.processed) {
      task = (await tolerateMissing(this.ctx.writer.patchStatus(PGTASK, namespace, name, { state: TASK_STATES.processed, message: TASK_PROCESSED_MESSAGE }))) ?? task;
    }
    switch (task.spec.tasktype) {
      case TASK_TYPES.backrest:
        return this.backrest(task);
      case TASK_TYPES.deleteData:
        return this.deleteData(task);
      case TASK_TYPES.failover:
        return this.failover(task);
      case TASK_TYPES.pgdump:
        return this.jobTask(task, this.pgdumpJob(task));
      case TASK_TYPES.backrestRestore:
        return this.restore(task);
      case TASK_TYPES.pgrestore:
        return this.jobTask(task, this.pgrestoreJob(task));
      case TASK_TYPES.cloneStep1:
        return this.cloneStep1(task);
      case TASK_TYPES.cloneStep2:
        return this.cloneStep2(task);
      case TASK_TYPES.cloneStep3:
        return this.cloneStep3(task);
      case TASK_TYPES.pgbasebackupRestore:
        return this.basebackupRestore(task);
      case TASK_TYPES.benchmark:
        return this.benchmark(task);
      case TASK_TYPES.minorUpgrade:
        return this.minorUpgrade(task);
      case TASK_TYPES.deleteBackups:
        return this.deleteBackups(task);
      case TASK_TYPES.addPgbouncer:
        return this.pgbouncerLabel(task, true);
      case TASK_TYPES.deletePgbouncer:
        return this.pgbouncerLabel(task, false);
      case TASK_TYPES.reconfigurePgbouncer:
        return this.reconfigurePgbouncer(task);
      case TASK_TYPES.updatePgbouncerAuths:
        return this.pgbouncerAuths(task);
      default:
        return;
    }
  }

  private cluster(task: Pgtask): Pgcluster | undefined {
    const name = task.spec.parameters?.['pg-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    return this.ctx.cache.get(PGCLUSTER, task.metadata.namespace ?? '', name);
  }

  private async setProgress(task: Pgtask, progress: string, message?: string): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    if (task.spec.status !== progress) await tolerateMissing(this.ctx.writer.jsonPatch(PGTASK, ns, task.metadata.name, [{ op: 'replace', path: '/spec/status', value: progress }]));
    if (message !== undefined && task.status?.message !== message) await tolerateMissing(this.ctx.writer.patchStatus(PGTASK, ns, task.metadata.name, { state: TASK_STATES.processed, message }));
  }

  /** pgBackRest stanza-create and backups (reference §5.7). */
  private async backrest(task: Pgtask): Promise<ReconcileResult | void> {
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
    const created = await ensure(
      this.ctx,
      JOBS,
      withOwner(
        job({
          namespace: ns,
          name: jobName,
          cluster: cluster.metadata.name,
          image: `${this.settings.pgoImagePrefix}/pgo-backrest:${this.settings.pgoImageTag}`,
          serviceAccount: 'pgo-backrest',
          labels,
          env: { COMMAND: command, COMMAND_OPTS: p['backrest-opts'] ?? '', PITR_TARGET: '', PODNAME: p.podname ?? '', PGBACKREST_STANZA: 'db', PGBACKREST_DB_PATH: `/pgdata/${cluster.metadata.name}`, PGBACKREST_REPO_PATH: `/backrestrepo/${names.repoDeployment(cluster.metadata.name)}`, PGBACKREST_REPO_TYPE: p['backrest-storage-type'] || 'posix', NAMESPACE: ns },
        }),
        task,
      ),
    );
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

  private async bootstrapBackup(cluster: Pgcluster, repoPod: string): Promise<void> {
    await ensure(this.ctx, PGTASK, backupTask(cluster, repoPod, 'bootstrap'));
  }

  /** The bootstrap backup succeeded: the cluster is Initialized and its replicas may be built. */
  private async initialized(cluster: Pgcluster): Promise<void> {
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
  private async restore(task: Pgtask): Promise<void> {
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
      await ensure(
        this.ctx,
        JOBS,
        withOwner(
          job({
            namespace: ns,
            name,
            cluster: clusterName,
            image: `${this.settings.pgoImagePrefix}/pgo-backrest-restore:${this.settings.pgoImageTag}`,
            serviceAccount: 'pgo-backrest',
            labels: { [LABELS.backrestRestore]: 'true', 'backrest-restore-to-pvc': toPvc, [LABELS.workflowId]: p[LABELS.workflowId] ?? '' },
            env: { COMMAND_OPTS: p['backrest-restore-opts'] ?? '', PITR_TARGET: p['backrest-pitr-target'] ?? '', PGBACKREST_STANZA: 'db', PGBACKREST_DB_PATH: `/pgdata/${toPvc}`, PGBACKREST_REPO1_HOST: names.repoDeployment(clusterName), PGBACKREST_REPO_TYPE: p['backrest-storage-type'] || 'posix' },
          }),
          task,
        ),
      );
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

  /** Adds a step to the workflow with this id (found by its label, as 4.2.4 did). */
  private async workflowStep(namespace: string, id: string | undefined, step: string): Promise<void> {
    if (!id) return;
    const workflow = this.ctx.cache.list(PGTASK, namespace).find((x) => x.spec.tasktype === TASK_TYPES.workflow && x.metadata.labels?.[LABELS.workflowId] === id);
    if (!workflow || workflow.spec.parameters?.[step]) return;
    await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, namespace, workflow.metadata.name, { spec: { parameters: { [step]: now() } } }));
  }

  /** A task carried out by one Job: create it once, then mirror its status (reference §4.7 rule 4). */
  private async jobTask(task: Pgtask, spec: KubeObject | undefined): Promise<void> {
    if (!spec) return;
    const ns = task.metadata.namespace ?? '';
    const existing = this.ctx.cache.list(JOBS, ns).find((j) => j.metadata.labels?.[TASK_LABEL] === task.metadata.name);
    if (!existing) {
      await ensure(this.ctx, JOBS, spec);
      await this.setProgress(task, 'Backup Job Submitted');
      return;
    }
    const state = jobState(existing);
    const progress = state?.failed ? `job error [${existing.metadata.name}]` : state?.done ? `job completed [${existing.metadata.name}]` : `job submitted [${existing.metadata.name}]`;
    await this.setProgress(task, progress, state?.failed ? `job ${existing.metadata.name} failed: ${state.reason}` : undefined);
  }

  private pgdumpJob(task: Pgtask): KubeObject | undefined {
    const p = task.spec.parameters ?? {};
    const cluster = this.cluster(task);
    if (!cluster) return undefined;
    const name = `backup-${cluster.metadata.name}-pgdump-${suffixOf(task)}`;
    return job({
      namespace: task.metadata.namespace ?? '',
      name,
      cluster: cluster.metadata.name,
      image: `${this.settings.ccpImagePrefix}/crunchy-pgdump:${this.settings.ccpImageTag}`,
      serviceAccount: 'pgo-default',
      labels: { [LABELS.pgdump]: 'true', [TASK_LABEL]: task.metadata.name },
      env: { PGDUMP_HOST: p['pgdump-host'] ?? '', PGDUMP_DB: p['pgdump-db'] ?? 'postgres', PGDUMP_PORT: p['pgdump-port'] ?? '5432', PGDUMP_CUSTOM_OPTS: p['pgdump-opts'] ?? '', PGDUMP_ALL: p['pgdump-all'] ?? 'false', PGDUMP_FILENAME: '' },
    });
  }

  /**
   * Minor upgrade (reference §7.14): with automatic failover on, one instance at a time, replicas
   * first and the primary last, each waiting for the previous one to be ready on the new image;
   * with it off, all at once. Then the cluster's tag and `minor-upgrade=upgrade-complete`.
   */
  private async minorUpgrade(task: Pgtask): Promise<void> {
    if (task.spec.status === SPEC_STATUS.completed) return;
    const ns = task.metadata.namespace ?? '';
    const cluster = this.cluster(task);
    if (!cluster) return;
    const name = cluster.metadata.name;
    const tag = task.spec.parameters?.CCPImageTag ?? this.settings.ccpImageTag;
    const image = `${this.settings.ccpImagePrefix}/${cluster.spec.ccpimage || 'crunchy-postgres-ha'}:${tag}`;
    if (task.spec.status !== SPEC_STATUS.inProgress) {
      await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels: { [LABELS.minorUpgrade]: 'upgrade-in-progress' } }, spec: { userlabels: { [LABELS.minorUpgrade]: 'upgrade-in-progress' } } }));
      await this.setProgress(task, SPEC_STATUS.inProgress);
      await recordEvent(this.ctx, cluster, 'Normal', 'UpgradeCluster', `upgrading to ${tag}`);
      return;
    }
    const primary = cluster.metadata.labels?.[LABELS.currentPrimary] ?? name;
    const instances = this.ctx.cache.byCluster(DEPLOYMENTS, ns, name).filter((d) => d.metadata.labels?.[LABELS.pgDatabase] === 'true');
    const imageOf = (d: KubeObject) => (d.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers?.[0]?.image;
    const pending = instances.filter((d) => imageOf(d) !== image).sort((a, b) => Number(a.metadata.name === primary) - Number(b.metadata.name === primary));
    const settled = (d: KubeObject) => this.ctx.cache.byCluster(PODS, ns, name).some((p) => p.metadata.labels?.[LABELS.deploymentName] === d.metadata.name && podReady(p) && ((p.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image === image));
    const inFlight = instances.filter((d) => imageOf(d) === image && !settled(d));
    const oneAtATime = cluster.metadata.labels?.[LABELS.autofail] !== 'false';
    if (oneAtATime && inFlight.length > 0) return;
    for (const deployment of oneAtATime ? pending.slice(0, 1) : pending) {
      await tolerateMissing(
        this.ctx.writer.jsonPatch(DEPLOYMENTS, ns, deployment.metadata.name, [
          { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'database' },
          { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
        ]),
      );
    }
    if (pending.length > 0 || inFlight.length > 0) return;
    await tolerateMissing(this.ctx.writer.jsonPatch(PGCLUSTER, ns, name, [{ op: 'replace', path: '/spec/ccpimagetag', value: tag }]));
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels: { [LABELS.minorUpgrade]: 'upgrade-complete' } }, spec: { userlabels: { [LABELS.minorUpgrade]: 'upgrade-complete' } } }));
    await this.setProgress(task, SPEC_STATUS.completed);
    await recordEvent(this.ctx, cluster, 'Normal', 'UpgradeClusterCompleted', `upgraded to ${tag}`);
  }

  /** The next clone task, named and labelled as 4.2.4's helper built them (reference §5.15). */
  private cloneTask(previous: Pgtask, step: 2 | 3): Pgtask {
    const p = previous.spec.parameters ?? {};
    const target = p.targetClusterName ?? '';
    const tasktype = step === 2 ? TASK_TYPES.cloneStep2 : TASK_TYPES.cloneStep3;
    const name = `${tasktype}-${target}-${suffixOf(previous)}`;
    return taskObject({
      namespace: previous.metadata.namespace ?? '',
      name,
      tasktype,
      labels: { [LABELS.pgCluster]: target, [LABELS.pgouser]: previous.metadata.labels?.[LABELS.pgouser] ?? '', 'pgo-clone': 'true', [`pgo-clone-step-${step}`]: 'true' },
      parameters: { ...p, taskName: name, timestamp: now() },
    });
  }

  /** Clone step 1 (reference §7.15): the target's PVCs and the repository sync Job. */
  private async cloneStep1(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const source = this.ctx.cache.get(PGCLUSTER, ns, p.sourceClusterName ?? '');
    const target = p.targetClusterName ?? '';
    const jobName = `pgo-backrest-repo-sync-${target}-${suffixOf(task)}`;
    if (task.spec.status !== SPEC_STATUS.completed) {
      if (!source || this.ctx.cache.get(PGCLUSTER, ns, target)) {
        await this.setProgress(task, SPEC_STATUS.jobError, source ? `cluster ${target} already exists` : `source cluster ${p.sourceClusterName} not found`);
        return;
      }
      const repo = pvc(ns, target, `${target}-pgbr-repo`, source.spec.BackrestStorage);
      if (repo) await ensure(this.ctx, PVCS, repo);
      await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneCreatePvc);
      const primary = pvc(ns, target, target, source.spec.PrimaryStorage);
      if (primary) await ensure(this.ctx, PVCS, primary);
      await ensure(
        this.ctx,
        JOBS,
        withOwner(
          job({
            namespace: ns,
            name: jobName,
            cluster: target,
            image: `${this.settings.pgoImagePrefix}/pgo-backrest-repo-sync:${this.settings.pgoImageTag}`,
            serviceAccount: 'pgo-backrest',
            labels: { 'pgo-clone-step-1': 'true', [LABELS.workflowId]: p.workflowid ?? '' },
            annotations: { 'clone-source-cluster-name': source.metadata.name, 'clone-target-cluster-name': target },
            env: { PGBACKREST_REPO1_HOST: names.repoDeployment(source.metadata.name), PGBACKREST_REPO1_PATH: `/backrestrepo/${names.repoDeployment(source.metadata.name)}`, NEW_PGBACKREST_REPO: `/backrestrepo/${names.repoDeployment(target)}` },
          }),
          task,
        ),
      );
      await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneSyncRepo);
      await recordEvent(this.ctx, source, 'Normal', 'CloneCluster', `cloning ${source.metadata.name} into ${target}`);
      await this.setProgress(task, SPEC_STATUS.completed);
      return;
    }
    const state = jobState(this.ctx.cache.get(JOBS, ns, jobName));
    if (!state?.done || state.failed) return;
    await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneRestoreBackup);
    await ensure(this.ctx, PGTASK, this.cloneTask(task, 2));
  }

  /** Clone step 2: the target's repository Secret and the restore Job into its primary PVC. */
  private async cloneStep2(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const target = p.targetClusterName ?? '';
    const jobName = `restore-${target}-${suffixOf(task)}`;
    if (task.spec.status !== SPEC_STATUS.completed) {
      const secret = this.ctx.cache.get(SECRETS, ns, names.backrestRepoSecret(p.sourceClusterName ?? ''));
      if (secret && !this.ctx.cache.get(SECRETS, ns, names.backrestRepoSecret(target))) {
        const keys = await generateSshKeyPair(`${target}-backrest-repo`);
        const data = { ...((secret.data as Record<string, string> | undefined) ?? {}), authorized_keys: Buffer.from(keys.authorizedKey).toString('base64'), id_rsa: Buffer.from(keys.privateKeyPem).toString('base64'), ssh_host_rsa_key: Buffer.from(keys.privateKeyPem).toString('base64') };
        await ensure(this.ctx, SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: names.backrestRepoSecret(target), namespace: ns, labels: { [LABELS.vendor]: 'crunchydata', [LABELS.pgCluster]: target, [LABELS.backrestRepo]: 'true' } }, type: 'Opaque', data });
      }
      await ensure(
        this.ctx,
        JOBS,
        withOwner(
          job({
            namespace: ns,
            name: jobName,
            cluster: target,
            image: `${this.settings.pgoImagePrefix}/pgo-backrest-restore:${this.settings.pgoImageTag}`,
            serviceAccount: 'pgo-backrest',
            labels: { [LABELS.backrestRestore]: 'true', 'pgo-clone-step-2': 'true', [LABELS.pgouser]: task.metadata.labels?.[LABELS.pgouser] ?? '' },
            annotations: { 'clone-source-cluster-name': p.sourceClusterName ?? '', 'clone-target-cluster-name': target },
            env: { COMMAND_OPTS: '--delta', PGBACKREST_STANZA: 'db', PGBACKREST_DB_PATH: `/pgdata/${target}`, PGBACKREST_REPO1_HOST: names.repoDeployment(target), PGBACKREST_REPO1_PATH: `/backrestrepo/${names.repoDeployment(target)}` },
          }),
          task,
        ),
      );
      await this.setProgress(task, SPEC_STATUS.completed);
      return;
    }
    const state = jobState(this.ctx.cache.get(JOBS, ns, jobName));
    if (!state?.done || state.failed) return;
    await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneClusterCreate);
    await ensure(this.ctx, PGTASK, this.cloneTask(task, 3));
  }

  /** Clone step 3: the user Secrets copied and the target Pgcluster created; the create flow does the rest. */
  private async cloneStep3(task: Pgtask): Promise<void> {
    if (task.spec.status === SPEC_STATUS.completed) return;
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const source = this.ctx.cache.get(PGCLUSTER, ns, p.sourceClusterName ?? '');
    const target = p.targetClusterName ?? '';
    if (!source) return;
    for (const secret of this.ctx.cache.byCluster(SECRETS, ns, source.metadata.name)) {
      if (secret.metadata.labels?.[LABELS.backrestRepo] === 'true' || secret.metadata.labels?.[LABELS.pgbouncer] === 'true') continue;
      const data = (secret.data as Record<string, string> | undefined) ?? {};
      await ensure(this.ctx, SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.metadata.name.replace(source.metadata.name, target), namespace: ns, labels: { [LABELS.pgCluster]: target } }, type: 'Opaque', data: { username: data.username ?? '', password: data.password ?? '' } });
    }
    const user = source.spec.user;
    const spec = {
      ...source.spec,
      name: target,
      clustername: target,
      primaryhost: target,
      replicas: '0',
      strategy: '1',
      secretfrom: source.metadata.name,
      status: '',
      usersecretname: names.userSecret(target, user),
      rootsecretname: names.rootSecret(target),
      primarysecretname: names.primarySecret(target),
      collectSecretName: names.collectSecret(target),
      PrimaryStorage: { ...source.spec.PrimaryStorage, name: '' },
      userlabels: { 'pgo-version': source.spec.userlabels?.['pgo-version'] ?? '', 'backrest-storage-type': p.backrestStorageType ?? '' },
    };
    const labels = { [LABELS.name]: target, [LABELS.autofail]: 'true', [LABELS.backrest]: 'true', [LABELS.pgouser]: task.metadata.labels?.[LABELS.pgouser] ?? '', [LABELS.workflowId]: p.workflowid ?? '', [LABELS.vendor]: 'crunchydata' };
    const created = await ensure(this.ctx, PGCLUSTER, customResource(PGCLUSTER, ns, target, labels, spec));
    if (created) await tolerateMissing(this.ctx.writer.patchStatus(PGCLUSTER, ns, target, { state: CLUSTER_STATES.created, message: CREATED_MESSAGE }));
    await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneClusterCreate);
    await recordEvent(this.ctx, source, 'Normal', 'CloneClusterCompleted', `cluster ${target} created from ${source.metadata.name}`);
    await this.setProgress(task, SPEC_STATUS.completed);
  }

  /** Legacy pg_basebackup restore (reference §5.11): the target PVC and a restore Job, its status on the task. */
  private async basebackupRestore(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const cluster = this.ctx.cache.get(PGCLUSTER, ns, p['pgbasebackup-restore-from-cluster'] ?? '');
    if (!cluster) return;
    const toPvc = p['pgbasebackup-restore-to-pvc'] ?? '';
    const claim = pvc(ns, cluster.metadata.name, toPvc, cluster.spec.PrimaryStorage);
    if (claim) await ensure(this.ctx, PVCS, claim);
    const spec = job({
      namespace: ns,
      name: `pgbasebackup-restore-${cluster.metadata.name}-${suffixOf(task)}`,
      cluster: cluster.metadata.name,
      image: `${this.settings.ccpImagePrefix}/crunchy-pgbasebackup-restore:${cluster.spec.ccpimagetag}`,
      serviceAccount: 'pgo-default',
      labels: { 'pgo-pgbasebackup-restore': 'true', [TASK_LABEL]: task.metadata.name },
      env: { BACKUP_PATH: p['pgbasebackup-restore-backup-path'] ?? '', BACKUP_PVC: p['pgbasebackup-restore-from-pvc'] ?? '', RESTORE_PVC: toPvc },
    });
    const existed = this.ctx.cache.list(JOBS, ns).some((j) => j.metadata.labels?.[TASK_LABEL] === task.metadata.name);
    await this.jobTask(task, spec);
    if (!existed) await this.workflowStep(ns, p[LABELS.workflowId], WORKFLOW_STEPS.restoreJobCreated);
  }

  /** pgbench (reference §5.14): a Job named like the task; the workflow records submission and completion. */
  private async benchmark(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const jobName = p.taskName || task.metadata.name;
    const run = this.ctx.cache.get(JOBS, ns, jobName);
    if (!run) {
      const labels: Record<string, string> = { [LABELS.name]: jobName, 'pgo-benchmark': 'true', created: now().replace(/[-:TZ]/g, ''), workflowName: p.workflowName ?? '', [LABELS.pgouser]: task.metadata.labels?.[LABELS.pgouser] ?? '' };
      if (task.metadata.labels?.[LABELS.pgClusterId]) labels[LABELS.pgClusterId] = task.metadata.labels[LABELS.pgClusterId];
      await ensure(
        this.ctx,
        JOBS,
        withOwner(
          job({
            namespace: ns,
            name: jobName,
            cluster: p.clusterName ?? '',
            image: `${p.ccpImagePrefix || this.settings.ccpImagePrefix}/crunchy-pgbench:${p.ccpImageTag || this.settings.ccpImageTag}`,
            serviceAccount: 'pgo-default',
            labels,
            env: { PGBENCH_BENCHMARK_OPTS: p.benchmarkOpts ?? '', PGBENCH_CLIENTS: p.clients ?? '1', PGBENCH_JOBS: p.jobs ?? '1', PGBENCH_SCALE: p.scale ?? '1', PGBENCH_TRANSACTIONS: p.transactions ?? '1', PGBENCH_INIT_OPTS: p.initOpts ?? '', PG_DATABASE: p.database ?? 'postgres', PG_HOSTNAME: p.host ?? '', PG_PORT: p.port ?? '5432', PGBENCH_CUSTOM_CONFIG: p.configmapName ?? '' },
          }),
          task,
        ),
      );
      await this.workflowStepByName(ns, p.workflowName, WORKFLOW_STEPS.submitted, true);
      return;
    }
    const state = jobState(run);
    const progress = state?.failed ? `job error [${jobName}]` : state?.done ? `job completed [${jobName}]` : `job submitted [${jobName}]`;
    await this.setProgress(task, progress, state?.failed ? `job ${jobName} failed: ${state.reason}` : undefined);
    if (state?.done && !state.failed) await this.workflowStepByName(ns, p.workflowName, SPEC_STATUS.jobCompleted, false);
  }

  /** Adds (or, when asked, rewrites) a step of the workflow task with this name. */
  private async workflowStepByName(namespace: string, name: string | undefined, step: string, rewrite: boolean): Promise<void> {
    if (!name) return;
    const workflow = this.ctx.cache.get(PGTASK, namespace, name);
    if (!workflow || (!rewrite && workflow.spec.parameters?.[step])) return;
    await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, namespace, name, { spec: { parameters: { [step]: now() } } }));
  }

  /** delete-backups (reference §5.6): every Job of the cluster goes; the task records it is done. */
  private async deleteBackups(task: Pgtask): Promise<void> {
    if (task.spec.status === SPEC_STATUS.completed) return;
    const ns = task.metadata.namespace ?? '';
    const cluster = task.spec.parameters?.['pg-cluster'] ?? '';
    for (const j of this.ctx.cache.byCluster(JOBS, ns, cluster)) await this.ctx.writer.deleteIfExists(JOBS, ns, j.metadata.name);
    await this.setProgress(task, SPEC_STATUS.completed);
  }

  /**
   * reconfigure-pgbouncer (reference §5.12): the Deployment and Secret are removed (the Service
   * stays) and the cluster controller builds them again from the cluster's current settings.
   */
  private async reconfigurePgbouncer(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const clusterName = task.spec.parameters?.['pgbouncer-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    await this.ctx.writer.deleteIfExists(DEPLOYMENTS, ns, names.pgbouncer(clusterName));
    await this.ctx.writer.deleteIfExists(SECRETS, ns, `${clusterName}-pgbouncer-secret`);
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }

  /**
   * update-pgbouncer-auths (reference §7.12 step 2): once the primary is ready, a Job runs the SQL
   * that gives pgBouncer its role, schema and `pgbouncer.get_auth` function in every database and
   * sets its password; the task goes when the Job succeeded.
   */
  private async pgbouncerAuths(task: Pgtask): Promise<ReconcileResult | void> {
    const ns = task.metadata.namespace ?? '';
    const clusterName = task.spec.parameters?.['pg-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    const cluster = this.ctx.cache.get(PGCLUSTER, ns, clusterName);
    if (!cluster) return;
    const jobName = `${clusterName}-pgbouncer-auth-${suffixOf(task)}`;
    const run = this.ctx.cache.get(JOBS, ns, jobName);
    if (!run) {
      const primaryReady = this.ctx.cache.byCluster(PODS, ns, clusterName).some((p) => p.metadata.labels?.[LABELS.role] === POD_ROLES.primary && podReady(p));
      if (!primaryReady) return;
      await ensure(this.ctx, JOBS, withOwner(pgbouncerAuthJob(cluster, jobName, this.settings), task));
      return;
    }
    const state = jobState(run);
    if (!state?.done) return;
    if (state.failed) {
      await this.setProgress(task, SPEC_STATUS.jobError, `job ${jobName} failed: ${state.reason}`);
      return;
    }
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }

  /** add-/delete-pgbouncer: the cluster's label says what should exist; the cluster controller builds it. */
  private async pgbouncerLabel(task: Pgtask, enabled: boolean): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const clusterName = task.spec.parameters?.['pgbouncer-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    const patch: Record<string, unknown> = { metadata: { labels: { [LABELS.pgbouncer]: String(enabled) } } };
    if (enabled) {
      const p = task.spec.parameters ?? {};
      const userlabels: Record<string, string> = {};
      if (p['pgbouncer-user']) userlabels['pgbouncer-user'] = p['pgbouncer-user'];
      if (p['pgbouncer-password']) userlabels['pgbouncer-password'] = p['pgbouncer-password'];
      if (Object.keys(userlabels).length > 0) patch.spec = { userlabels };
    }
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, clusterName, patch));
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }

  private pgrestoreJob(task: Pgtask): KubeObject | undefined {
    const p = task.spec.parameters ?? {};
    const clusterName = p['pgrestore-host'] ?? '';
    const fromPvc = p['pgrestore-from-pvc'] ?? '';
    if (!this.ctx.cache.get(PVCS, task.metadata.namespace, fromPvc)) return undefined;
    return job({
      namespace: task.metadata.namespace ?? '',
      name: `pgrestore-${clusterName}-from-${fromPvc}-${suffixOf(task)}`,
      cluster: clusterName,
      image: `${this.settings.ccpImagePrefix}/crunchy-pgrestore:${this.settings.ccpImageTag}`,
      serviceAccount: 'pgo-default',
      labels: { [LABELS.pgrestore]: 'true', [TASK_LABEL]: task.metadata.name },
      env: { PGRESTORE_HOST: clusterName, PGRESTORE_DB: p['pgrestore-db'] ?? 'postgres', PG_PRIMARY_PORT: '5432', PGRESTORE_CUSTOM_OPTS: p['pgrestore-opts'] ?? '', PGRESTORE_BACKUP_TIMESTAMP: p['pgrestore-pitr-target'] ?? '' },
    });
  }

  /** Manual failover (reference §7.5): the target becomes current primary; Patroni moves the roles. */
  private async failover(task: Pgtask): Promise<void> {
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
  private async failoverBackup(cluster: Pgcluster): Promise<void> {
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

  /**
   * rmdata (reference §5.5, §7.11): a Job for the record, and the removal itself once it has run.
   * The Job's name is written into the task first (`delete-data-job`), so a reconcile that finds no
   * Job can tell "not created yet" from "done and removed" and never starts the work twice.
   */
  private async deleteData(task: Pgtask): Promise<void> {
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
      if (cluster) await recordEvent(this.ctx, cluster, 'Normal', p['is-replica'] === 'true' ? 'ScaleDownCluster' : 'DeleteCluster', `rmdata for ${p['replica-name'] || clusterName} started`);
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
      await this.setProgress(task, SPEC_STATUS.jobError, `job ${run.metadata.name} failed: ${state.reason}`);
      return;
    }
    if (p['is-replica'] === 'true') await this.removeReplica(ns, clusterName, p['replica-name'] ?? '', p['delete-data'] === 'true');
    else await this.removeCluster(ns, clusterName, p['delete-data'] !== 'false', p['delete-backups'] !== 'false');
    await this.ctx.writer.deleteIfExists(JOBS, ns, run.metadata.name);
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }

  private async deleteAll(handle: ResourceHandle, ns: string, objects: KubeObject[]): Promise<void> {
    for (const o of objects) await this.ctx.writer.deleteIfExists(handle, ns, o.metadata.name);
  }

  private async removeReplica(ns: string, cluster: string, replica: string, deleteData: boolean): Promise<void> {
    await this.ctx.writer.deleteIfExists(PGREPLICA, ns, replica);
    await this.ctx.writer.deleteIfExists(DEPLOYMENTS, ns, replica);
    if (deleteData) await this.ctx.writer.deleteIfExists(PVCS, ns, replica);
    const remaining = this.ctx.cache.byCluster(PGREPLICA, ns, cluster).filter((r) => r.metadata.name !== replica);
    if (remaining.length === 0) await this.ctx.writer.deleteIfExists(SERVICES, ns, names.replicaService(cluster));
  }

  /** The rmdata steps in 4.2.4's order (reference §7.11). */
  private async removeCluster(ns: string, cluster: string, deleteData: boolean, deleteBackups: boolean): Promise<void> {
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
    // Tasks last, except the rmdata task itself, which goes once its Job is gone.
    await this.deleteAll(PGTASK, ns, c.byCluster(PGTASK, ns, cluster).filter((t) => t.spec.tasktype !== TASK_TYPES.deleteData));
  }
}
