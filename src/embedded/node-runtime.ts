/**
 * The simulated node runtime (embedded mode only): a kwok-style stand-in for kubelet, the
 * Deployment and Job controllers of kube-controller-manager, and — for PostgreSQL pods — Patroni's
 * role labels. It is a client of the API like any other (reads from the watch cache, writes over
 * HTTP), so the product's controllers run against it unchanged.
 *
 * - A Deployment gets `spec.replicas` Pods (no ReplicaSets), owned by the Deployment; extra Pods
 *   are deleted, deleted Pods replaced; its status is what the Deployment controller reports
 *   (counts, zero counts omitted, Available and Progressing conditions, observedGeneration).
 * - A Pod becomes Running and Ready (IP, conditions, container statuses) after the delay, unless
 *   its Deployment asks for it to stay Pending (PENDING_ANNOTATION) or unready (UNREADY_ANNOTATION).
 * - A Job runs one Pod at a time: it Succeeds after the delay, or Fails when asked to
 *   (FAIL_ANNOTATION, FAIL_JOBS_ANNOTATION, FAIL_TIMES_ANNOTATION); a failed Pod is replaced until
 *   `backoffLimit` retries are spent, and the Job's status follows as the Job controller's does.
 * - A ready PostgreSQL Pod (`pgo-pg-database=true`) is labelled `role=master` when its Deployment
 *   is the cluster's current primary, `role=replica` otherwise, as Patroni does.
 */
import { createHash, randomInt } from 'node:crypto';
import { ControllerRunner, keyOf, ownedBy, splitKey } from '../../controllers/runtime.js';
import type { Controller, ReconcileResult } from '../../controllers/runtime.js';
import type { EventHub } from '../kube/event-hub.js';
import { parseLabelSelector } from '../kube/label-selector.js';
import { CONFIGMAPS, DEPLOYMENTS, JOBS, KUBERNETES_DEFAULT_BACKOFF_LIMIT, PGCLUSTERS, PODS, PVCS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import type { WatchCache } from '../kube/watch-cache.js';
import { KubeApiError } from '../kube/writer.js';
import type { KubeWriter } from '../kube/writer.js';

/** On a Job: its pods fail, with the annotation's value as the message. */
export const FAIL_ANNOTATION = 'embedded.pgo.crunchydata.com/fail';
/**
 * On a Pgcluster: a label selector; the cluster's Jobs whose labels match it fail. Lets a test ask
 * for the failure of a Job the controllers have not created yet.
 */
export const FAIL_JOBS_ANNOTATION = 'embedded.pgo.crunchydata.com/fail-jobs';
/** On a Job: its first N pods fail (N the annotation's value), later ones succeed. */
export const FAIL_TIMES_ANNOTATION = 'embedded.pgo.crunchydata.com/fail-times';
/** On a Deployment: its pods run but never become ready (a test's way to make a primary fail). */
export const UNREADY_ANNOTATION = 'embedded.pgo.crunchydata.com/unready';
/** On a Deployment: its pods stay Pending, unschedulable (no node fits them). */
export const PENDING_ANNOTATION = 'embedded.pgo.crunchydata.com/pending';
/** Kubernetes' default `maxUnavailable` of a rolling update. */
export const DEFAULT_MAX_UNAVAILABLE = '25%';
export const NODE_NAME = 'embedded-node';
/** The label that ties a pod to the template it was made from (as ReplicaSets' pods carry). */
export const TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const DEFAULT_DELAY_MS = 2000;

type Reader = Pick<WatchCache, 'get' | 'list' | 'byCluster'>;

interface Container {
  name: string;
  image?: string;
}

interface PodSpec {
  containers?: Container[];
  [key: string]: unknown;
}

interface Template {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

function ownedPods(cache: Reader, owner: KubeObject): KubeObject[] {
  return cache.list(PODS, owner.metadata.namespace).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid));
}

