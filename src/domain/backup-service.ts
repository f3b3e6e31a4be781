/**
 * Backups and restores: pgBackRest (full / incr / diff), pg_dump, pg_basebackup (legacy) and the
 * matching restores, each created as the task or custom resource 4.2.4 created.
 */
import { JOBS, PVCS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { backupOptionsProblem } from './backup-options.js';
import type { BackupProgram } from './backup-options.js';
import { BACKREST_COMMANDS, BACKREST_STORAGE_TYPES, BACKUP_JOB_STATUS, BACKUP_STATES, CLUSTER_STATES, CREATED_MESSAGE, LABELS, TASK_TYPES, USER_LABELS, WORKFLOW_STEPS, WORKFLOW_TYPES } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace, timestamp } from './context.js';
import { customResource, PGBACKUP, PGTASK } from './custom-resources.js';
import type { Pgbackup, Pgcluster, PgStorageSpec, Pgtask } from './custom-resources.js';
import { conflict, invalid, notFound, unavailable } from './errors.js';
import { requireCluster } from './lookups.js';
import { jobOutcome } from './job-outcome.js';
import { names, newWorkflowId, rand4 } from './naming.js';
import { readyPrimaryPod, repoPod } from './pods.js';
import { replaceTask } from './task-factory.js';
import { deleteExisting, WriteBatch } from './write-batch.js';

export type BackrestBackupType = 'full' | 'incr' | 'diff';

export interface BackrestBackupInput {
  namespace: string;
  cluster: string;
  type?: BackrestBackupType;
  /** Extra pgBackRest options, e.g. `--start-fast`. */
  options?: string;
  storageType?: string;
}

export interface PgdumpBackupInput {
  namespace: string;
  cluster: string;
  options?: string;
  storageConfig?: string;
  pvcName?: string;
}

export interface BackrestRestoreInput {
  namespace: string;
  cluster: string;
  /** The PVC the restored primary uses; `<cluster>-<rand4>` when absent. */
  toPvc?: string;
  options?: string;
  pitrTarget?: string;
  nodeLabel?: string;
  storageType?: string;
}

export interface PgdumpRestoreInput {
  namespace: string;
  cluster: string;
  fromCluster: string;
  fromPvc: string;
  options?: string;
  pitrTarget?: string;
  /** `key=value`: recorded on the task for the restore Job's placement. */
  nodeLabel?: string;
}

export interface BasebackupInput {
  namespace: string;
  cluster: string;
  storageConfig?: string;
  pvcName?: string;
  options?: string;
}

export interface BasebackupRestoreInput {
  namespace: string;
  cluster: string;
  toPvc?: string;
  /** A path from the Pgbackup's `toc`; the newest when absent. */
  backupPath?: string;
  /** The PVC holding the backup; the Pgbackup's own when absent. */
  fromPvc?: string;
  /** `key=value`: recorded on the task for the restore Job's placement. */
  nodeLabel?: string;
}

export interface CreatedTask {
  task: Pgtask;
  workflowId?: string;
}

/** Options that are not for the caller to choose: the task controller sets them. */
const RESERVED_BACKREST_OPTIONS = /(^|\s)--(type|repo-type|stanza)(=|\s|$)/;

/** Refuses options 4.2.4 refused for this program, with its message. */
function assertOptions(program: BackupProgram, options: string | undefined): void {
  const problem = backupOptionsProblem(program, options ?? '');
  if (problem !== undefined) throw invalid('options', problem);
}

/** The task parameters placing a restore Job on nodes with this `key=value` label. */
function nodeLabelParameters(nodeLabel: string | undefined): Record<string, string> {
  if (!nodeLabel) return {};
  const at = nodeLabel.indexOf('=');
  if (at <= 0) throw invalid('nodeLabel', `'${nodeLabel}' is not of the form key=value`);
  return { [USER_LABELS.nodeLabelKey]: nodeLabel.slice(0, at), [USER_LABELS.nodeLabelValue]: nodeLabel.slice(at + 1) };
}

export interface PgbackupShape {
  storage: Omit<PgStorageSpec, 'name'>;
  ccpImageTag: string;
  pvcName: string;
  options: string;
  labels?: Record<string, string>;
}

