/**
 * What pgo 4.2.4's status, df, show pvc, ls, cat, reload and show config commands looked at, read
 * from the watch cache: a namespace's summary, a cluster's claims and primary pods, the pgo.yaml.
 * Reload is the one write: a Job per cluster (reload-job.ts) instead of an exec into the primary.
 */
import { DEPLOYMENTS, JOBS, PODS, PVCS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import type { ClusterService, ClusterTarget } from './cluster-service.js';
import { LABELS, VENDOR } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace } from './context.js';
import { PGCLUSTER } from './custom-resources.js';
import type { Pgcluster } from './custom-resources.js';
import { invalid, notFound, unavailable } from './errors.js';
import { pgoYaml } from './pgo-config.js';
import type { PgoYaml } from './pgo-config.js';
import { podReady } from './pods.js';
import { quantityBytes } from './quantity.js';
import { RELOAD_JOB_LABEL, reloadJob } from './reload-job.js';
import { deleteExisting, WriteBatch } from './write-batch.js';

export interface NamespaceStatus {
  /** When the operator started: it runs in this server, so when the server did. */
  operatorStart: Date;
  /** Deployments of clusters (`pg-cluster` labelled): databases, repositories, poolers. */
  databases: number;
  /** Claims the operator made (`pgremove` labelled). */
  claims: number;
  /** Their capacity in bytes, summed. */
  claimBytes: bigint;
  /** Containers of cluster pods per image, images sorted. */
  images: Record<string, number>;
  /** Primary pods (`name=<cluster>`) that are not ready. */
  notReady: string[];
  /** `key=value` labels of the namespace's Deployments with how many carry each, most used first. */
  deploymentLabels: { label: string; count: number }[];
}

export interface ClaimRef {
  cluster: string;
  claim: string;
}

/** A primary pod of a cluster and the claim holding its data directory. */
export interface PrimaryData {
  cluster: string;
  pod: string;
  claim: string;
  /** The claim's capacity as its status reports it (`1Gi`); empty before it is bound. */
  capacity: string;
}

/** Characters 4.2.4 refused in ls and cat arguments, which reached a shell in the pod. */
const SHELL_CHARACTERS = '&|;>';

