/**
 * What every controller does to the API: create an object unless the cache already has it (an
 * AlreadyExists from a lagging cache is success), patch without failing on a vanished object,
 * and record Kubernetes Events on the custom resources for `kubectl describe`.
 */
import { randomBytes } from 'node:crypto';
import type { CacheReader } from '../src/domain/context.js';
import { EVENTS } from '../src/kube/resources.js';
import type { KubeObject, OwnerReference, ResourceHandle } from '../src/kube/resources.js';
import { KubeApiError } from '../src/kube/writer.js';
import type { KubeWriter } from '../src/kube/writer.js';

export const COMPONENT = 'pgo-graphql-server-controllers';

export interface ControllerContext {
  cache: CacheReader;
  writer: KubeWriter;
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return { apiVersion: String(owner.apiVersion), kind: String(owner.kind), name: owner.metadata.name, uid: String(owner.metadata.uid), controller: true, blockOwnerDeletion: true };
}

export function withOwner<T extends KubeObject>(object: T, owner: KubeObject): T {
  return { ...object, metadata: { ...object.metadata, ownerReferences: [ownerReference(owner)] } };
}

/**
 * Adds `owner` to the owners of an object created before its owner existed (Patroni's ConfigMaps,
 * a clone's repository); an object already owned by it, or going away, is left alone.
 */
export async function adopt<T extends KubeObject>(ctx: ControllerContext, handle: ResourceHandle<T>, object: T | undefined, owner: KubeObject): Promise<void> {
  if (!object || object.metadata.deletionTimestamp || object.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) return;
  const owners = [...(object.metadata.ownerReferences ?? []), ownerReference(owner)];
  await tolerateMissing(ctx.writer.mergePatch(handle, object.metadata.namespace ?? '', object.metadata.name, { metadata: { ownerReferences: owners } }));
}

/** Creates the object unless it exists; answers whether a create was sent. */
export async function ensure<T extends KubeObject>(ctx: ControllerContext, handle: ResourceHandle<T>, object: T): Promise<boolean> {
  if (ctx.cache.get(handle, object.metadata.namespace, object.metadata.name)) return false;
  try {
    await ctx.writer.create(handle, object);
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 409) return false;
    throw error;
  }
}

/** Runs a write; a 404 (the object went away) is not an error for a level-triggered controller. */
export async function tolerateMissing<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return undefined;
    throw error;
  }
}

export type EventType = 'Normal' | 'Warning';

/** A core/v1 Event about `object`, as kubectl describe shows them. */
export async function recordEvent(ctx: ControllerContext, object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const event: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${object.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: object.metadata.namespace },
    involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion },
    reason,
    message,
    type,
    source: { component: COMPONENT },
    reportingComponent: COMPONENT,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
  // An event that cannot be written must not fail the reconcile that caused it.
  await ctx.writer.create(EVENTS, event).catch(() => undefined);
}
