/** Which namespaces a caller may read, and lists from the cache restricted to them. */
import { GraphQLError } from 'graphql';
import { LabelSelectorError, parseLabelSelector } from '../src/kube/label-selector.js';
import type { KubeObject, ResourceHandle } from '../src/kube/resources.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { GRAPHQL_CODES } from '../src/protocol.js';

export interface ListFilter {
  namespace?: string | null;
  selector?: string | null;
  nameContains?: string | null;
}

export function visibleNamespaces(ctx: GraphQLContext, namespace?: string | null): string[] {
  const managed = ctx.services.ctx.namespaces;
  if (namespace !== undefined && namespace !== null) {
    if (!managed.includes(namespace)) throw new GraphQLError(`namespace: ${namespace} is not managed by this server`, { extensions: { code: GRAPHQL_CODES.badUserInput, field: 'namespace' } });
    if (!ctx.caller.canAccess(namespace)) throw new GraphQLError(`user ${ctx.caller.username} has no access to namespace ${namespace}`, { extensions: { code: GRAPHQL_CODES.forbidden } });
    return [namespace];
  }
  return managed.filter((n) => ctx.caller.canAccess(n));
}

export function visibleList<T extends KubeObject>(ctx: GraphQLContext, handle: ResourceHandle<T>, filter: ListFilter): T[] {
  let selector;
  if (filter.selector) {
    try {
      selector = parseLabelSelector(filter.selector);
    } catch (error) {
      if (error instanceof LabelSelectorError) throw new GraphQLError(`selector: ${error.message}`, { extensions: { code: GRAPHQL_CODES.badUserInput, field: 'selector' } });
      throw error;
    }
  }
  const out: T[] = [];
  for (const namespace of visibleNamespaces(ctx, filter.namespace)) {
    for (const object of ctx.services.ctx.cache.list(handle, namespace)) {
      if (selector && !selector.matches(object.metadata.labels)) continue;
      if (filter.nameContains && !object.metadata.name.includes(filter.nameContains)) continue;
      out.push(object);
    }
  }
  return out;
}
