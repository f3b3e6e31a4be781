/**
 * The write side (controller-runtime keeps the cache for reads and the client for writes apart;
 * so do we). Every call is one API request; a non-2xx answer becomes a KubeApiError carrying the
 * Status the server sent, so callers can tell NotFound from Conflict without parsing text.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { RawKubeClient } from './raw-request.js';
import { collectionPath, itemPath } from './resources.js';
import type { KubeObject, ResourceHandle } from './resources.js';

export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly causes: readonly StatusCause[] = [],
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export type JsonPatchOperation = { op: 'add' | 'replace' | 'test'; path: string; value: unknown } | { op: 'remove'; path: string };

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

function toError(status: number, body: unknown, what: string): KubeApiError {
  const s = (typeof body === 'object' && body !== null ? body : {}) as { reason?: string; message?: string; details?: { causes?: StatusCause[] } };
  return new KubeApiError(status, s.reason ?? 'Unknown', s.message ?? `${what} answered ${status}`, s.details?.causes ?? []);
}

export class KubeWriter {
  /** Requests sent so far (tests use it to prove reads never reach the API). */
  requests = 0;
  /** Of those, the writes (create, replace, patch, delete). */
  writes = 0;
  private readonly raw: RawKubeClient;

  constructor(kc: KubeConfig) {
    this.raw = new RawKubeClient(kc);
  }

  /** A fresh read from the API, for the few objects that must not come from the cache (leases). */
  async read<T extends KubeObject>(handle: ResourceHandle<T>, namespace: string, name: string): Promise<T | undefined> {
    this.requests++;
    const res = await this.raw.request('GET', itemPath(handle, namespace, name));
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299) throw toError(res.status, res.body, `GET ${handle.plural}/${name}`);
    return res.body as T;
  }

  /** Replaces an object; its resourceVersion makes this a compare-and-swap (409 when stale). */
  async replace<T extends KubeObject>(handle: ResourceHandle<T>, object: T): Promise<T> {
    return this.send<T>('PUT', itemPath(handle, object.metadata.namespace, object.metadata.name), { body: object });
  }

  async create<T extends KubeObject>(handle: ResourceHandle<T>, object: T): Promise<T> {
    return this.send<T>('POST', collectionPath(handle, object.metadata.namespace), { body: object });
  }

  async mergePatch<T extends KubeObject>(handle: ResourceHandle<T>, namespace: string, name: string, patch: unknown): Promise<T> {
    return this.send<T>('PATCH', itemPath(handle, namespace, name), { body: patch });
  }

  async jsonPatch<T extends KubeObject>(handle: ResourceHandle<T>, namespace: string, name: string, operations: JsonPatchOperation[]): Promise<T> {
    return this.send<T>('PATCH', itemPath(handle, namespace, name), { body: operations, contentType: JSON_PATCH_CONTENT_TYPE });
  }

  /** Writes the status subresource (a merge patch of `{status}`). */
  async patchStatus<T extends KubeObject>(handle: ResourceHandle<T>, namespace: string, name: string, status: unknown): Promise<T> {
    return this.send<T>('PATCH', `${itemPath(handle, namespace, name)}/status`, { body: { status } });
  }

  async delete(handle: ResourceHandle, namespace: string, name: string, propagationPolicy: PropagationPolicy = 'Background'): Promise<void> {
    await this.send('DELETE', itemPath(handle, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy } });
  }

  /** Deletes when present; answers whether something was deleted. */
  async deleteIfExists(handle: ResourceHandle, namespace: string, name: string, propagationPolicy: PropagationPolicy = 'Background'): Promise<boolean> {
    try {
      await this.delete(handle, namespace, name, propagationPolicy);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) return false;
      throw error;
    }
  }

  close(): void {
    this.raw.close();
  }

  private async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { body: unknown; contentType?: string }): Promise<T> {
    this.requests++;
    this.writes++;
    const res = await this.raw.request(method, path, options);
    if (res.status < 200 || res.status > 299) throw toError(res.status, res.body, `${method} ${path}`);
    return res.body as T;
  }
}