function podIp(): string {
  return `10.244.${randomInt(0, 255)}.${randomInt(1, 255)}`;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ageMs(object: KubeObject): number {
  return Date.now() - Date.parse(object.metadata.creationTimestamp ?? new Date().toISOString());
}

function phaseOf(pod: KubeObject): string {
  return String((pod.status as { phase?: string } | undefined)?.phase ?? 'Pending');
}

function ownerRef(owner: KubeObject): NonNullable<KubeObject['metadata']['ownerReferences']>[number] {
  return { apiVersion: String(owner.apiVersion), kind: String(owner.kind), name: owner.metadata.name, uid: String(owner.metadata.uid), controller: true, blockOwnerDeletion: true };
}

async function ignoreMissing(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    // The object went away meanwhile (or another write won): the next event reconciles again.
    if (error instanceof KubeApiError && (error.code === 404 || error.code === 409)) return;
    throw error;
  }
}

abstract class SimController implements Controller {
  abstract readonly name: string;
  abstract readonly kind: string;
  abstract readonly watches: Controller['watches'];
  constructor(
    protected readonly cache: Reader,
    protected readonly writer: KubeWriter,
    protected readonly delayMs: number,
    private readonly handle: typeof PODS,
  ) {}
  allKeys(): string[] {
    return this.cache.list(this.handle).map(keyOf);
  }
  abstract reconcile(key: string): Promise<ReconcileResult | void>;
}

class DeploymentSim extends SimController {
  readonly name = 'sim-deployments';
  readonly kind = 'Deployment';
  readonly watches = [{ kind: 'Pod', keys: ownedBy('Deployment') }];

