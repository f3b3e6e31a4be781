/** Facts about pods that several services check, read from the cache. */
import { PODS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { LABELS, POD_ROLES } from './constants.js';
import type { ServiceContext } from './context.js';
import { unavailable } from './errors.js';
import { names } from './naming.js';

export function podReady(pod: KubeObject): boolean {
  const statuses = (pod.status as { containerStatuses?: { ready?: boolean }[] } | undefined)?.containerStatuses ?? [];
  return statuses.length > 0 && statuses.every((s) => s.ready === true);
}

export function clusterPods(ctx: ServiceContext, namespace: string, cluster: string): KubeObject[] {
  return ctx.cache.byCluster(PODS, namespace, cluster);
}

/** The pod serving as primary (`service-name=<cluster>`, role master), required ready. */
export function readyPrimaryPod(ctx: ServiceContext, namespace: string, cluster: string): KubeObject {
  const primaries = clusterPods(ctx, namespace, cluster).filter((p) => p.metadata.labels?.[LABELS.serviceName] === cluster && p.metadata.labels?.[LABELS.role] !== POD_ROLES.replica);
  const primary = primaries.find(podReady);
  if (!primary) throw unavailable(primaries.length === 0 ? `cluster ${cluster} has no primary pod yet` : 'primary pod is not in Ready state');
  return primary;
}

export function repoPod(ctx: ServiceContext, namespace: string, cluster: string): KubeObject {
  const pods = clusterPods(ctx, namespace, cluster).filter((p) => p.metadata.labels?.[LABELS.backrestRepo] === 'true');
  if (pods.length !== 1) throw unavailable(`cluster ${cluster} needs exactly one pgBackRest repository pod (${names.repoDeployment(cluster)}), found ${pods.length}`);
  return pods[0];
}
