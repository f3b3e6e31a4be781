/**
 * What one legacy pgo REST route is: its method, path and permission, the handler that turns a
 * decoded request into the 4.2.4 response, and the shape that response takes when it fails.
 */
import type { Permission } from '../auth/permissions.js';
import type { Caller } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
import type { Services } from '../domain/services.js';
import { PGO_STATUS } from '../protocol.js';
import type { PgoStatusCode } from '../protocol.js';
import type { GoRequest } from './go-json.js';

/** `ANY`: the 4.2.4 route had no method restriction. */
export type RestMethod = 'GET' | 'POST' | 'DELETE' | 'ANY';

/** apiservermsgs.Status: a response embeds it (keys Code, Msg at top level) or holds it under `status`. */
export interface PgoStatus {
  Code: PgoStatusCode;
  Msg: string;
}

export const okStatus = (msg = ''): PgoStatus => ({ Code: PGO_STATUS.ok, Msg: msg });
export const errorStatus = (msg: string): PgoStatus => ({ Code: PGO_STATUS.error, Msg: msg });

/** Thrown by a handler to answer 200 with an error Status, as 4.2.4 answered a refused request. */
export class PgoFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgoFailure';
  }
}

export interface RestRequest {
  /** The authenticated caller; an anonymous one that may do nothing on routes without a permission. */
  readonly caller: Caller;
  /** Path parameters, e.g. `name` of `/backrest/{name}`. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: GoRequest;
  readonly services: Services;
  /** Refuses any client version but 4.2.4 with pgo's mismatch message. */
  requireVersion(clientVersion: string): void;
  /** The namespace when the caller may act in it; otherwise throws pgo's message saying why not. */
  namespace(requested: string): string;
}

export interface RestRoute {
  method: RestMethod;
  /** Path pattern; `{param}` matches one segment. */
  path: string;
  /** null: answered without authentication (the liveness routes). */
  permission: Permission | null;
  /** The route's response carrying an error: Go's zero values for the rest of its fields. */
  failure(status: PgoStatus): object;
  handle(request: RestRequest): object | Promise<object>;
}

/** Results then the embedded Status: the shape most pgo responses take. */
export const resultsResponse = <T>(results: T[] | null, status: PgoStatus) => ({ Results: results, ...status });

/** A refusal's wording in 4.2.4's terms, or undefined for the domain's own message. */
export type Wording = (error: DomainError) => string | undefined;

/**
 * Runs the part of a handler after its version and namespace checks: 4.2.4 answered refusals found
 * there with the partly built response, which `refused` makes, in its own words where `wording` has them.
 */
export async function refusable<T>(run: () => T | Promise<T>, refused: (message: string) => T, wording: Wording = () => undefined): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof PgoFailure) return refused(error.message);
    if (error instanceof DomainError) return refused(wording(error) ?? error.message);
    throw error;
  }
}
