/** Tasks carried out by one Job each: pg_dump, pg_restore, pg_basebackup restore, pgbench (reference §5.9–5.11, §5.14). */
import { LABELS, SPEC_STATUS, WORKFLOW_STEPS } from '../../src/domain/constants.js';
import { PGCLUSTER } from '../../src/domain/custom-resources.js';
import type { Pgtask } from '../../src/domain/custom-resources.js';
import { JOBS, KUBERNETES_DEFAULT_BACKOFF_LIMIT, PVCS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { ensure, recordEvent } from '../kube-helpers.js';
import { names } from '../../src/domain/naming.js';
import { job, pvc } from '../templates.js';
import type { SecretEnv } from '../templates.js';
import { jobState, now, suffixOf, TASK_LABEL, TaskKit } from './task-kit.js';

/** The `<PREFIX>_USER` / `<PREFIX>_PASS` pair 4.2.4's dump and restore Jobs read from a user Secret. */
function userAndPassword(prefix: string, secret: string): SecretEnv[] {
  return [
    { name: `${prefix}_USER`, secret, key: 'username' },
    { name: `${prefix}_PASS`, secret, key: 'password' },
  ];
}

export class JobTasks extends TaskKit {
  /** pg_dump (reference §5.9): the dump PVC if missing, then a Job writing to it. */
  async pgdump(task: Pgtask): Promise<void> {
    const p = task.spec.parameters ?? {};
    const cluster = this.cluster(task);
    if (!cluster) return;
    const ns = task.metadata.namespace ?? '';
    const claimName = p['pvc-name'] || names.pgdumpPvc(cluster.metadata.name);
    const claim = pvc(ns, p['pgdump-host'] || cluster.metadata.name, claimName, task.spec.storagespec ?? cluster.spec.BackrestStorage);
    // Only before the Job is submitted: a backup delete removes the PVC of a finished dump.
    if (claim && !task.spec.status) await ensure(this.ctx, PVCS, claim);
    const user = p['pgdump-user'] || names.rootSecret(cluster.metadata.name);
    const name = `backup-${cluster.metadata.name}-pgdump-${suffixOf(task)}`;
    await this.jobTask(task, job({
      namespace: task.metadata.namespace ?? '',
      name,
      cluster: cluster.metadata.name,
      image: `${this.settings.ccpImagePrefix}/crunchy-pgdump:${this.settings.ccpImageTag}`,
      serviceAccount: 'pgo-default',
      labels: { [LABELS.pgdump]: 'true', [TASK_LABEL]: task.metadata.name },
      env: { PGDUMP_HOST: p['pgdump-host'] ?? '', PGDUMP_DB: p['pgdump-db'] ?? 'postgres', PGDUMP_PORT: p['pgdump-port'] ?? '5432', PGDUMP_CUSTOM_OPTS: p['pgdump-opts'] ?? '', PGDUMP_ALL: p['pgdump-all'] ?? 'false', PGDUMP_FILENAME: '' },
      secretEnv: userAndPassword('PGDUMP', user),
      volumes: [{ name: 'pgdata', mountPath: '/pgdata', claim: claimName }],
    }), 'PgdumpFailed');
  }

  /** pg_restore (reference §5.10): a Job reading the dump PVC, which must exist (4.2.4 only logged its absence). */
  async pgrestore(task: Pgtask): Promise<void> {
    const p = task.spec.parameters ?? {};
    const fromPvc = p['pgrestore-from-pvc'] ?? '';
    const hasJob = this.ctx.cache.list(JOBS, task.metadata.namespace).some((j) => j.metadata.labels?.[TASK_LABEL] === task.metadata.name);
    if (!hasJob && !this.ctx.cache.get(PVCS, task.metadata.namespace, fromPvc)) {
      const cluster = this.ctx.cache.get(PGCLUSTER, task.metadata.namespace, p['pgrestore-host'] ?? '');
      if (!task.spec.status) await this.fail(task, `PVC ${fromPvc} to restore from not found`, { clusterReason: 'PgrestoreFailed', cluster });
      return;
    }
    await this.jobTask(task, this.pgrestoreJob(task), 'PgrestoreFailed');
  }

  pgrestoreJob(task: Pgtask): KubeObject {
    const p = task.spec.parameters ?? {};
    const clusterName = p['pgrestore-host'] ?? '';
    const fromPvc = p['pgrestore-from-pvc'] ?? '';
    return job({
      namespace: task.metadata.namespace ?? '',
      name: `pgrestore-${clusterName}-from-${fromPvc}-${suffixOf(task)}`,
      cluster: clusterName,
      image: `${this.settings.ccpImagePrefix}/crunchy-pgrestore:${this.settings.ccpImageTag}`,
      serviceAccount: 'pgo-default',
      labels: { [LABELS.pgrestore]: 'true', [TASK_LABEL]: task.metadata.name },
      env: { PGRESTORE_HOST: clusterName, PGRESTORE_DB: p['pgrestore-db'] ?? 'postgres', PG_PRIMARY_PORT: '5432', PGRESTORE_CUSTOM_OPTS: p['pgrestore-opts'] ?? '', PGRESTORE_BACKUP_TIMESTAMP: p['pgrestore-pitr-target'] ?? '' },
      secretEnv: userAndPassword('PGRESTORE', p['pgrestore-user'] || names.rootSecret(clusterName)),
      volumes: [{ name: 'pgdata', mountPath: '/pgdata', claim: fromPvc, readOnly: true }],
      backoffLimit: KUBERNETES_DEFAULT_BACKOFF_LIMIT,
    });
  }

  /** Legacy pg_basebackup restore (reference §5.11): the target PVC and a restore Job, its status on the task. */
  async basebackupRestore(task: Pgtask): Promise<void> {
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
      volumes: [
        { name: 'pgdata', mountPath: '/pgdata', claim: toPvc },
        { name: 'backup', mountPath: '/backup', claim: p['pgbasebackup-restore-from-pvc'] ?? '' },
      ],
    });
    const existed = this.ctx.cache.list(JOBS, ns).some((j) => j.metadata.labels?.[TASK_LABEL] === task.metadata.name);
    await this.jobTask(task, spec, 'PgbasebackupRestoreFailed');
    if (!existed) await this.workflowStep(ns, p[LABELS.workflowId], WORKFLOW_STEPS.restoreJobCreated);
  }

  /** pgbench (reference §5.14): a Job named like the task; the workflow records submission and completion. */
  async benchmark(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const jobName = p.taskName || task.metadata.name;
    const run = this.ctx.cache.get(JOBS, ns, jobName);
    if (!run) {
      // A task that has moved on had its Job removed (a backup delete): running it again would redo the work.
      if (task.spec.status) return;
      const labels: Record<string, string> = { [LABELS.name]: jobName, 'pgo-benchmark': 'true', created: now().replace(/[-:TZ]/g, ''), workflowName: p.workflowName ?? '', [LABELS.pgouser]: task.metadata.labels?.[LABELS.pgouser] ?? '' };
      if (task.metadata.labels?.[LABELS.pgClusterId]) labels[LABELS.pgClusterId] = task.metadata.labels[LABELS.pgClusterId];
      await this.ensureJob(task, {
        namespace: ns,
        name: jobName,
        cluster: p.clusterName ?? '',
        image: `${p.ccpImagePrefix || this.settings.ccpImagePrefix}/crunchy-pgbench:${p.ccpImageTag || this.settings.ccpImageTag}`,
        serviceAccount: 'pgo-default',
        labels,
        env: { PGBENCH_BENCHMARK_OPTS: p.benchmarkOpts ?? '', PGBENCH_CLIENTS: p.clients ?? '1', PGBENCH_JOBS: p.jobs ?? '1', PGBENCH_SCALE: p.scale ?? '1', PGBENCH_TRANSACTIONS: p.transactions ?? '1', PGBENCH_INIT_OPTS: p.initOpts ?? '', PG_DATABASE: p.database ?? 'postgres', PG_HOSTNAME: p.host ?? '', PG_PORT: p.port ?? '5432', PGBENCH_CUSTOM_CONFIG: p.configmapName ?? '' },
      });
      await this.workflowStepByName(ns, p.workflowName, WORKFLOW_STEPS.submitted, true);
      const cluster = this.cluster(task);
      if (cluster) await recordEvent(this.ctx, cluster, 'Normal', 'Benchmark', `benchmark job ${jobName} started`);
      return;
    }
    const state = jobState(run);
    if (state?.failed) {
      const progress = `${SPEC_STATUS.jobError} [${jobName}]`;
      if (task.spec.status !== progress) await this.fail(task, `job ${jobName} failed: ${state.reason}`, { progress, clusterReason: 'BenchmarkFailed' });
      return;
    }
    const progress = state?.done ? `${SPEC_STATUS.jobCompleted} [${jobName}]` : `${SPEC_STATUS.jobSubmitted} [${jobName}]`;
    if (task.spec.status === progress) return;
    await this.setProgress(task, progress);
    if (!state?.done) return;
    await this.workflowStepByName(ns, p.workflowName, SPEC_STATUS.jobCompleted, false);
    const cluster = this.cluster(task);
    if (cluster) await recordEvent(this.ctx, cluster, 'Normal', 'BenchmarkCompleted', `benchmark job ${jobName} completed`);
    await this.completed(task, `job ${jobName} completed`);
  }
}
