/**
 * pgo-scheduler's part of 4.2.4: each ConfigMap labelled `crunchy-scheduler=true` holds one schedule,
 * run at its cron times (UTC, or the zone the expression names) while this process leads:
 * - pgbackrest: the backup task `<cluster>-backrest-<type>-backup-schedule`, replacing the last one
 *   and its Job, aimed at the cluster's one pgBackRest repository pod;
 * - pgbasebackup: the cluster's Pgbackup, created or resubmitted;
 * - policy: the policy's SQL in ConfigMap `policy-<cluster>-<policy>-schedule` and a Job of that
 *   name running it with the schedule's database and user.
 * The schedule's next run is kept in memory, as pgo-scheduler kept its cron entries: a new leader
 * starts counting from when it took over. A schedule that cannot run now (its cluster or policy is
 * gone, no repository pod) is skipped with a Warning Event on its ConfigMap, as pgo-scheduler
 * skipped it with a log line.
 */
import { createHash } from 'node:crypto';
import { BACKREST_COMMANDS, BACKUP_JOB_STATUS, BACKUP_STATES, CREATED_MESSAGE, LABELS, TASK_TYPES } from '../src/domain/constants.js';
import { nextRun } from '../src/domain/cron.js';
import { pgbackupObject } from '../src/domain/backup-service.js';
import { PGBACKUP, PGCLUSTER, PGPOLICY, PGTASK } from '../src/domain/custom-resources.js';
import type { Pgcluster } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import { isSchedule, scheduleOf } from '../src/domain/schedule-spec.js';
import type { ScheduleSpec } from '../src/domain/schedule-spec.js';
import type { PgoSettings } from '../src/domain/settings.js';
import { taskObject } from '../src/domain/task-factory.js';
import { CONFIGMAPS, JOBS, PODS } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/resources.js';
import { recordEvent, tolerateMissing } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { keyOf, splitKey } from './runtime.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { primaryPsqlJob } from './templates.js';

/** A schedule due later than this is looked at again meanwhile (timers cannot wait weeks). */
export const MAX_SCHEDULE_WAIT_MS = 60 * 60_000;
/** Kubernetes names that are also label values (a Job's `job-name`) stop at 63 characters. */
const MAX_LABELLED_NAME = 63;

interface Entry {
  /** The ConfigMap version this entry was computed from. */
  version: string;
  /** When it runs next (ms since the epoch); undefined when it never will or cannot be read. */
  at: number | undefined;
}

/** Why a schedule did not run this time; it runs again at its next time. */
class Skipped extends Error {}

