/** Tasks carried out by one Job each: pg_dump, pg_restore, pg_basebackup restore, pgbench (reference §5.9–5.11, §5.14). */
import { LABELS, SPEC_STATUS, WORKFLOW_STEPS } from '../../src/domain/constants.js';
import { PGCLUSTER } from '../../src/domain/custom-resources.js';
import type { Pgtask } from '../../src/domain/custom-resources.js';
import { JOBS, PVCS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { ensure } from '../kube-helpers.js';
import { job, pvc } from '../templates.js';
import { jobState, now, suffixOf, TASK_LABEL, TaskKit } from './task-kit.js';

export class JobTasks extends TaskKit {
  pgdumpJob(task: Pgtask): KubeObject | undefined {
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

  pgrestoreJob(task: Pgtask): KubeObject | undefined {
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
    });
    const existed = this.ctx.cache.list(JOBS, ns).some((j) => j.metadata.labels?.[TASK_LABEL] === task.metadata.name);
    await this.jobTask(task, spec);
    if (!existed) await this.workflowStep(ns, p[LABELS.workflowId], WORKFLOW_STEPS.restoreJobCreated);
  }

  /** pgbench (reference §5.14): a Job named like the task; the workflow records submission and completion. */
  async benchmark(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const jobName = p.taskName || task.metadata.name;
    const run = this.ctx.cache.get(JOBS, ns, jobName);
    if (!run) {
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
      return;
    }
    const state = jobState(run);
    const progress = state?.failed ? `job error [${jobName}]` : state?.done ? `job completed [${jobName}]` : `job submitted [${jobName}]`;
    await this.setProgress(task, progress, state?.failed ? `job ${jobName} failed: ${state.reason}` : undefined);
    if (state?.done && !state.failed) await this.workflowStepByName(ns, p.workflowName, SPEC_STATUS.jobCompleted, false);
  }
}
