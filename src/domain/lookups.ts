/** Lookups every service starts with, answering a domain error when the object is missing. */
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace } from './context.js';
import { PGCLUSTER } from './custom-resources.js';
import type { Pgcluster } from './custom-resources.js';
import { notFound } from './errors.js';

export function requireCluster(ctx: ServiceContext, caller: Caller, namespace: string, name: string): Pgcluster {
  assertNamespace(ctx, caller, namespace);
  const cluster = ctx.cache.get(PGCLUSTER, namespace, name);
  if (!cluster) throw notFound(`cluster ${name} not found in namespace ${namespace}`);
  return cluster;
}
