/**
 * A request that creates several objects must not leave half of them behind when one create
 * fails: the batch remembers what it created and deletes it again on failure. Validation happens
 * before the first write, so a rollback only follows an API failure or a lost race.
 */
import type { KubeObject, ResourceHandle } from '../kube/resources.js';
import { KubeApiError } from '../kube/writer.js';
import type { ServiceContext } from './context.js';
import { fromKubeError } from './context.js';

export class WriteBatch {
  private readonly created: { handle: ResourceHandle; namespace: string; name: string }[] = [];

  constructor(private readonly ctx: ServiceContext) {}

  async create<T extends KubeObject>(handle: ResourceHandle<T>, object: T): Promise<T> {
    const namespace = object.metadata.namespace ?? '';
    try {
      const out = await this.ctx.writer.create(handle, object);
      this.created.push({ handle, namespace, name: object.metadata.name });
      return out;
    } catch (error) {
      await this.rollback();
      throw error instanceof KubeApiError ? fromKubeError(error, `${handle.kind} ${namespace}/${object.metadata.name}`) : error;
    }
  }

  /** Deletes what this batch created, newest first; failures here are swallowed (GC catches owned leftovers). */
  async rollback(): Promise<void> {
    for (const entry of this.created.reverse()) {
      await this.ctx.writer.deleteIfExists(entry.handle, entry.namespace, entry.name).catch(() => undefined);
    }
    this.created.length = 0;
  }
}

/** Deletes an object if it exists, as 4.2.4 did before re-creating a same-named task. */
export async function deleteExisting(ctx: ServiceContext, handle: ResourceHandle, namespace: string, name: string): Promise<void> {
  if (!ctx.cache.get(handle, namespace, name)) return;
  try {
    await ctx.writer.deleteIfExists(handle, namespace, name);
  } catch (error) {
    throw error instanceof KubeApiError ? fromKubeError(error, `${handle.kind} ${namespace}/${name}`) : error;
  }
}
