/**
 * What a database Deployment needs from the cluster's namespace before it can be rendered: the
 * custom configuration ConfigMap to project into `/pgconf`.
 */
import { GLOBAL_CUSTOM_CONFIG } from '../src/domain/constants.js';
import type { CacheReader } from '../src/domain/context.js';
import type { Pgcluster } from '../src/domain/custom-resources.js';
import { CONFIGMAPS } from '../src/kube/resources.js';

export interface InstanceLookups {
  customConfig?: string;
}

export function instanceLookups(cache: CacheReader, cluster: Pgcluster): InstanceLookups {
  const ns = cluster.metadata.namespace ?? '';
  const customConfig = [cluster.spec.customconfig, GLOBAL_CUSTOM_CONFIG].find((name) => name && cache.get(CONFIGMAPS, ns, name));
  return customConfig ? { customConfig } : {};
}
