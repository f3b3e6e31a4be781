/**
 * Pgbackup, the legacy pg_basebackup (reference §4.3): a PVC and a Job per submission, the Job's
 * result written back into `spec.backupstatus`, the backup path into `spec.toc`, and the backup
 * workflow completed. Submissions are numbered in an annotation and the Job is named after the
 * number (4.2.4 used four random letters), so re-submitting (`backupstatus: Backup Job
 * Re-Submitted`) runs a new Job while a retry over a stale cache finds the same one.
 */
import { BACKUP_JOB_STATUS, BACKUP_STATES, LABELS, WORKFLOW_STEPS, WORKFLOW_TYPES } from '../src/domain/constants.js';
import { PGBACKUP, PGCLUSTER, PGTASK } from '../src/domain/custom-resources.js';
import type { Pgbackup } from '../src/domain/custom-resources.js';
import { jobOutcome } from '../src/domain/job-outcome.js';
import { names } from '../src/domain/naming.js';
import type { PgoSettings } from '../src/domain/settings.js';
import { JOBS, PVCS } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/resources.js';
import { ensure, recordEvent, tolerateMissing, withOwner } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { keyOf, ownedBy, splitKey } from './runtime.js';
import type { Controller } from './runtime.js';
import { job, pvc } from './templates.js';
import { recordFailure } from './tasks/task-kit.js';

export const BACKUP_PROCESSED_MESSAGE = 'Successfully processed Pgbackup by controller';
export const SUBMISSIONS_ANNOTATION = 'pgo.crunchydata.com/submissions';

export class BackupController implements Controller {
  readonly name = 'pgbackup';
  readonly kind = 'Pgbackup';
  readonly watches = [{ kind: 'Job', keys: ownedBy('Pgbackup') }];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly settings: PgoSettings,
  ) {}

  allKeys(): string[] {
    return this.ctx.cache.list(PGBACKUP).map(keyOf);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const backup = this.ctx.cache.get(PGBACKUP, namespace, name);
    if (!backup || backup.metadata.deletionTimestamp) return;
    if (backup.status?.state !== BACKUP_STATES.processed) {
      await tolerateMissing(this.ctx.writer.patchStatus(PGBACKUP, namespace, name, { state: BACKUP_STATES.processed, message: BACKUP_PROCESSED_MESSAGE }));
    }
    const status = backup.spec.backupstatus;
    if (status === BACKUP_JOB_STATUS.completed || status === BACKUP_JOB_STATUS.error || status === 'completed') return;
    const pvcName = backup.spec.backuppvc || `${name}-backup`;
    // The CRD lets a Pgbackup written with kubectl omit its storage; pgo's own requests always carry it.
    const storage = backup.spec.storagespec ?? { ...this.settings.storage[this.settings.backupStorage], name: pvcName };
    const claim = backup.spec.backuppvc ? undefined : pvc(namespace, backup.spec.backuphost || name, pvcName, storage);
    if (claim) await ensure(this.ctx, PVCS, claim);
    const submitted = Number(backup.metadata.annotations?.[SUBMISSIONS_ANNOTATION] ?? 0);
    if (submitted === 0 || status === BACKUP_JOB_STATUS.resubmitted) {
      const next = submitted + 1;
      const jobName = `backup-${name}-${next}`;
      await ensure(this.ctx, JOBS, withOwner(this.job(backup, jobName, pvcName), backup));
      await tolerateMissing(this.ctx.writer.mergePatch(PGBACKUP, namespace, name, { metadata: { annotations: { [SUBMISSIONS_ANNOTATION]: String(next) } }, spec: { backupstatus: BACKUP_JOB_STATUS.submitted, storagespec: { name: pvcName } } }));
      await recordEvent(this.ctx, backup, 'Normal', 'CreateBackup', `started pg_basebackup job ${jobName}`);
      return;
    }
    const jobName = `backup-${name}-${submitted}`;
    const submittedJob = this.ctx.cache.get(JOBS, namespace, jobName);
    const result = submittedJob ? jobOutcome(submittedJob).state : 'running';
    if (result === 'running') return;
    if (result === 'failed') {
      await tolerateMissing(this.ctx.writer.mergePatch(PGBACKUP, namespace, name, { spec: { backupstatus: BACKUP_JOB_STATUS.error } }));
      const cluster = this.ctx.cache.get(PGCLUSTER, namespace, backup.spec.backuphost || name);
      const workflow = this.ctx.cache.get(PGTASK, namespace, names.workflowTask(name, WORKFLOW_TYPES.backup));
      await recordFailure(this.ctx, backup, 'CreateBackupFailed', `pg_basebackup job ${jobName} failed`, { cluster, clusterReason: 'CreateBackupFailed', workflow });
      return;
    }
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const path = `/pgdata/${pvcName}/${name}-backups/${at.replace(/[-:TZ]/g, '')}`;
    await tolerateMissing(this.ctx.writer.mergePatch(PGBACKUP, namespace, name, { spec: { backupstatus: BACKUP_JOB_STATUS.completed, toc: { [path]: path } } }));
    const workflow = this.ctx.cache.get(PGTASK, namespace, names.workflowTask(name, WORKFLOW_TYPES.backup));
    if (workflow && !workflow.spec.parameters?.[WORKFLOW_STEPS.completed]) {
      await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, namespace, workflow.metadata.name, { spec: { parameters: { [WORKFLOW_STEPS.completed]: at } } }));
    }
    await recordEvent(this.ctx, backup, 'Normal', 'CreateBackupCompleted', `pg_basebackup job ${jobName} completed`);
  }

  private job(backup: Pgbackup, name: string, pvcName: string): KubeObject {
    return job({
      namespace: backup.metadata.namespace ?? '',
      name,
      cluster: backup.spec.backuphost || backup.metadata.name,
      image: `${this.settings.ccpImagePrefix}/crunchy-backup:${backup.spec.ccpimagetag || this.settings.ccpImageTag}`,
      serviceAccount: 'pgo-default',
      labels: { [LABELS.pgbackup]: 'true' },
      env: { BACKUP_HOST: backup.spec.backuphost, BACKUP_OPTS: backup.spec.backupopts, BACKUP_PORT: backup.spec.backupport },
      secretEnv: [
        { name: 'BACKUP_USER', secret: backup.spec.backupusersecret, key: 'username' },
        { name: 'BACKUP_PASS', secret: backup.spec.backupusersecret, key: 'password' },
      ],
      volumes: [{ name: 'pgdata', mountPath: '/pgdata', claim: pvcName }],
    });
  }
}
