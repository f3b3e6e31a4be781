/**
 * Pgcluster: builds what 4.2.4 built for a new cluster (reference §4.1) and runs the bootstrap
 * chain up to the stanza-create task (§4.6). Level-triggered: every step checks the cache first,
 * so a second run over a converged cluster writes nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CLUSTER_STATES, CREATED_MESSAGE, LABELS, POD_ROLES, REPLICA_STATES, SPEC_STATUS, TASK_TYPES, USER_LABELS, VENDOR, WORKFLOW_STEPS, WORKFLOW_TYPES } from '../src/domain/constants.js';
import { customResource, PGCLUSTER, PGPOLICY, PGREPLICA, PGTASK } from '../src/domain/custom-resources.js';
import type { Pgcluster, Pgpolicy } from '../src/domain/custom-resources.js';
import { jobOutcome } from '../src/domain/job-outcome.js';
import { generatePassword, names } from '../src/domain/naming.js';
import { withS3CredentialKeys } from '../src/domain/backrest-repo-secret.js';
import { podReady } from '../src/domain/pods.js';
import type { PgoSettings } from '../src/domain/settings.js';
import { taskObject } from '../src/domain/task-factory.js';
import { CONFIGMAPS, DEPLOYMENTS, JOBS, PODS, PVCS, SECRETS, SERVICES } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/resources.js';
import { adopt, ensure, recordEvent, tolerateMissing, withOwner } from './kube-helpers.js';
import { collectSecretName, COLLECT_USER, metricsEnabled, usesS3 } from './database-pod.js';
import { instanceLookups } from './instance-lookups.js';
import { patroniShouldPause, setPatroniPause } from './patroni-pause.js';
import type { ControllerContext } from './kube-helpers.js';
import { byClusterLabel, keyOf, ownedBy, splitKey } from './runtime.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { backupTask, stanzaCreateTask } from './backup-tasks.js';
import { clusterPorts, containerResources, pgbouncerDeployment, primaryPsqlJob, pgbouncerSecret, pghaConfigMap, pgDeployment, pvc, repoDeployment, repoService, service, validUserLabels } from './templates.js';

export const PROCESSED_MESSAGE = 'Successfully processed Pgcluster by controller';
/** 4.2.4 generated pgBouncer passwords of ten letters. */
export const PGBOUNCER_PASSWORD_LENGTH = 10;
/** How long a primary may stay unready before a replica is promoted automatically. */
export const AUTOFAILOVER_AFTER_MS = 5_000;
/** The `pgouser` recorded on failover tasks the controllers create themselves. */
export const AUTOFAILOVER_USER = 'autofailover';
/** The ConfigMaps Patroni keeps for a scope: `<scope>-<suffix>`. */
export const PATRONI_CONFIGMAP_SUFFIXES = ['config', 'leader', 'failover'] as const;
/** Our addition to a bootstrap backup task after a restore: the restored primary it backs up. */
export const RESTORED_PRIMARY_PARAMETER = 'restored-primary';

