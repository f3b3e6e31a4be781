/** Manual failover: which replicas can take over, and the failover task that asks for it. */
import { DEPLOYMENTS } from '../kube/resources.js';
import { LABELS, POD_ROLES, TASK_TYPES } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import type { Pgtask } from './custom-resources.js';
import { invalid } from './errors.js';
import { requireCluster } from './lookups.js';
import { names } from './naming.js';
import { clusterPods, podReady } from './pods.js';
import { replaceTask } from './task-factory.js';

export interface FailoverTarget {
  /** The replica Deployment name: what a failover request names as its target. */
  deployment: string;
  pod: string | undefined;
  ready: boolean;
  node: string;
}

export class FailoverService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Replica Deployments of a cluster with the readiness of their pod (4.2.4 `pgo failover --query`). */
  targets(caller: Caller, namespace: string, cluster: string): FailoverTarget[] {
    requireCluster(this.ctx, caller, namespace, cluster);
    const pods = clusterPods(this.ctx, namespace, cluster);
    return this.ctx.cache
      .byCluster(DEPLOYMENTS, namespace, cluster)
      .filter((d) => d.metadata.labels?.[LABELS.pgDatabase] === 'true')
      .map((d) => {
        const pod = pods.find((p) => p.metadata.labels?.[LABELS.deploymentName] === d.metadata.name);
        return { d, pod };
      })
      .filter(({ pod }) => pod?.metadata.labels?.[LABELS.role] === POD_ROLES.replica)
      .map(({ d, pod }) => ({ deployment: d.metadata.name, pod: pod?.metadata.name, ready: pod ? podReady(pod) : false, node: String((pod?.spec as { nodeName?: string } | undefined)?.nodeName ?? '') }));
  }

  async failover(caller: Caller, namespace: string, cluster: string, target: string): Promise<Pgtask> {
    requireCluster(this.ctx, caller, namespace, cluster);
    const deployment = this.ctx.cache.get(DEPLOYMENTS, namespace, target);
    if (!deployment || deployment.metadata.labels?.[LABELS.pgCluster] !== cluster) throw invalid('target', `no replica Deployment ${target} in cluster ${cluster}`);
    const pod = clusterPods(this.ctx, namespace, cluster).find((p) => p.metadata.labels?.[LABELS.deploymentName] === target);
    if (pod?.metadata.labels?.[LABELS.role] === POD_ROLES.primary) throw invalid('target', 'The primary database cannot be selected as a failover target');
    return replaceTask(this.ctx, {
      namespace,
      name: names.failoverTask(cluster),
      tasktype: TASK_TYPES.failover,
      labels: { [LABELS.target]: target, [LABELS.pgCluster]: cluster, [LABELS.pgouser]: caller.username },
      parameters: { [cluster]: cluster },
    });
  }

}