export class ScheduleController implements Controller {
  readonly name = 'schedule';
  readonly kind = 'ConfigMap';
  readonly watches = [];
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly settings: PgoSettings,
  ) {}

  allKeys(): string[] {
    return this.ctx.cache.list(CONFIGMAPS).filter(isSchedule).map(keyOf);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const configMap = this.ctx.cache.get(CONFIGMAPS, namespace, name);
    if (!isSchedule(configMap) || configMap.metadata.deletionTimestamp) {
      this.entries.delete(key);
      return;
    }
    const version = configMap.metadata.resourceVersion ?? '';
    let entry = this.entries.get(key);
    let spec: ScheduleSpec;
    try {
      spec = scheduleOf(configMap);
      if (!entry || entry.version !== version) entry = { version, at: nextRun(spec.schedule, new Date())?.getTime() };
    } catch (error) {
      if (entry?.version !== version) await recordEvent(this.ctx, configMap, 'Warning', 'ScheduleInvalid', `schedule ${name} cannot run: ${(error as Error).message}`);
      this.entries.set(key, { version, at: undefined });
      return;
    }
    this.entries.set(key, entry);
    if (entry.at === undefined) return;
    const now = Date.now();
    if (now < entry.at) return { requeueAfterMs: Math.min(entry.at - now, MAX_SCHEDULE_WAIT_MS) };
    try {
      await this.run(spec);
    } catch (error) {
      if (!(error instanceof Skipped)) throw error; // retried with backoff; the run is still due
      await recordEvent(this.ctx, configMap, 'Warning', 'ScheduleSkipped', `schedule ${name} skipped: ${error.message}`);
    }
    entry.at = nextRun(spec.schedule, new Date(Math.max(now, entry.at)))?.getTime();
    if (entry.at !== undefined) return { requeueAfterMs: Math.min(Math.max(entry.at - Date.now(), 0), MAX_SCHEDULE_WAIT_MS) };
  }

  private async run(spec: ScheduleSpec): Promise<void> {
    const cluster = this.ctx.cache.get(PGCLUSTER, spec.namespace, spec.cluster);
    if (!cluster) throw new Skipped(`pgcluster ${spec.cluster} not found`);
    switch (spec.type) {
      case 'pgbackrest':
        return this.backrestBackup(cluster, spec);
      case 'pgbasebackup':
        return this.basebackup(cluster, spec);
      case 'policy':
        return this.policy(cluster, spec);
      default:
        throw new Skipped(`schedule type ${spec.type} not implemented`);
    }
  }

  private async backrestBackup(cluster: Pgcluster, spec: ScheduleSpec): Promise<void> {
    const ns = spec.namespace;
    const clusterName = cluster.metadata.name;
    const type = spec.pgbackrest.type ?? '';
    const taskName = `${clusterName}-backrest-${type}-backup-schedule`;
    const repoPods = this.ctx.cache.byCluster(PODS, ns, clusterName).filter((p) => p.metadata.labels?.[LABELS.backrestRepo] === 'true' && !p.metadata.deletionTimestamp);
    if (repoPods.length !== 1) throw new Skipped(`found ${repoPods.length} pgBackRest repository pods for cluster ${clusterName}, expected 1`);
    // The last run's task goes, and its Job with it (the Job is the task's).
    await this.ctx.writer.deleteIfExists(PGTASK, ns, taskName);
    await this.ctx.writer.deleteIfExists(JOBS, ns, taskName);
    await this.ctx.writer.create(
      PGTASK,
      taskObject({
        namespace: ns,
        name: taskName,
        tasktype: TASK_TYPES.backrest,
        // 4.2.4 left it unlabelled; the label makes it the cluster's, shown and deleted with it.
        labels: { [LABELS.pgCluster]: clusterName },
        parameters: {
          'job-name': taskName,
          'pg-cluster': clusterName,
          podname: repoPods[0].metadata.name,
          containername: 'database',
          'backrest-command': BACKREST_COMMANDS.backup,
          'backrest-opts': `--stanza=db --type=${type} ${spec.pgbackrest.options ?? ''}`.trim(),
          'backrest-storage-type': spec.pgbackrest.storageType ?? '',
        },
      }),
    );
    await recordEvent(this.ctx, cluster, 'Normal', 'ScheduledBackup', `schedule ${spec.name} started pgBackRest ${type} backup task ${taskName}`);
  }

  private async basebackup(cluster: Pgcluster, spec: ScheduleSpec): Promise<void> {
    const ns = spec.namespace;
    const clusterName = cluster.metadata.name;
    if (this.ctx.cache.get(PGBACKUP, ns, clusterName)) {
      await tolerateMissing(this.ctx.writer.mergePatch(PGBACKUP, ns, clusterName, { spec: { backupstatus: BACKUP_JOB_STATUS.resubmitted } }));
    } else {
      const storage = this.settings.storage[this.settings.backupStorage];
      await this.ctx.writer.create(PGBACKUP, pgbackupObject(cluster, { storage, ccpImageTag: spec.pgbasebackup.imageTag || this.settings.ccpImageTag, pvcName: spec.pgbasebackup.backupVolume ?? '', options: '' }));
      await tolerateMissing(this.ctx.writer.patchStatus(PGBACKUP, ns, clusterName, { state: BACKUP_STATES.created, message: CREATED_MESSAGE }));
    }
    await recordEvent(this.ctx, cluster, 'Normal', 'ScheduledBackup', `schedule ${spec.name} started a pg_basebackup`);
  }

  private async policy(cluster: Pgcluster, spec: ScheduleSpec): Promise<void> {
    const ns = spec.namespace;
    const clusterName = cluster.metadata.name;
    const policyName = spec.policy.name ?? '';
    const policy = this.ctx.cache.get(PGPOLICY, ns, policyName);
    if (!policy) throw new Skipped(`pgpolicy ${policyName} not found`);
    const name = scheduledPolicyName(clusterName, policyName);
    const file = `${policyName}.sql`;
    const labels = { [LABELS.vendor]: 'crunchydata', [LABELS.pgCluster]: clusterName, 'pg-policy': policyName, 'pg-schedule': 'true' };
    const sqlConfigMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { [file]: policy.spec.sql } };
    await this.ctx.writer.deleteIfExists(CONFIGMAPS, ns, name);
    await this.ctx.writer.create(CONFIGMAPS, sqlConfigMap);
    await this.ctx.writer.deleteIfExists(JOBS, ns, name);
    await this.ctx.writer.create(
      JOBS,
      primaryPsqlJob(cluster, this.settings, {
        name,
        labels: { 'pg-policy': policyName, 'pg-schedule': 'true' },
        userSecret: spec.policy.secret || cluster.spec.primarysecretname || names.primarySecret(clusterName),
        database: spec.policy.database || 'postgres',
        volumes: [{ name: 'sql', mountPath: '/sql', configMap: name, readOnly: true }],
        env: { POLICY_FILE: file, POLICY_URL: policy.spec.url },
        script: 'if [ -n "$POLICY_URL" ]; then curl -fsSL "$POLICY_URL" | psql -v ON_ERROR_STOP=1 -f -; else psql -v ON_ERROR_STOP=1 -f "/sql/$POLICY_FILE"; fi',
      }),
    );
    await recordEvent(this.ctx, cluster, 'Normal', 'ScheduledPolicy', `schedule ${spec.name} started policy ${policyName} in job ${name}`);
  }
}

/** 4.2.4's `policy-<cluster>-<policy>-schedule`, shortened with a hash when it would not fit a label. */
export function scheduledPolicyName(cluster: string, policy: string): string {
  const name = `policy-${cluster}-${policy}-schedule`;
  if (name.length <= MAX_LABELLED_NAME) return name;
  const hash = createHash('sha256').update(`${cluster}/${policy}`).digest('hex').slice(0, 8);
  return `policy-${cluster.slice(0, 20)}-${policy.slice(0, 16)}-${hash}-schedule`;
}