/** A new Pgbackup of a cluster's primary, as the API and pgo-scheduler created one (named like the cluster). */
export function pgbackupObject(cluster: Pgcluster, shape: PgbackupShape): Pgbackup {
  const namespace = cluster.metadata.namespace ?? '';
  const name = cluster.metadata.name;
  return customResource(PGBACKUP, namespace, name, { [LABELS.pgCluster]: name, ...shape.labels }, {
    namespace,
    name,
    storagespec: { ...shape.storage, name: '' },
    ccpimagetag: shape.ccpImageTag,
    backuphost: name,
    backupusersecret: cluster.spec.primarysecretname || names.primarySecret(name),
    backupport: cluster.spec.port,
    backupstatus: 'initial',
    backuppvc: shape.pvcName,
    backupopts: shape.options,
    toc: {},
  });
}

/** Backup Jobs as 4.2.4's backup delete found them: pgBackRest, pg_dump and pg_basebackup Jobs. */
export function isBackupJob(job: KubeObject): boolean {
  const l = job.metadata.labels ?? {};
  return l[LABELS.backrestJob] === 'true' || l[LABELS.pgdump] === 'true' || l[LABELS.pgbackup] === 'true';
}

function assertStorageType(field: string, value: string, cluster: Pgcluster): string {
  // Empty means "the cluster's own repository", as 4.2.4 passed it on.
  if (value === '') return value;
  const allowed = (cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] || 'local').split(',');
  for (const t of value.split(',')) {
    if (!(BACKREST_STORAGE_TYPES as readonly string[]).includes(t)) throw invalid(field, `'${t}' is not one of ${BACKREST_STORAGE_TYPES.join(', ')}`);
    if (!allowed.includes(t)) throw invalid(field, `cluster ${cluster.metadata.name} does not use storage type ${t} (it uses ${allowed.join(',')})`);
  }
  return value;
}

export class BackupService {
  constructor(private readonly ctx: ServiceContext) {}