  constructor(cache: Reader, writer: KubeWriter, delayMs: number) {
    super(cache, writer, delayMs, DEPLOYMENTS);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const deployment = this.cache.get(DEPLOYMENTS, namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = (deployment.spec ?? {}) as { replicas?: number; template?: Template };
    const desired = spec.replicas ?? 1;
    const template = spec.template ?? {};
    const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
    // A changed template replaces the old pods (the Recreate strategy, without ReplicaSets).
    const owned = ownedPods(this.cache, deployment).filter((p) => !p.metadata.deletionTimestamp);
    for (const stale of owned.filter((p) => p.metadata.labels?.[TEMPLATE_HASH_LABEL] !== hash)) await ignoreMissing(this.writer.delete(PODS, namespace, stale.metadata.name));
    const pods = owned.filter((p) => p.metadata.labels?.[TEMPLATE_HASH_LABEL] === hash);
    for (let i = pods.length; i < desired; i++) {
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${name}-${hash}-${randomInt(36 ** 4, 36 ** 5).toString(36)}`, namespace, labels: { ...(template.metadata?.labels ?? {}), [TEMPLATE_HASH_LABEL]: hash }, annotations: { ...(template.metadata?.annotations ?? {}) }, ownerReferences: [ownerRef(deployment)] },
        spec: { ...(template.spec ?? {}), nodeName: NODE_NAME },
      };
      await ignoreMissing(this.writer.create(PODS, pod));
    }
    for (const extra of pods.slice(desired)) await ignoreMissing(this.writer.delete(PODS, namespace, extra.metadata.name));
    const ready = Math.min(desired, pods.filter((p) => phaseOf(p) === 'Running' && podIsReady(p)).length);
    const current = (deployment.status ?? {}) as WorkloadStatus;
    const status = deploymentStatus(deployment, current, { desired, pods: Math.min(pods.length, desired), ready, hash });
    if (canonical(status) !== canonical(current)) await ignoreMissing(this.writer.patchStatus(DEPLOYMENTS, namespace, name, mergeReplacing(current, status)));
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string;
}

/** The status of a Deployment or a Job: conditions beside fields of their own. */
interface WorkloadStatus {
  conditions?: Condition[];
  [key: string]: unknown;
}

interface Counts {
  desired: number;
  pods: number;
  ready: number;
  hash: string;
}

/**
 * What the Deployment controller reports: counts (a zero count is omitted, as its JSON omits
 * empty fields), Available when enough replicas are ready given `maxUnavailable`, Progressing
 * with the (here virtual) ReplicaSet of the current template.
 */
function deploymentStatus(deployment: KubeObject, current: WorkloadStatus, counts: Counts): WorkloadStatus {
  const minAvailable = Math.max(0, counts.desired - maxUnavailable(deployment, counts.desired));
  const available = counts.ready >= minAvailable;
  const complete = counts.ready >= counts.desired && counts.pods === counts.desired;
  const replicaSet = `${deployment.metadata.name}-${counts.hash}`;
  const status: WorkloadStatus = { observedGeneration: deployment.metadata.generation ?? 1 };
  const nonZero = { replicas: counts.pods, updatedReplicas: counts.pods, readyReplicas: counts.ready, availableReplicas: counts.ready, unavailableReplicas: counts.desired - counts.ready };
  for (const [key, value] of Object.entries(nonZero)) if (value > 0) status[key] = value;
  status.conditions = [
    condition(current.conditions, { type: 'Available', status: String(available ? 'True' : 'False'), reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' }),
    condition(current.conditions, { type: 'Progressing', status: 'True', reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: complete ? `ReplicaSet "${replicaSet}" has successfully progressed.` : `ReplicaSet "${replicaSet}" is progressing.` }),
  ];
  return status;
}

/** `maxUnavailable` of a rolling update (a number or a percentage, rounded down); none for Recreate. */
function maxUnavailable(deployment: KubeObject, desired: number): number {
  const strategy = (deployment.spec as { strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } } } | undefined)?.strategy;
  if (strategy?.type === 'Recreate' || desired === 0) return 0;
  const value = strategy?.rollingUpdate?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
  const count = typeof value === 'number' ? value : value.endsWith('%') ? Math.floor((Number(value.slice(0, -1)) * desired) / 100) : Number(value);
  return Math.min(desired, Number.isFinite(count) ? count : 0);
}

/** A condition as Kubernetes sets one: unchanged when its status and reason are; its transition time kept while its status is. */
function condition(existing: Condition[] | undefined, wanted: Condition): Condition {
  const old = existing?.find((c) => c.type === wanted.type);
  if (old && old.status === wanted.status && old.reason === wanted.reason && old.message === wanted.message) return old;
  const at = now();
  return { ...wanted, lastUpdateTime: at, lastTransitionTime: old && old.status === wanted.status && old.lastTransitionTime ? old.lastTransitionTime : at };
}

/** JSON with sorted keys: the server may keep a status's keys in another order than they were sent. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** A merge patch that makes `current` into `wanted`: keys `wanted` lacks are removed (null). */
function mergeReplacing(current: Record<string, unknown>, wanted: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...wanted };
  for (const key of Object.keys(current)) if (!(key in wanted)) patch[key] = null;
  return patch;
}

export function podIsReady(pod: KubeObject): boolean {
  const statuses = (pod.status as { containerStatuses?: { ready?: boolean }[] } | undefined)?.containerStatuses ?? [];
  return statuses.length > 0 && statuses.every((s) => s.ready === true);
}

class PodSim extends SimController {
  readonly name = 'sim-pods';
  readonly kind = 'Pod';
  readonly watches = [
    // Patroni's view: a change of the cluster's current primary moves the role labels.
    { kind: 'Pgcluster', keys: (cluster: KubeObject) => this.cache.byCluster(PODS, cluster.metadata.namespace ?? '', cluster.metadata.name).map(keyOf) },
    { kind: 'Deployment', keys: (d: KubeObject) => ownedPods(this.cache, d).map(keyOf) },
  ];

  constructor(cache: Reader, writer: KubeWriter, delayMs: number) {
    super(cache, writer, delayMs, PODS);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const pod = this.cache.get(PODS, namespace, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const phase = phaseOf(pod);
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const wait = this.delayMs - ageMs(pod);
    const deployment = pod.metadata.ownerReferences?.find((r) => r.kind === 'Deployment');
    const annotations = deployment ? (this.cache.get(DEPLOYMENTS, namespace, deployment.name)?.metadata.annotations ?? {}) : {};
    if (phase === 'Pending') {
      if (annotations[PENDING_ANNOTATION] === 'true') return this.unschedulable(pod);
      if (wait > 0) return { requeueAfterMs: wait };
      await ignoreMissing(this.writer.patchStatus(PODS, namespace, name, this.runningStatus(pod)));
      return;
    }
    const unready = annotations[UNREADY_ANNOTATION] === 'true';
    if (unready === podIsReady(pod)) {
      await ignoreMissing(this.writer.patchStatus(PODS, namespace, name, this.readiness(pod, !unready)));
      return;
    }
    const job = pod.metadata.ownerReferences?.find((r) => r.kind === 'Job');
    if (job) {
      // A Job's Pod runs for one more delay after it started, then finishes.
      const finishIn = 2 * this.delayMs - ageMs(pod);
      if (finishIn > 0) return { requeueAfterMs: finishIn };
      const owner = this.cache.get(JOBS, namespace, job.name);
      const failure = owner ? this.requestedFailure(owner) : undefined;
      await ignoreMissing(this.writer.patchStatus(PODS, namespace, name, this.finishedStatus(pod, failure)));
      return;
    }
    await this.patroniRole(pod);
  }

  /** What the scheduler writes on a pod no node fits. */
  private async unschedulable(pod: KubeObject): Promise<void> {
    const conditions = (pod.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
    if (conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False')) return;
    const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 node(s) did not match the requested scheduling constraints.', lastProbeTime: null, lastTransitionTime: now() };
    await ignoreMissing(this.writer.patchStatus(PODS, pod.metadata.namespace ?? '', pod.metadata.name, { phase: 'Pending', conditions: [condition] }));
  }

  private requestedFailure(job: KubeObject): string | undefined {
    const direct = job.metadata.annotations?.[FAIL_ANNOTATION];
    if (direct !== undefined) return direct;
    const times = Number(job.metadata.annotations?.[FAIL_TIMES_ANNOTATION] ?? 0);
    if (ownedPods(this.cache, job).filter((p) => phaseOf(p) === 'Failed').length < times) return `simulated failure of job ${job.metadata.name}`;
    const cluster = this.cache.get(PGCLUSTERS, job.metadata.namespace, job.metadata.labels?.['pg-cluster'] ?? '');
    const selector = cluster?.metadata.annotations?.[FAIL_JOBS_ANNOTATION];
    if (!selector) return undefined;
    return parseLabelSelector(selector).matches(job.metadata.labels) ? `simulated failure of job ${job.metadata.name}` : undefined;
  }

  private runningStatus(pod: KubeObject): Record<string, unknown> {
    const containers = ((pod.spec as PodSpec | undefined)?.containers ?? []) as Container[];
    const at = now();
    return {
      phase: 'Running',
      hostIP: '10.0.0.1',
      podIP: podIp(),
      startTime: at,
      conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: at })),
      containerStatuses: containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: at } } })),
    };
  }

  /** The pod's readiness flipped: its Ready conditions and container statuses follow. */
  private readiness(pod: KubeObject, ready: boolean): Record<string, unknown> {
    const at = now();
    const status = (pod.status ?? {}) as { conditions?: { type: string }[]; containerStatuses?: Record<string, unknown>[] };
    const flip = (type: string) => type === 'Ready' || type === 'ContainersReady';
    return {
      conditions: [...(status.conditions ?? []).filter((c) => !flip(c.type)), ...['ContainersReady', 'Ready'].map((type) => ({ type, status: ready ? 'True' : 'False', lastTransitionTime: at }))],
      containerStatuses: (status.containerStatuses ?? []).map((c) => ({ ...c, ready })),
    };
  }

  private finishedStatus(pod: KubeObject, failure: string | undefined): Record<string, unknown> {
    const containers = ((pod.spec as PodSpec | undefined)?.containers ?? []) as Container[];
    const at = now();
    const exitCode = failure === undefined ? 0 : 1;
    return {
      phase: failure === undefined ? 'Succeeded' : 'Failed',
      ...(failure === undefined ? {} : { reason: 'Error', message: failure }),
      conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: at }],
      containerStatuses: containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, started: false, restartCount: 0, state: { terminated: { exitCode, reason: failure === undefined ? 'Completed' : 'Error', message: failure ?? '', finishedAt: at } } })),
    };
  }

  private async patroniRole(pod: KubeObject): Promise<void> {
    const labels = pod.metadata.labels ?? {};
    if (labels['pgo-pg-database'] !== 'true' || !podIsReady(pod)) return;
    const cluster = this.cache.get(PGCLUSTERS, pod.metadata.namespace, labels['pg-cluster'] ?? '');
    if (!cluster) return;
    const primary = cluster.metadata.labels?.['current-primary'] ?? cluster.metadata.name;
    const role = labels['deployment-name'] === primary ? 'master' : 'replica';
    if (labels.role !== role) await ignoreMissing(this.writer.mergePatch(PODS, pod.metadata.namespace ?? '', pod.metadata.name, { metadata: { labels: { role } } }));
    const scope = labels['crunchy-pgha-scope'];
    if (role === 'master' && scope) await this.patroniConfigMaps(pod, scope);
  }

  /** Patroni's DCS objects: `<scope>-config` (dynamic configuration) and `<scope>-leader`. */
  private async patroniConfigMaps(pod: KubeObject, scope: string): Promise<void> {
    const namespace = pod.metadata.namespace ?? '';
    const labels = { 'crunchy-pgha-scope': scope, vendor: 'crunchydata', 'pg-cluster': pod.metadata.labels?.['pg-cluster'] ?? '' };
    if (!this.cache.get(CONFIGMAPS, namespace, `${scope}-config`)) {
      await ignoreMissing(this.writer.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${scope}-config`, namespace, labels, annotations: { config: JSON.stringify({ ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576 }) } } }));
    }
    const leader = this.cache.get(CONFIGMAPS, namespace, `${scope}-leader`);
    if (!leader) await ignoreMissing(this.writer.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${scope}-leader`, namespace, labels, annotations: { leader: pod.metadata.name } } }));
    else if (leader.metadata.annotations?.leader !== pod.metadata.name) await ignoreMissing(this.writer.mergePatch(CONFIGMAPS, namespace, `${scope}-leader`, { metadata: { annotations: { leader: pod.metadata.name } } }));
  }
}

class JobSim extends SimController {
  readonly name = 'sim-jobs';
  readonly kind = 'Job';
  readonly watches = [{ kind: 'Pod', keys: ownedBy('Job') }];

  /** Pods created per Job (by uid), so a lagging cache does not make a second one. */
  private readonly created = new Map<string, number>();

  constructor(cache: Reader, writer: KubeWriter, delayMs: number) {
    super(cache, writer, delayMs, JOBS);
  }

  /**
   * One pod at a time (parallelism and completions 1): a success completes the Job; a failure
   * is retried with a new pod until more than `backoffLimit` pods have failed.
   */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const job = this.cache.get(JOBS, namespace, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const current = (job.status ?? {}) as WorkloadStatus;
    // Done once finished; a success recorded without a condition (written by a test standing in for the Job controller) counts too.
    if (current.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') || Number(current.succeeded ?? 0) > 0) return;
    const pods = ownedPods(this.cache, job);
    const failed = pods.filter((p) => phaseOf(p) === 'Failed');
    const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
    let active = pods.filter((p) => !p.metadata.deletionTimestamp && phaseOf(p) !== 'Failed' && phaseOf(p) !== 'Succeeded').length;
    const backoffLimit = (job.spec as { backoffLimit?: number } | undefined)?.backoffLimit ?? KUBERNETES_DEFAULT_BACKOFF_LIMIT;
    const at = now();
    const status: WorkloadStatus = { startTime: String(current.startTime ?? at) };
    if (succeeded > 0) {
      Object.assign(status, { succeeded, completionTime: at, conditions: [{ type: 'Complete', status: 'True', lastProbeTime: at, lastTransitionTime: at }] });
    } else if (failed.length > backoffLimit) {
      // The last pod's message rather than Kubernetes' "Job has reached the specified backoff limit": tests see the cause.
      const message = String((failed[failed.length - 1].status as { message?: string } | undefined)?.message ?? 'Job has reached the specified backoff limit');
      status.conditions = [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message, lastProbeTime: at, lastTransitionTime: at }];
    } else if (active === 0) {
      // A pod created by an earlier run may not be in the cache yet: wait for it rather than make two.
      if (pods.length < (this.created.get(String(job.metadata.uid)) ?? 0)) return;
      await ignoreMissing(this.writer.create(PODS, jobPod(job)));
      this.created.set(String(job.metadata.uid), pods.length + 1);
      active = 1;
    }
    if (status.conditions) this.created.delete(String(job.metadata.uid));
    if (active > 0) status.active = active;
    if (failed.length > 0) status.failed = failed.length;
    if (canonical(status) !== canonical(current)) await ignoreMissing(this.writer.patchStatus(JOBS, namespace, name, mergeReplacing(current, status)));
  }
}

/** A pod of the Job's template, labelled as the Job controller labels them. */
function jobPod(job: KubeObject): KubeObject {
  const template = ((job.spec as { template?: Template } | undefined)?.template ?? {}) as Template;
  const name = job.metadata.name;
  const uid = String(job.metadata.uid);
  const labels = { ...(template.metadata?.labels ?? {}), 'job-name': name, 'controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'batch.kubernetes.io/controller-uid': uid };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-${randomInt(36 ** 4, 36 ** 5).toString(36)}`, namespace: job.metadata.namespace, labels, ownerReferences: [ownerRef(job)] },
    spec: { ...(template.spec ?? {}), nodeName: NODE_NAME },
  };
}

