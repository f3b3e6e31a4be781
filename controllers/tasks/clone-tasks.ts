/** The three clone tasks (reference §5.15, §7.15). */
import { CLUSTER_STATES, CREATED_MESSAGE, LABELS, SPEC_STATUS, TASK_TYPES, WORKFLOW_STEPS } from '../../src/domain/constants.js';
import { customResource, PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import { names } from '../../src/domain/naming.js';
import { podReady } from '../../src/domain/pods.js';
import { generateSshKeyPair } from '../../src/domain/ssh-keys.js';
import { taskObject } from '../../src/domain/task-factory.js';
import { DEPLOYMENTS, JOBS, PODS, PVCS, SECRETS, SERVICES } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { ensure, recordEvent, tolerateMissing } from '../kube-helpers.js';
import type { ReconcileResult } from '../runtime.js';
import { pvc, repoDeployment, repoService, restoreVolumes } from '../templates.js';
import { jobState, now, suffixOf, TaskKit } from './task-kit.js';

/** 4.2.4's event for any failed clone step. */
const CLONE_FAILURE = 'CloneClusterFailure';
/** How long step 2 waits for the target's repository to be ready before restoring anyway, as 4.2.4 did. */
export const CLONE_REPO_WAIT_MS = 30_000;

/** The clone's target as step 3 creates it; step 2 builds the target's repository from it first. */
function targetCluster(source: Pgcluster, task: Pgtask): Pgcluster {
  const ns = task.metadata.namespace ?? '';
  const p = task.spec.parameters ?? {};
  const target = p.targetClusterName ?? '';
  const spec = {
    ...source.spec,
    name: target,
    clustername: target,
    primaryhost: target,
    replicas: '0',
    strategy: '1',
    secretfrom: source.metadata.name,
    status: '',
    usersecretname: names.userSecret(target, source.spec.user),
    rootsecretname: names.rootSecret(target),
    primarysecretname: names.primarySecret(target),
    collectSecretName: names.collectSecret(target),
    PrimaryStorage: { ...source.spec.PrimaryStorage, name: '' },
    userlabels: { 'pgo-version': source.spec.userlabels?.['pgo-version'] ?? '', 'backrest-storage-type': p.backrestStorageType ?? '' },
  };
  const labels = { [LABELS.name]: target, [LABELS.autofail]: 'true', [LABELS.backrest]: 'true', [LABELS.pgouser]: task.metadata.labels?.[LABELS.pgouser] ?? '', [LABELS.workflowId]: p.workflowid ?? '', [LABELS.vendor]: 'crunchydata' };
  return customResource(PGCLUSTER, ns, target, labels, spec) as Pgcluster;
}

export class CloneTasks extends TaskKit {
  /** The next clone task, named and labelled as 4.2.4's helper built them (reference §5.15). */
  cloneTask(previous: Pgtask, step: 2 | 3): Pgtask {
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

  /**
   * Whether the step's Job succeeded; a failure is reported once, as 4.2.4's CloneClusterFailure on
   * the source (the target does not exist yet), and the clone stops there.
   */
  private async stepJobSucceeded(task: Pgtask, jobName: string, source: KubeObject | undefined): Promise<boolean> {
    const state = jobState(this.ctx.cache.get(JOBS, task.metadata.namespace, jobName));
    if (!state?.done) return false;
    if (!state.failed) return true;
    if (task.status?.message?.startsWith(`job ${jobName} failed`)) return false;
    await this.fail(task, `job ${jobName} failed: ${state.reason}`, { cluster: source, clusterReason: CLONE_FAILURE, progress: SPEC_STATUS.completed });
    return false;
  }

  /** Clone step 1 (reference §7.15): the target's PVCs and the repository sync Job. */
  async cloneStep1(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const p = task.spec.parameters ?? {};
    const source = this.ctx.cache.get(PGCLUSTER, ns, p.sourceClusterName ?? '');
    const target = p.targetClusterName ?? '';
    const jobName = `pgo-backrest-repo-sync-${target}-${suffixOf(task)}`;
    if (task.spec.status !== SPEC_STATUS.completed) {
      if (!source || this.ctx.cache.get(PGCLUSTER, ns, target)) {
        // Over (`completed`, as every clone step that ended), so the clone may be asked for again.
        await this.fail(task, source ? `cluster ${target} already exists` : `source cluster ${p.sourceClusterName} not found`, { cluster: source, clusterReason: CLONE_FAILURE, progress: SPEC_STATUS.completed });
        return;
      }
      const repo = pvc(ns, target, `${target}-pgbr-repo`, source.spec.BackrestStorage);
      if (repo) await ensure(this.ctx, PVCS, repo);
      await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneCreatePvc);
      const primary = pvc(ns, target, target, source.spec.PrimaryStorage);
      if (primary) await ensure(this.ctx, PVCS, primary);
      const started = await this.ensureJob(task, {
        namespace: ns,
        name: jobName,
        cluster: target,
        image: `${this.settings.pgoImagePrefix}/pgo-backrest-repo-sync:${this.settings.pgoImageTag}`,
        serviceAccount: 'pgo-backrest',
        labels: { 'pgo-clone-step-1': 'true', [LABELS.workflowId]: p.workflowid ?? '' },
        podLabels: { [LABELS.serviceName]: target },
        volumes: [
          { name: 'backrestrepo', mountPath: '/backrestrepo', claim: `${target}-pgbr-repo` },
          { name: 'sshd', mountPath: '/sshd', secret: names.backrestRepoSecret(source.metadata.name), readOnly: true },
        ],
        annotations: { 'clone-source-cluster-name': source.metadata.name, 'clone-target-cluster-name': target },
        env: { PGBACKREST_REPO1_HOST: names.repoDeployment(source.metadata.name), PGBACKREST_REPO1_PATH: `/backrestrepo/${names.repoDeployment(source.metadata.name)}`, NEW_PGBACKREST_REPO: `/backrestrepo/${names.repoDeployment(target)}` },
      });
      await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneSyncRepo);
      // Once: a reconcile over a cache that does not show the Job yet finds it exists.
      if (started) await recordEvent(this.ctx, source, 'Normal', 'CloneCluster', `cloning ${source.metadata.name} into ${target}`);
      await this.setProgress(task, SPEC_STATUS.completed);
      return;
    }
    if (!(await this.stepJobSucceeded(task, jobName, source))) return;
    await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneRestoreBackup);
    await ensure(this.ctx, PGTASK, this.cloneTask(task, 2));
  }

  /**
   * Clone step 2: the target's repository (Secret, Service and Deployment, owned by the target
   * once it exists) and, once that is ready or after CLONE_REPO_WAIT_MS, the restore Job into the
   * target's primary PVC.
   */
  async cloneStep2(task: Pgtask): Promise<ReconcileResult | void> {
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
      const source = this.ctx.cache.get(PGCLUSTER, ns, p.sourceClusterName ?? '');
      if (source) {
        await ensure(this.ctx, SERVICES, repoService(ns, target));
        await ensure(this.ctx, DEPLOYMENTS, repoDeployment(targetCluster(source, task), this.settings));
      }
      const waitedMs = Date.now() - Date.parse(task.metadata.creationTimestamp ?? '');
      const repoReady = this.ctx.cache.byCluster(PODS, ns, target).some((pod) => pod.metadata.labels?.[LABELS.backrestRepo] === 'true' && podReady(pod));
      if (!repoReady && waitedMs < CLONE_REPO_WAIT_MS) return { requeueAfterMs: CLONE_REPO_WAIT_MS - waitedMs };
      await this.ensureJob(task, {
        namespace: ns,
        name: jobName,
        cluster: target,
        image: `${this.settings.pgoImagePrefix}/pgo-backrest-restore:${this.settings.pgoImageTag}`,
        serviceAccount: 'pgo-backrest',
        labels: { [LABELS.backrestRestore]: 'true', 'pgo-clone-step-2': 'true', [LABELS.pgouser]: task.metadata.labels?.[LABELS.pgouser] ?? '' },
        podLabels: { [LABELS.serviceName]: target },
        volumes: restoreVolumes(target, target),
        annotations: { 'clone-source-cluster-name': p.sourceClusterName ?? '', 'clone-target-cluster-name': target },
        env: { COMMAND_OPTS: '--delta', PGBACKREST_STANZA: 'db', PGBACKREST_DB_PATH: `/pgdata/${target}`, PGBACKREST_REPO1_HOST: names.repoDeployment(target), PGBACKREST_REPO1_PATH: `/backrestrepo/${names.repoDeployment(target)}` },
      });
      await this.setProgress(task, SPEC_STATUS.completed);
      return;
    }
    if (!(await this.stepJobSucceeded(task, jobName, this.ctx.cache.get(PGCLUSTER, ns, p.sourceClusterName ?? '')))) return;
    await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneClusterCreate);
    await ensure(this.ctx, PGTASK, this.cloneTask(task, 3));
  }

  /** Clone step 3: the user Secrets copied and the target Pgcluster created; the create flow does the rest. */
  async cloneStep3(task: Pgtask): Promise<void> {
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
    const created = await ensure(this.ctx, PGCLUSTER, targetCluster(source, task));
    if (created) await tolerateMissing(this.ctx.writer.patchStatus(PGCLUSTER, ns, target, { state: CLUSTER_STATES.created, message: CREATED_MESSAGE }));
    await this.workflowStep(ns, p.workflowid, WORKFLOW_STEPS.cloneClusterCreate);
    await recordEvent(this.ctx, source, 'Normal', 'CloneClusterCompleted', `cluster ${target} created from ${source.metadata.name}`);
    await this.setProgress(task, SPEC_STATUS.completed);
  }
}
