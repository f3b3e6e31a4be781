/**
 * What every domain service needs: reads from the shared watch cache, writes through the kube
 * client, the pgo.yaml settings, and the caller on whose behalf it acts.
 */
import type { KubeWriter } from '../kube/writer.js';
import type { KubeApiError } from '../kube/writer.js';
import type { WatchCache } from '../kube/watch-cache.js';
import { alreadyExists, conflict, DomainError, forbidden, invalid, notFound } from './errors.js';
import type { PgoSettings } from './settings.js';

/** The read side of the watch cache, as the services use it. */
export type CacheReader = Pick<WatchCache, 'get' | 'list' | 'byCluster'>;

export interface Caller {
  /** The pgo user name: recorded in the `pgouser` label of what the caller creates. */
  readonly username: string;
  /** Namespaces this caller may act in. */
  canAccess(namespace: string): boolean;
  /** Whether the caller's roles grant a pgo permission (the front-ends check one per operation). */
  can(permission: string): boolean;
}

export interface ServiceContext {
  readonly cache: CacheReader;
  readonly writer: KubeWriter;
  readonly settings: PgoSettings;
  /** The namespaces the server manages; anything else is unknown to it. */
  readonly namespaces: readonly string[];
  /** Where pgo users and roles live (PGO_OPERATOR_NAMESPACE). */
  readonly operatorNamespace: string;
  now(): Date;
}

/** RFC 3339 without fractional seconds, as Go's time.RFC3339 printed it. */
export function timestamp(ctx: ServiceContext): string {
  return ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function assertNamespace(ctx: ServiceContext, caller: Caller, namespace: string): void {
  if (!ctx.namespaces.includes(namespace)) throw invalid('namespace', `namespace ${namespace} is not managed by this server`);
  if (!caller.canAccess(namespace)) throw forbidden(`user ${caller.username} has no access to namespace ${namespace}`);
}

/** Maps a failed Kubernetes write to the domain error a caller can act on. */
export function fromKubeError(error: KubeApiError, what: string): DomainError {
  switch (error.code) {
    case 404:
      return notFound(`${what} not found`);
    case 409:
      return error.reason === 'AlreadyExists' ? alreadyExists(`${what} already exists`) : conflict(`${what} was changed concurrently; retry`);
    case 422:
      return invalid(error.causes[0]?.field ?? 'input', error.message);
    case 403:
      return forbidden(error.message);
    default:
      return new DomainError('Unavailable', `${what}: the Kubernetes API answered ${error.code} ${error.reason}: ${error.message}`);
  }
}