/** A provisioner's part: every PVC is bound to a volume of the size it asked for. */
class PvcSim extends SimController {
  readonly name = 'sim-pvcs';
  readonly kind = 'PersistentVolumeClaim';
  readonly watches = [];

  constructor(cache: Reader, writer: KubeWriter, delayMs: number) {
    super(cache, writer, delayMs, PVCS);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const claim = this.cache.get(PVCS, namespace, name);
    if (!claim || claim.metadata.deletionTimestamp || (claim.status as { phase?: string } | undefined)?.phase === 'Bound') return;
    const spec = (claim.spec ?? {}) as { accessModes?: string[]; resources?: { requests?: { storage?: string } } };
    await ignoreMissing(this.writer.patchStatus(PVCS, namespace, name, { phase: 'Bound', accessModes: spec.accessModes ?? ['ReadWriteOnce'], capacity: { storage: spec.resources?.requests?.storage ?? '1Gi' } }));
  }
}

export interface NodeRuntimeOptions {
  cache: Reader;
  hub: EventHub;
  writer: KubeWriter;
  delayMs?: number;
  onError?: (error: unknown) => void;
}

export class NodeRuntime {
  private readonly runners: ControllerRunner[];

  constructor(options: NodeRuntimeOptions) {
    const delay = options.delayMs ?? DEFAULT_DELAY_MS;
    const onError = (_controller: string, _key: string, error: unknown): void => options.onError?.(error);
    this.runners = [new DeploymentSim(options.cache, options.writer, delay), new PodSim(options.cache, options.writer, delay), new JobSim(options.cache, options.writer, delay), new PvcSim(options.cache, options.writer, delay)].map((c) => new ControllerRunner(c, options.hub, { onError }));
  }

  start(): void {
    for (const runner of this.runners) runner.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }
}