export class ClusterController implements Controller {
  readonly name = 'pgcluster';
  readonly kind = 'Pgcluster';
  readonly watches = [
    { kind: 'Deployment', keys: ownedBy('Pgcluster') },
    { kind: 'Service', keys: ownedBy('Pgcluster') },
    { kind: 'Pod', keys: byClusterLabel },
    { kind: 'Pgtask', keys: byClusterLabel },
    { kind: 'ConfigMap', keys: (configMap: KubeObject) => [...byClusterLabel(configMap), ...this.clustersOfScope(configMap)] },
    { kind: 'Job', keys: byClusterLabel },
    { kind: 'Secret', keys: byClusterLabel },
  ];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly settings: PgoSettings,
    private readonly autoFailoverAfterMs = AUTOFAILOVER_AFTER_MS,
  ) {}

  /** When this controller first saw a cluster's primary without a pod: nothing in the API records it. */
  private readonly primaryMissingSince = new Map<string, number>();

  allKeys(): string[] {
    return this.ctx.cache.list(PGCLUSTER).map(keyOf);
  }

  /** Patroni labels its ConfigMaps with the scope only. */
  private clustersOfScope(configMap: KubeObject): string[] {
    const scope = configMap.metadata.labels?.[LABELS.pghaScope];
    if (!scope) return [];
    return this.ctx.cache.list(PGCLUSTER, configMap.metadata.namespace).filter((c) => c.metadata.labels?.[LABELS.pghaScope] === scope).map(keyOf);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    let cluster = this.ctx.cache.get(PGCLUSTER, namespace, name);
    if (!cluster || cluster.metadata.deletionTimestamp) {
      this.primaryMissingSince.delete(key);
      return;
    }
    const state = cluster.status?.state;
    if (!state || state === CLUSTER_STATES.created) {
      cluster = (await tolerateMissing(this.ctx.writer.patchStatus(PGCLUSTER, namespace, name, { state: CLUSTER_STATES.processed, message: PROCESSED_MESSAGE }))) ?? cluster;
      await recordEvent(this.ctx, cluster, 'Normal', 'Processed', PROCESSED_MESSAGE);
    }
    if (!cluster.metadata.labels?.[LABELS.pgClusterId]) {
      // 4.2.4 kept the id in memory and usually lost it (reference §11 item 5): persisted here.
      cluster = (await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, namespace, name, { metadata: { labels: { [LABELS.pgClusterId]: randomUUID() } } }))) ?? cluster;
    }
    await this.build(cluster);
    await this.labelPods(cluster);
    await this.adoptPatroniConfigMaps(cluster);
    await this.onPrimaryReady(cluster);
    await setPatroniPause(this.ctx, cluster, patroniShouldPause(cluster));
    await this.syncPgbouncer(cluster);
    await this.syncResources(cluster);
    return this.autoFailover(cluster);
  }

  /**
   * The database containers follow `spec.ContainerResources` (set on every instance of the
   * cluster; a replica with its own `limitscpu` keeps its own). Resources apply only when all four
   * values are set, as in 4.2.4; otherwise none are set.
   */
  private async syncResources(cluster: Pgcluster): Promise<void> {
    if (cluster.spec.status !== SPEC_STATUS.completed) return;
    const ns = cluster.metadata.namespace ?? '';
    const wanted = containerResources(cluster.spec.ContainerResources);
    for (const deployment of this.ctx.cache.byCluster(DEPLOYMENTS, ns, cluster.metadata.name)) {
      if (deployment.metadata.labels?.[LABELS.pgDatabase] !== 'true') continue;
      const replica = this.ctx.cache.get(PGREPLICA, ns, deployment.metadata.name);
      if (replica?.spec.containerresources?.limitscpu) continue;
      const container = (deployment.spec as { template?: { spec?: { containers?: { name?: string; resources?: unknown }[] } } } | undefined)?.template?.spec?.containers?.[0];
      if (container?.name !== 'database') continue;
      if (JSON.stringify(container.resources ?? {}) === JSON.stringify(wanted ?? {})) continue;
      const path = '/spec/template/spec/containers/0/resources';
      await tolerateMissing(
        this.ctx.writer.jsonPatch(DEPLOYMENTS, ns, deployment.metadata.name, [
          { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'database' },
          wanted ? { op: container.resources ? 'replace' : 'add', path, value: wanted } : { op: 'remove', path },
        ]),
      );
    }
  }

  /**
   * pgBouncer follows the `crunchy-pgbouncer` label (reference §7.12): its Secret, Deployment and
   * Service exist exactly while the label is `true`. An existing Secret's credentials are kept.
   */
  private async syncPgbouncer(cluster: Pgcluster): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const bouncer = names.pgbouncer(name);
    const secretName = `${name}-pgbouncer-secret`;
    if (cluster.metadata.labels?.[LABELS.pgbouncer] === 'true') {
      if (cluster.spec.status !== SPEC_STATUS.completed) return;
      if (!this.ctx.cache.get(SECRETS, ns, secretName)) {
        const user = cluster.spec.userlabels?.[USER_LABELS.pgbouncerUser] || 'pgbouncer';
        const password = cluster.spec.userlabels?.[USER_LABELS.pgbouncerPassword] || generatePassword(PGBOUNCER_PASSWORD_LENGTH);
        if (await ensure(this.ctx, SECRETS, pgbouncerSecret(cluster, { username: user, password }))) {
          // New credentials must reach PostgreSQL: the deferred setup task of 4.2.4 (no hyphen, sic).
          await ensure(this.ctx, PGTASK, taskObject({ namespace: ns, name: `${name}update-pgbouncer-auths`, tasktype: TASK_TYPES.updatePgbouncerAuths, labels: { [LABELS.pgCluster]: name, 'pgbouncer-secret': secretName }, parameters: { 'pg-cluster': name } }));
        }
      }
      await ensure(this.ctx, DEPLOYMENTS, withOwner(pgbouncerDeployment(cluster, this.settings), cluster));
      const created = await ensure(this.ctx, SERVICES, withOwner(service(ns, name, bouncer, 'ClusterIP', clusterPorts(cluster, true), { [LABELS.pgbouncer]: 'true' }), cluster));
      if (created) await recordEvent(this.ctx, cluster, 'Normal', 'CreatePgbouncer', `pgBouncer ${bouncer} added`);
      return;
    }
    const had = Boolean(this.ctx.cache.get(DEPLOYMENTS, ns, bouncer));
    if (this.ctx.cache.get(SERVICES, ns, bouncer)) await this.ctx.writer.deleteIfExists(SERVICES, ns, bouncer);
    if (had) await this.ctx.writer.deleteIfExists(DEPLOYMENTS, ns, bouncer);
    if (this.ctx.cache.get(SECRETS, ns, secretName)) await this.ctx.writer.deleteIfExists(SECRETS, ns, secretName);
    if (had) await recordEvent(this.ctx, cluster, 'Normal', 'DeletePgbouncer', `pgBouncer ${bouncer} removed`);
  }

  /**
   * Automatic failover: when the primary has not been ready for AUTOFAILOVER_AFTER_MS and
   * automatic failover is on, a ready replica is promoted through a failover task (what Patroni
   * did in 4.2.4, which the operator then followed with a new backup). The primary is unready
   * while its pod is not ready — Pending, running unready, without any Ready condition — and while
   * it has no pod at all.
   */
  private async autoFailover(cluster: Pgcluster): Promise<ReconcileResult | void> {
    const key = keyOf(cluster);
    if (cluster.status?.state !== CLUSTER_STATES.initialized || cluster.metadata.labels?.[LABELS.autofail] === 'false') {
      this.primaryMissingSince.delete(key);
      return;
    }
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const primaryName = cluster.metadata.labels?.[LABELS.currentPrimary] ?? name;
    const instances = this.ctx.cache.byCluster(PODS, ns, name).filter((p) => p.metadata.labels?.[LABELS.pgDatabase] === 'true' && !p.metadata.deletionTimestamp);
    const primary = instances.find((p) => p.metadata.labels?.[LABELS.deploymentName] === primaryName);
    if (primary) this.primaryMissingSince.delete(key);
    else if (!this.primaryMissingSince.has(key)) this.primaryMissingSince.set(key, Date.now());
    if (primary && podReady(primary)) return;
    const since = primary ? unreadySince(primary) : (this.primaryMissingSince.get(key) ?? Date.now());
    const waited = Date.now() - since;
    if (waited < this.autoFailoverAfterMs) return { requeueAfterMs: this.autoFailoverAfterMs - waited };
    const candidate = instances.find((p) => p.metadata.labels?.[LABELS.role] === POD_ROLES.replica && podReady(p) && p.metadata.labels?.[LABELS.deploymentName] !== primaryName);
    if (!candidate) return;
    const taskName = names.failoverTask(name);
    const existing = this.ctx.cache.get(PGTASK, ns, taskName);
    if (existing && !existing.spec.parameters?.['failover-started']) return;
    if (existing) {
      await this.ctx.writer.deleteIfExists(PGTASK, ns, taskName);
      return;
    }
    const target = candidate.metadata.labels?.[LABELS.deploymentName] ?? '';
    this.primaryMissingSince.delete(key);
    await ensure(this.ctx, PGTASK, taskObject({ namespace: ns, name: taskName, tasktype: TASK_TYPES.failover, labels: { [LABELS.target]: target, [LABELS.pgCluster]: name, [LABELS.pgouser]: AUTOFAILOVER_USER }, parameters: { [name]: name } }));
    const why = primary ? 'not ready' : 'without a pod';
    await recordEvent(this.ctx, cluster, 'Warning', 'AutoFailover', `primary ${primaryName} ${why} for ${Math.round(waited / 1000)} s: promoting ${target}`);
  }

  private async build(cluster: Pgcluster): Promise<void> {
    const { ctx, settings } = this;
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const serviceType = cluster.spec.userlabels?.[USER_LABELS.serviceType] || settings.serviceType;
    const primaryPvc = cluster.spec.PrimaryStorage.storagetype === 'existing' ? cluster.spec.PrimaryStorage.name : pvc(ns, name, name, cluster.spec.PrimaryStorage) ? name : undefined;
    const primaryPvcObject = pvc(ns, name, name, cluster.spec.PrimaryStorage);
    // PVCs carry no ownerReference: deleting a cluster may keep its data (reference §7.11).
    if (primaryPvcObject) await ensure(ctx, PVCS, primaryPvcObject);
    await ensure(ctx, SERVICES, withOwner(service(ns, name, name, serviceType, clusterPorts(cluster, false)), cluster));
    await ensure(ctx, SERVICES, withOwner(repoService(ns, name), cluster));
    // A clone's step 2 built the repository before its cluster existed.
    await adopt(ctx, SERVICES, ctx.cache.get(SERVICES, ns, names.repoDeployment(name)), cluster);
    await adopt(ctx, DEPLOYMENTS, ctx.cache.get(DEPLOYMENTS, ns, names.repoDeployment(name)), cluster);
    const repoPvc = pvc(ns, name, `${name}-pgbr-repo`, cluster.spec.BackrestStorage);
    if (repoPvc) await ensure(ctx, PVCS, repoPvc);
    await this.splitS3Credentials(cluster);
    const lookups = instanceLookups(ctx.cache, cluster);
    await ensure(ctx, DEPLOYMENTS, withOwner(repoDeployment(cluster, settings), cluster));
    await ensure(ctx, CONFIGMAPS, withOwner(pghaConfigMap(cluster, settings), cluster));
    // Not owned: a delete that keeps data keeps the cluster's Secrets.
    if (metricsEnabled(cluster)) await ensure(ctx, SECRETS, collectSecret(cluster, generatePassword(this.settings.passwordLength)));
    if (cluster.spec.status === SPEC_STATUS.completed) return;

    const labels = this.instanceLabels(cluster);
    await ensure(ctx, DEPLOYMENTS, withOwner(pgDeployment({ cluster, name, pvcName: primaryPvc, storage: cluster.spec.PrimaryStorage, imageTag: cluster.spec.ccpimagetag, labels, settings, init: true, ...lookups }), cluster));
    await this.initialReplicas(cluster, labels);
    const clusterLabels = { ...validUserLabels(cluster.spec.userlabels), ...labels, [LABELS.currentPrimary]: name };
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels: clusterLabels } }));
    await tolerateMissing(
      this.ctx.writer.jsonPatch(PGCLUSTER, ns, name, [
        { op: 'replace', path: '/spec/status', value: SPEC_STATUS.completed },
        { op: 'replace', path: '/spec/PrimaryStorage/name', value: primaryPvc ?? '' },
      ]),
    );
    await recordEvent(ctx, cluster, 'Normal', 'CreateCluster', `created the objects of cluster ${name}`);
  }

  /** Labels of the primary Deployment and its pods (reference §6.1). */
  /**
   * Pods read the S3 key and secret from keys of their own in the repo Secret; a Secret written by
   * 4.2.4 (or by hand) holds them only inside aws-s3-credentials.yaml, so they are added from there.
   */
  private async splitS3Credentials(cluster: Pgcluster): Promise<void> {
    if (!usesS3(cluster)) return;
    const ns = cluster.metadata.namespace ?? '';
    const secret = this.ctx.cache.get(SECRETS, ns, names.backrestRepoSecret(cluster.metadata.name));
    const data = (secret?.data ?? {}) as Record<string, string>;
    const complete = withS3CredentialKeys(data);
    if (secret && complete !== data) await tolerateMissing(this.ctx.writer.mergePatch(SECRETS, ns, secret.metadata.name, { data: complete }));
  }

  private instanceLabels(cluster: Pgcluster): Record<string, string> {
    const name = cluster.metadata.name;
    return {
      ...validUserLabels(cluster.spec.userlabels),
      [LABELS.name]: name,
      [LABELS.pgCluster]: cluster.spec.clustername || name,
      [LABELS.deploymentName]: name,
      [LABELS.pgouser]: cluster.metadata.labels?.[LABELS.pgouser] ?? '',
      [LABELS.pgClusterId]: cluster.metadata.labels?.[LABELS.pgClusterId] ?? '',
      [LABELS.pghaScope]: name,
    };
  }

  /** Creates the replicas asked for at creation that do not exist yet (so a retry adds none twice). */
  private async initialReplicas(cluster: Pgcluster, labels: Record<string, string>): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const wanted = Number(cluster.spec.replicas) || 0;
    const existing = this.ctx.cache.byCluster(PGREPLICA, ns, cluster.metadata.name).length;
    const userlabels = { ...labels, [USER_LABELS.nodeLabelKey]: '', [USER_LABELS.nodeLabelValue]: '' };
    for (let i = existing; i < wanted; i++) {
      const replicaName = names.replica(cluster.metadata.name);
      const replica = customResource(PGREPLICA, ns, replicaName, { [LABELS.pgCluster]: cluster.metadata.name, [LABELS.name]: replicaName }, {
        namespace: ns,
        name: replicaName,
        clustername: cluster.metadata.name,
        replicastorage: { ...cluster.spec.ReplicaStorage },
        containerresources: { ...cluster.spec.ContainerResources },
        status: '',
        userlabels,
      });
      await ensure(this.ctx, PGREPLICA, withOwner(replica, cluster));
      await tolerateMissing(this.ctx.writer.patchStatus(PGREPLICA, ns, replicaName, { state: REPLICA_STATES.created, message: CREATED_MESSAGE }));
    }
  }

  /** The pod controller's `service-name` rule (reference §4.6). */
  private async labelPods(cluster: Pgcluster): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    for (const pod of this.ctx.cache.byCluster(PODS, ns, name)) {
      const labels = pod.metadata.labels ?? {};
      if (labels[LABELS.pgDatabase] !== 'true' || labels[LABELS.serviceName] || pod.metadata.deletionTimestamp) continue;
      const deploymentName = labels[LABELS.deploymentName] ?? '';
      const deployment = this.ctx.cache.get(DEPLOYMENTS, ns, deploymentName);
      const serviceName = deployment?.metadata.labels?.[LABELS.serviceName] ?? (this.ctx.cache.get(PGREPLICA, ns, deploymentName) ? names.replicaService(name) : name);
      await tolerateMissing(this.ctx.writer.mergePatch(PODS, ns, pod.metadata.name, { metadata: { labels: { [LABELS.serviceName]: serviceName } } }));
      if (deployment && !deployment.metadata.labels?.[LABELS.serviceName]) {
        await tolerateMissing(this.ctx.writer.mergePatch(DEPLOYMENTS, ns, deploymentName, { metadata: { labels: { [LABELS.serviceName]: serviceName } } }));
      }
    }
  }

  /**
   * Patroni creates its DCS ConfigMaps (`<scope>-config`, `-leader`, `-failover`) without owners;
   * owned by the cluster, they go with it whichever way it is deleted.
   */
  private async adoptPatroniConfigMaps(cluster: Pgcluster): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const scope = cluster.metadata.labels?.[LABELS.pghaScope];
    if (!scope) return;
    for (const suffix of PATRONI_CONFIGMAP_SUFFIXES) await adopt(this.ctx, CONFIGMAPS, this.ctx.cache.get(CONFIGMAPS, ns, `${scope}-${suffix}`), cluster);
  }

  /** The primary-readiness block (reference §4.6 step 3), each step done once. */
  private async onPrimaryReady(cluster: Pgcluster): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const primary = this.ctx.cache.byCluster(PODS, ns, name).find((p) => p.metadata.labels?.[LABELS.serviceName] === name && p.metadata.labels?.[LABELS.role] === POD_ROLES.primary && podReady(p));
    if (!primary) return;
    const configMap = this.ctx.cache.get(CONFIGMAPS, ns, `${name}-pgha-default-config`);
    if ((configMap?.data as Record<string, string> | undefined)?.init === 'true') {
      await tolerateMissing(this.ctx.writer.mergePatch(CONFIGMAPS, ns, `${name}-pgha-default-config`, { data: { init: 'false' } }));
    }
    if (cluster.status?.state === CLUSTER_STATES.restoring) return this.afterRestore(cluster, primary);
    await this.applyCreationPolicies(cluster, primary);
    const workflow = this.ctx.cache.get(PGTASK, ns, names.workflowTask(name, WORKFLOW_TYPES.createCluster));
    if (workflow && !workflow.spec.parameters?.[WORKFLOW_STEPS.completed]) {
      const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, ns, workflow.metadata.name, { spec: { parameters: { [WORKFLOW_STEPS.completed]: at } } }));
      await recordEvent(this.ctx, cluster, 'Normal', 'CreateClusterCompleted', `the primary of cluster ${name} is ready`);
    }
    const stanza = `${name}-stanza-create`;
    if (cluster.metadata.labels?.[LABELS.backrest] === 'true' && cluster.status?.state !== CLUSTER_STATES.initialized && !this.ctx.cache.get(PGTASK, ns, stanza)) {
      const repo = this.ctx.cache.byCluster(PODS, ns, name).find((p) => p.metadata.labels?.[LABELS.backrestRepo] === 'true');
      if (!repo) return;
      await ensure(this.ctx, PGTASK, stanzaCreateTask(cluster, repo.metadata.name));
    }
  }

  /**
   * The restored primary is up: a bootstrap backup of the new timeline (the previous backup task
   * and its Job removed first). Its success makes the cluster Initialized again (task controller).
   */
  private async afterRestore(cluster: Pgcluster, primary: KubeObject): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const restored = primary.metadata.labels?.[LABELS.deploymentName] ?? '';
    if (restored !== cluster.metadata.labels?.[LABELS.currentPrimary]) return;
    const taskName = names.backrestBackupTask(name);
    const existing = this.ctx.cache.get(PGTASK, ns, taskName);
    if (existing?.spec.parameters?.[RESTORED_PRIMARY_PARAMETER] === restored) return;
    if (existing) {
      await this.ctx.writer.deleteIfExists(PGTASK, ns, taskName);
      return; // the deletion's event brings this back, and the new task is created on a clean slate
    }
    const repo = this.ctx.cache.byCluster(PODS, ns, name).find((p) => p.metadata.labels?.[LABELS.backrestRepo] === 'true');
    if (!repo) return;
    await ensure(this.ctx, PGTASK, backupTask(cluster, repo.metadata.name, 'bootstrap', { [RESTORED_PRIMARY_PARAMETER]: restored }));
  }

  /**
   * Policies requested for the cluster (at creation, or by an apply) are in its policies task: each
   * runs through a Job executing its SQL on the primary; a success labels the cluster and the
   * primary Deployment `<policy>=pgpolicy` and leaves the task; a failure is reported and kept.
   */
  private async applyCreationPolicies(cluster: Pgcluster, primary: KubeObject): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const task = this.ctx.cache.get(PGTASK, ns, names.policiesTask(name));
    if (!task) return;
    const remaining = Object.keys(task.spec.parameters ?? {});
    const deployment = primary.metadata.labels?.[LABELS.deploymentName];
    for (const policyName of remaining) {
      const policy = this.ctx.cache.get(PGPOLICY, ns, policyName);
      const jobName = policyJobName(name, policyName);
      const run = this.ctx.cache.get(JOBS, ns, jobName);
      if (!policy) {
        await tolerateMissing(this.ctx.writer.jsonPatch(PGTASK, ns, task.metadata.name, [{ op: 'remove', path: `/spec/parameters/${escapePointer(policyName)}` }]));
        await recordEvent(this.ctx, cluster, 'Warning', 'ApplyPolicyFailed', `policy ${policyName} does not exist`);
        continue;
      }
      if (!run) {
        await ensure(this.ctx, JOBS, withOwner(policyJob(cluster, policy, jobName, this.settings), task));
        continue;
      }
      if (jobOutcome(run).state !== 'succeeded') continue;
      const labels = { [policyName]: 'pgpolicy' };
      if (deployment) await tolerateMissing(this.ctx.writer.mergePatch(DEPLOYMENTS, ns, deployment, { metadata: { labels } }));
      await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels } }));
      await tolerateMissing(this.ctx.writer.jsonPatch(PGTASK, ns, task.metadata.name, [{ op: 'remove', path: `/spec/parameters/${escapePointer(policyName)}` }]));
      await recordEvent(this.ctx, cluster, 'Normal', 'ApplyPolicy', `applied policy ${policyName}`);
    }
    if (remaining.length === 0) await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }
}