  async backrestBackup(caller: Caller, input: BackrestBackupInput): Promise<CreatedTask> {
    const ctx = this.ctx;
    assertOptions('pgbackrest-backup', input.options);
    const cluster = requireCluster(this.ctx, caller, input.namespace, input.cluster);
    if (cluster.metadata.labels?.[LABELS.backrest] !== 'true') throw invalid('cluster', `cluster ${input.cluster} does not have pgBackRest enabled`);
    const options = input.options?.trim() ?? '';
    if (RESERVED_BACKREST_OPTIONS.test(options)) throw invalid('options', 'use the type field instead of --type; --repo-type and --stanza are set by the server');
    const storageType = assertStorageType('storageType', input.storageType ?? cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] ?? '', cluster);
    const repo = repoPod(ctx, input.namespace, input.cluster);
    readyPrimaryPod(ctx, input.namespace, input.cluster);
    const name = names.backrestBackupTask(input.cluster);
    for (const job of ctx.cache.byCluster(JOBS, input.namespace, input.cluster)) {
      const l = job.metadata.labels ?? {};
      if (l[LABELS.backrestCommand] === BACKREST_COMMANDS.backup && l[LABELS.backrest] === 'true') await deleteExisting(ctx, JOBS, input.namespace, job.metadata.name);
    }
    const opts = [input.type ? `--type=${input.type}` : '', options].filter(Boolean).join(' ');
    const labels: Record<string, string> = { [LABELS.pgCluster]: input.cluster, [LABELS.pgouser]: caller.username };
    const id = cluster.metadata.labels?.[LABELS.pgClusterId];
    if (id) labels[LABELS.pgClusterId] = id;
    const task = await replaceTask(ctx, {
      namespace: input.namespace,
      name,
      tasktype: TASK_TYPES.backrest,
      labels,
      parameters: {
        'job-name': name,
        'pg-cluster': input.cluster,
        podname: repo.metadata.name,
        containername: 'database',
        'backrest-command': BACKREST_COMMANDS.backup,
        'backrest-opts': opts,
        'backrest-storage-type': storageType,
      },
    });
    return { task };
  }

  async pgdumpBackup(caller: Caller, input: PgdumpBackupInput): Promise<CreatedTask> {
    const ctx = this.ctx;
    assertOptions('pg_dump', input.options);
    const cluster = requireCluster(this.ctx, caller, input.namespace, input.cluster);
    readyPrimaryPod(ctx, input.namespace, input.cluster);
    const storageName = input.storageConfig ?? ctx.settings.backupStorage;
    const storage = ctx.settings.storage[storageName];
    if (!storage) throw invalid('storageConfig', `storage config ${storageName} is not defined`);
    const raw = (input.options ?? '').split(/\s+/).filter(Boolean);
    const dumpAll = raw.includes('--dump-all');
    const task = await replaceTask(ctx, {
      namespace: input.namespace,
      name: names.pgdumpTask(input.cluster),
      tasktype: TASK_TYPES.pgdump,
      labels: {},
      storagespec: { ...storage, name: '' },
      parameters: {
        'pg-cluster': input.cluster,
        'pgdump-host': input.cluster,
        containername: 'database',
        pgdump: 'pgdump',
        'pgdump-opts': raw.filter((o) => o !== '--dump-all').join(' '),
        'pgdump-db': 'postgres',
        'pgdump-user': names.rootSecret(input.cluster),
        'pgdump-port': cluster.spec.port,
        'pgdump-all': String(dumpAll),
        'pvc-name': input.pvcName ?? names.pgdumpPvc(input.cluster),
        'ccp-image-tag': ctx.settings.ccpImageTag,
      },
    });
    return { task };
  }

  async backrestRestore(caller: Caller, input: BackrestRestoreInput): Promise<CreatedTask> {
    const ctx = this.ctx;
    assertOptions('pgbackrest-restore', input.options);
    const cluster = requireCluster(this.ctx, caller, input.namespace, input.cluster);
    if (cluster.metadata.labels?.[LABELS.backrest] !== 'true') throw invalid('cluster', `cluster ${input.cluster} does not have pgBackRest enabled`);
    if (cluster.status?.state === CLUSTER_STATES.restoring) throw unavailable(`cluster ${input.cluster} is already being restored`);
    const storageType = assertStorageType('storageType', input.storageType ?? (cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] || 'local'), cluster);
    if (storageType.includes(',')) throw invalid('storageType', 'a restore reads from one repository: local or s3');
    const toPvc = input.toPvc ?? `${input.cluster}-${rand4()}`;
    if (ctx.cache.get(PVCS, input.namespace, toPvc)) throw invalid('toPvc', `PVC ${toPvc} already exists`);
    if (input.options && /(^|\s)--(type|target)(=|\s|$)/.test(input.options) && !input.pitrTarget) throw invalid('pitrTarget', 'a --type/--target restore needs pitrTarget');
    const parameters: Record<string, string> = {
      'backrest-restore-from-cluster': input.cluster,
      'backrest-restore-to-pvc': toPvc,
      'backrest-restore-opts': input.options ?? '',
      'backrest-pitr-target': input.pitrTarget ?? '',
      'pgbackrest-stanza': 'db',
      'pgbackrest-db-path': `/pgdata/${toPvc}`,
      'pgbackrest-repo-path': `/backrestrepo/${names.repoDeployment(input.cluster)}`,
      'pgbackrest-repo-host': names.repoDeployment(input.cluster),
      'backrest-storage-type': storageType,
    };
    Object.assign(parameters, nodeLabelParameters(input.nodeLabel));
    const workflowId = await this.newWorkflow(input.namespace, input.cluster, WORKFLOW_TYPES.backrestRestore, {});
    parameters[LABELS.workflowId] = workflowId;
    const labels: Record<string, string> = { [LABELS.pgouser]: caller.username };
    const id = cluster.metadata.labels?.[LABELS.pgClusterId];
    if (id) labels[LABELS.pgClusterId] = id;
    const task = await replaceTask(ctx, { namespace: input.namespace, name: names.backrestRestoreTask(input.cluster, toPvc), tasktype: TASK_TYPES.backrestRestore, labels, parameters });
    return { task, workflowId };
  }

  async pgdumpRestore(caller: Caller, input: PgdumpRestoreInput): Promise<CreatedTask> {
    const ctx = this.ctx;
    assertOptions('pg_restore', input.options);
    const cluster = requireCluster(this.ctx, caller, input.namespace, input.cluster);
    if (!ctx.cache.get(PVCS, input.namespace, input.fromPvc)) throw invalid('fromPvc', `PVC ${input.fromPvc} does not exist in ${input.namespace}`);
    const placement = nodeLabelParameters(input.nodeLabel);
    readyPrimaryPod(ctx, input.namespace, input.cluster);
    const task = await replaceTask(ctx, {
      namespace: input.namespace,
      name: names.pgrestoreTask(input.cluster),
      tasktype: TASK_TYPES.pgrestore,
      labels: {},
      parameters: {
        'pgrestore-db': 'postgres',
        'pgrestore-host': input.cluster,
        'pgrestore-from-cluster': input.fromCluster,
        'pgrestore-from-pvc': input.fromPvc,
        'pgrestore-pitr-target': input.pitrTarget ?? '',
        'pgrestore-opts': input.options ?? '',
        'pgrestore-user': names.rootSecret(input.cluster),
        pgrestore: 'pgrestore',
        'pgrestore-port': cluster.spec.port,
        'ccp-image-tag': ctx.settings.ccpImageTag,
        ...placement,
      },
    });
    return { task };
  }

  /** A legacy pg_basebackup: one Pgbackup per cluster, re-submitted when it exists. */
  async basebackup(caller: Caller, input: BasebackupInput): Promise<{ backup: Pgbackup; workflowId: string }> {
    const ctx = this.ctx;
    assertOptions('pg_basebackup', input.options);
    const cluster = requireCluster(this.ctx, caller, input.namespace, input.cluster);
    const storageName = input.storageConfig ?? ctx.settings.backupStorage;
    const storage = ctx.settings.storage[storageName];
    if (!storage) throw invalid('storageConfig', `storage config ${storageName} is not defined`);
    const workflowId = await this.newWorkflow(input.namespace, input.cluster, WORKFLOW_TYPES.backup, { [LABELS.pgouser]: caller.username, ...(cluster.metadata.labels?.[LABELS.pgClusterId] ? { [LABELS.pgClusterId]: cluster.metadata.labels[LABELS.pgClusterId] } : {}) });
    const existing = ctx.cache.get(PGBACKUP, input.namespace, input.cluster);
    if (existing) {
      const backup = await ctx.writer.mergePatch(PGBACKUP, input.namespace, input.cluster, { spec: { backupstatus: BACKUP_JOB_STATUS.resubmitted, backupopts: input.options ?? existing.spec.backupopts } });
      return { backup, workflowId };
    }
    const batch = new WriteBatch(ctx);
    const backup = await batch.create(
      PGBACKUP,
      pgbackupObject(cluster, { storage, ccpImageTag: ctx.settings.ccpImageTag, pvcName: input.pvcName ?? '', options: input.options ?? '', labels: { [LABELS.pgouser]: caller.username } }),
    );
    const withStatus = await ctx.writer.patchStatus(PGBACKUP, input.namespace, input.cluster, { state: BACKUP_STATES.created, message: CREATED_MESSAGE });
    return { backup: withStatus ?? backup, workflowId };
  }

  /**
   * Restores a legacy pg_basebackup into a new PVC (4.2.4 `pgo restore --backup-type=pgbasebackup`):
   * a workflow and the restore task. As in 4.2.4 nothing rebuilds the cluster on top of it.
   */
  async basebackupRestore(caller: Caller, input: BasebackupRestoreInput): Promise<CreatedTask> {
    const ctx = this.ctx;
    const cluster = requireCluster(ctx, caller, input.namespace, input.cluster);
    if (input.fromPvc && !ctx.cache.get(PVCS, input.namespace, input.fromPvc)) throw invalid('fromPvc', `PVC ${input.fromPvc} does not exist in ${input.namespace}`);
    const backup = ctx.cache.get(PGBACKUP, input.namespace, input.cluster);
    if (!backup) throw invalid('cluster', `cluster ${input.cluster} has no pg_basebackup`);
    const paths = Object.keys(backup.spec.toc ?? {}).sort();
    const backupPath = input.backupPath ?? paths[paths.length - 1];
    if (!backupPath) throw invalid('backupPath', `cluster ${input.cluster} has no completed pg_basebackup`);
    if (input.backupPath && !paths.includes(input.backupPath)) throw invalid('backupPath', `no pg_basebackup at ${input.backupPath}`);
    const placement = nodeLabelParameters(input.nodeLabel);
    const toPvc = input.toPvc ?? `${input.cluster}-${rand4()}`;
    if (ctx.cache.get(PVCS, input.namespace, toPvc)) throw invalid('toPvc', `PVC ${toPvc} already exists`);
    const workflowId = await this.newWorkflow(input.namespace, input.cluster, WORKFLOW_TYPES.pgbasebackupRestore, {});
    const parameters: Record<string, string> = {
      'pgbasebackup-restore-from-cluster': cluster.metadata.name,
      'pgbasebackup-restore-to-pvc': toPvc,
      'pgbasebackup-restore-backup-path': backupPath,
      'pgbasebackup-restore-from-pvc': input.fromPvc || backup.spec.backuppvc || `${input.cluster}-backup`,
      ...placement,
      [LABELS.workflowId]: workflowId,
    };
    const task = await replaceTask(ctx, {
      namespace: input.namespace,
      name: `pgbasebackup-restore-${input.cluster}-to-${toPvc}`,
      tasktype: TASK_TYPES.pgbasebackupRestore,
      labels: { [LABELS.pgCluster]: input.cluster, [LABELS.pgouser]: caller.username },
      parameters,
    });
    return { task, workflowId };
  }

  /** The legacy pg_basebackups (Pgbackup resources) of a namespace. */
  basebackups(caller: Caller, namespace: string): Pgbackup[] {
    assertNamespace(this.ctx, caller, namespace);
    return this.ctx.cache.list(PGBACKUP, namespace);
  }

  /** A cluster's legacy pg_basebackup (its Pgbackup bears the cluster's name). */
  getBasebackup(caller: Caller, namespace: string, cluster: string): Pgbackup {
    assertNamespace(this.ctx, caller, namespace);
    const backup = this.ctx.cache.get(PGBACKUP, namespace, cluster);
    if (!backup) throw notFound(`pg_basebackup ${cluster} not found in namespace ${namespace}`);
    return backup;
  }

  /**
   * Deletes a cluster's legacy pg_basebackup, with what 4.2.4's backup delete removed after it:
   * the cluster's finished backup Jobs and its pg_dump PVC. 4.2.4 did the second part in an rmdata
   * Job (`is-backup`); here the API does it, so a cluster's rmdata task only ever removes a cluster
   * or a replica. A backup Job still running is refused up front: deleting it would only make its
   * task's controller start it again.
   */
  async deleteBasebackup(caller: Caller, namespace: string, cluster: string): Promise<void> {
    const ctx = this.ctx;
    this.getBasebackup(caller, namespace, cluster);
    const jobs = ctx.cache.byCluster(JOBS, namespace, cluster).filter(isBackupJob);
    const running = jobs.find((j) => jobOutcome(j).state === 'running');
    if (running) throw conflict(`backup job ${running.metadata.name} of cluster ${cluster} is still running; delete the backup once it has finished`);
    await deleteExisting(ctx, PGBACKUP, namespace, cluster);
    for (const job of jobs) await deleteExisting(ctx, JOBS, namespace, job.metadata.name);
    await deleteExisting(ctx, PVCS, namespace, names.pgdumpPvc(cluster));
  }

  /** Backup tasks of a cluster (pgBackRest and pg_dump), newest first. */
  backups(caller: Caller, namespace: string, cluster: string): Pgtask[] {
    requireCluster(this.ctx, caller, namespace, cluster);
    const tasks = this.ctx.cache.list(PGTASK, namespace).filter((t) => {
      const p = t.spec.parameters ?? {};
      if (t.spec.tasktype === TASK_TYPES.backrest) return p['pg-cluster'] === cluster && p['backrest-command'] === BACKREST_COMMANDS.backup;
      if (t.spec.tasktype === TASK_TYPES.pgdump) return p['pg-cluster'] === cluster;
      return false;
    });
    return tasks.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
  }


  private async newWorkflow(namespace: string, cluster: string, type: string, extraLabels: Record<string, string>): Promise<string> {
    const id = newWorkflowId();
    await replaceTask(this.ctx, {
      namespace,
      name: names.workflowTask(cluster, type),
      tasktype: TASK_TYPES.workflow,
      labels: { [LABELS.pgCluster]: cluster, [LABELS.workflowId]: id, ...extraLabels },
      parameters: { [WORKFLOW_STEPS.submitted]: timestamp(this.ctx), [LABELS.pgCluster]: cluster, [LABELS.workflowId]: id },
    });
    return id;
  }
}