/** Byte order, as the Kubernetes API lists objects and Go sorts strings. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: KubeObject, b: KubeObject): number => compare(a.metadata.name, b.metadata.name);

function capacityOf(claim: KubeObject | undefined): string {
  return (claim?.status as { capacity?: { storage?: string } } | undefined)?.capacity?.storage ?? '';
}

export class InspectService {
  private readonly operatorStart: Date;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly clusters: ClusterService,
  ) {
    // The services are built when the server starts, with the controllers it hosts.
    this.operatorStart = ctx.now();
  }

  status(caller: Caller, namespace: string): NamespaceStatus {
    assertNamespace(this.ctx, caller, namespace);
    const { cache } = this.ctx;
    const deployments = cache.list(DEPLOYMENTS, namespace);
    const claims = cache.list(PVCS, namespace).filter((c) => c.metadata.labels?.[LABELS.pgremove] !== undefined);
    const images: Record<string, number> = {};
    const pods = cache.list(PODS, namespace);
    for (const pod of pods.filter((p) => p.metadata.labels?.[LABELS.pgCluster] !== undefined)) {
      for (const container of (pod.spec as { containers?: { image?: string }[] } | undefined)?.containers ?? []) {
        const image = container.image ?? '';
        images[image] = (images[image] ?? 0) + 1;
      }
    }
    const notReady: string[] = [];
    for (const cluster of cache.list(PGCLUSTER, namespace).sort(byName)) {
      const primaries = pods.filter((p) => p.metadata.labels?.[LABELS.vendor] === VENDOR && p.metadata.labels?.[LABELS.name] === cluster.metadata.name);
      // 4.2.4 gave up on the whole list at a cluster without exactly one such pod; the others still count here.
      if (primaries.length === 1 && !podReady(primaries[0])) notReady.push(primaries[0].metadata.name);
    }
    const labelCounts = new Map<string, number>();
    for (const deployment of deployments) {
      for (const [k, v] of Object.entries(deployment.metadata.labels ?? {})) labelCounts.set(`${k}=${v}`, (labelCounts.get(`${k}=${v}`) ?? 0) + 1);
    }
    return {
      operatorStart: this.operatorStart,
      databases: deployments.filter((d) => d.metadata.labels?.[LABELS.pgCluster] !== undefined).length,
      claims: claims.length,
      claimBytes: claims.reduce((sum, c) => sum + (quantityBytes(capacityOf(c)) ?? 0n), 0n),
      images: Object.fromEntries(Object.keys(images).sort().map((k) => [k, images[k]])),
      notReady,
      deploymentLabels: [...labelCounts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || compare(a.label, b.label)),
    };
  }

  /** The claims the operator made for one cluster, or in the whole namespace when `cluster` is undefined. */
  claims(caller: Caller, namespace: string, cluster: string | undefined): ClaimRef[] {
    assertNamespace(this.ctx, caller, namespace);
    return this.ctx.cache
      .list(PVCS, namespace)
      .filter((c) => c.metadata.labels?.[LABELS.pgremove] === 'true' && (cluster === undefined || c.metadata.labels?.[LABELS.pgCluster] === cluster))
      .sort(byName)
      .map((c) => ({ cluster: c.metadata.labels?.[LABELS.pgCluster] ?? '', claim: c.metadata.name }));
  }

  /** The primary pods of the selected clusters with the claims holding their data directories. */
  primaryData(caller: Caller, target: ClusterTarget): PrimaryData[] {
    const out: PrimaryData[] = [];
    for (const cluster of this.clusters.select(caller, target).sort(byName)) {
      const name = cluster.metadata.name;
      for (const pod of this.primaryPods(target.namespace, name)) {
        const volumes = (pod.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName?: string } }[] } | undefined)?.volumes ?? [];
        const pgdata = volumes.find((v) => v.name === 'pgdata');
        if (!pgdata) throw unavailable(`pgdata volume not found in pod ${pod.metadata.name}`);
        const claim = pgdata.persistentVolumeClaim?.claimName;
        if (!claim) throw unavailable(`pgdata volume of pod ${pod.metadata.name} is not a persistent volume claim`);
        const object = this.ctx.cache.get(PVCS, target.namespace, claim);
        if (!object) throw notFound(`persistentvolumeclaims "${claim}" not found`);
        out.push({ cluster: name, pod: pod.metadata.name, claim, capacity: capacityOf(object) });
      }
    }
    return out;
  }

  /**
   * The pod where 4.2.4's ls and cat ran for `args` = [cluster, paths…]: the cluster's first
   * primary pod, once the cluster exists and no path carries shell syntax.
   */
  commandPod(caller: Caller, namespace: string, args: string[]): string {
    assertNamespace(this.ctx, caller, namespace);
    if (args.length === 0) throw invalid('args', 'no cluster name was passed');
    const cluster = this.cluster(namespace, args[0]);
    const unsafe = args.slice(1).find((a) => [...SHELL_CHARACTERS].some((c) => a.includes(c)));
    if (unsafe !== undefined) throw invalid('args', `${unsafe} contains non-allowed characters [${SHELL_CHARACTERS}]`);
    return this.firstPrimaryPod(namespace, cluster.metadata.name).metadata.name;
  }

  /**
   * Reloads PostgreSQL on the primary of each cluster named, or of each cluster the selector
   * matches, through a Job per cluster. Every cluster is checked before the first Job is created.
   * Answers the clusters reloaded.
   */
  async reload(caller: Caller, namespace: string, names: string[], selector: string): Promise<string[]> {
    assertNamespace(this.ctx, caller, namespace);
    const targets = selector !== '' ? this.clusters.select(caller, { namespace, selector }).sort(byName) : names.map((n) => this.cluster(namespace, n));
    for (const cluster of targets) {
      const pod = this.firstPrimaryPod(namespace, cluster.metadata.name);
      if (!podReady(pod)) throw unavailable(`primary pod ${pod.metadata.name} is not ready; no reload was performed`);
    }
    const batch = new WriteBatch(this.ctx);
    for (const cluster of targets) {
      await this.removeEarlierReloads(namespace, cluster.metadata.name);
      await batch.create(JOBS, reloadJob(cluster, this.ctx.settings, caller.username));
    }
    return targets.map((c) => c.metadata.name);
  }

  config(): PgoYaml {
    return pgoYaml(this.ctx.settings);
  }

  /** A cluster by name, with 4.2.4's message (`all` names no cluster here either). */
  private cluster(namespace: string, name: string): Pgcluster {
    const cluster = this.ctx.cache.get(PGCLUSTER, namespace, name);
    if (!cluster) throw notFound(`${name} was not found, verify cluster name`);
    return cluster;
  }

  private primaryPods(namespace: string, cluster: string): KubeObject[] {
    return this.ctx.cache.list(PODS, namespace).filter((p) => p.metadata.labels?.[LABELS.serviceName] === cluster).sort(byName);
  }

  private firstPrimaryPod(namespace: string, cluster: string): KubeObject {
    const pod = this.primaryPods(namespace, cluster)[0];
    if (!pod) throw unavailable(`no pods found using ${LABELS.serviceName}=${cluster}`);
    return pod;
  }

  /** One reload Job per cluster is enough to show how the last one went. */
  private async removeEarlierReloads(namespace: string, cluster: string): Promise<void> {
    for (const job of this.ctx.cache.byCluster(JOBS, namespace, cluster).filter((j) => j.metadata.labels?.[RELOAD_JOB_LABEL] === 'true')) {
      await deleteExisting(this.ctx, JOBS, namespace, job.metadata.name);
    }
  }
}