/** RFC 6901: `~` and `/` in a key are escaped in a JSON pointer. */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Short enough for the `job-name` label (63 characters) whatever the names. */
function policyJobName(cluster: string, policy: string): string {
  return `${cluster.slice(0, 40)}-policy-${createHash('sha256').update(`${cluster}/${policy}`).digest('hex').slice(0, 8)}`;
}

/** psql as postgres on the primary, fed the policy's SQL (fetched from its URL when it has one). */
function policyJob(cluster: Pgcluster, policy: Pgpolicy, name: string, settings: PgoSettings): KubeObject {
  return primaryPsqlJob(cluster, settings, {
    name,
    labels: { 'pgo-policy': policy.metadata.name },
    env: { POLICY_SQL: policy.spec.sql, POLICY_URL: policy.spec.url },
    script: 'if [ -n "$POLICY_URL" ]; then curl -fsSL "$POLICY_URL"; else printf "%s" "$POLICY_SQL"; fi | psql -v ON_ERROR_STOP=1 -f -',
  });
}

/**
 * Since when a pod that is not ready has been so: its Ready condition's last transition, else
 * (a pod never started, e.g. Pending unscheduled) its creation.
 */
function unreadySince(pod: KubeObject): number {
  const conditions = (pod.status as { conditions?: { type: string; lastTransitionTime?: string }[] } | undefined)?.conditions ?? [];
  const transition = Date.parse(conditions.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
  if (!Number.isNaN(transition)) return transition;
  const created = Date.parse(pod.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? Date.now() : created;
}

/** The metrics user's credentials, read by the collect sidecar and the database container. */
function collectSecret(cluster: Pgcluster, password: string): KubeObject {
  const data = { username: COLLECT_USER, password };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: collectSecretName(cluster), namespace: cluster.metadata.namespace, labels: { [LABELS.pgCluster]: cluster.metadata.name, [LABELS.vendor]: VENDOR } },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}
