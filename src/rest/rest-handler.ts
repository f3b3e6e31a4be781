/**
 * Serves the legacy pgo 4.2.4 REST routes: finds the route, authenticates and authorises as 4.2.4's
 * Authn did (401 / 403 in plain text), decodes the body, runs the handler and writes its answer as
 * Go wrote it. Every refusal is a pgo Status; only a bug of ours is a 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBasic } from '../auth/basic-auth.js';
import type { Authenticator } from '../auth/basic-auth.js';
import type { Caller } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
import type { Services } from '../domain/services.js';
import { readLimitedBody } from '../http/read-body.js';
import { PGO_MESSAGES, PGO_VERSION } from '../protocol.js';
import { encodeGo, GoRequest, RequestBodyError } from './go-json.js';
import { errorStatus, PgoFailure } from './route.js';
import type { RestRequest, RestRoute } from './route.js';

/** pgo's own CLI never sends more than a few KiB; a policy's SQL is the largest body. */
export const MAX_REST_BODY_BYTES = 1024 * 1024;

const AUTH_CHALLENGE = 'Basic realm="Restricted"';

const ANONYMOUS: Caller = { username: '', canAccess: () => false, can: () => false };

interface CompiledRoute {
  route: RestRoute;
  segments: string[];
}

export interface RestHandlerOptions {
  routes: readonly RestRoute[];
  authenticator: Authenticator;
  services: Services;
  onError?: (error: unknown) => void;
}

/** Go's http.Error: plain text, no sniffing, a trailing newline. */
function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendGo(res: ServerResponse, status: number, value: unknown, headers: Record<string, string>): void {
  const body = encodeGo(value);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The request target as a URL: a target starting `//` is a path here, never a host; an unparsable one is no route. */
function targetUrl(target: string): URL | undefined {
  try {
    return new URL(target.startsWith('/') ? `http://pgo${target}` : target, 'http://pgo');
  } catch {
    return undefined;
  }
}

function splitPath(path: string): string[] | undefined {
  try {
    return path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

export class RestHandler {
  private readonly compiled: CompiledRoute[];

  constructor(private readonly options: RestHandlerOptions) {
    this.compiled = options.routes.map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }));
  }

  /** Answers the request when its path is a pgo route; false hands it on. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = targetUrl(req.url ?? '/');
    if (!url) return false;
    const segments = splitPath(url.pathname);
    if (!segments) return false;
    const matching = this.compiled.map((c) => ({ route: c.route, params: match(c.segments, segments) })).filter((m) => m.params !== undefined);
    if (matching.length === 0) return false;
    const found = matching.find((m) => m.route.method === req.method || m.route.method === 'ANY');
    if (!found) {
      res.writeHead(405, { Allow: [...new Set(matching.map((m) => m.route.method))].join(', '), 'Content-Length': '0' });
      res.end();
      return true;
    }
    this.serve(req, res, found.route, found.params ?? {}, url.searchParams).catch((error: unknown) => {
      this.options.onError?.(error);
      if (!res.headersSent) sendGo(res, 500, found.route.failure(errorStatus('internal error')), {});
      else res.destroy();
    });
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, route: RestRoute, params: Record<string, string>, query: URLSearchParams): Promise<void> {
    let caller = ANONYMOUS;
    const headers: Record<string, string> = {};
    if (route.permission !== null) {
      headers['WWW-Authenticate'] = AUTH_CHALLENGE;
      if (!parseBasic(req.headers.authorization)) return sendText(res, 401, PGO_MESSAGES.credentialsMissing, headers);
      const authenticated = this.options.authenticator.authenticate(req.headers.authorization);
      if (!authenticated) return sendText(res, 401, PGO_MESSAGES.notAuthenticated, headers);
      if (!authenticated.can(route.permission)) return sendText(res, 403, PGO_MESSAGES.notAuthorized, headers);
      caller = authenticated;
    }
    const raw = await readLimitedBody(req, MAX_REST_BODY_BYTES);
    if (raw === undefined) return sendGo(res, 413, route.failure(errorStatus(`request body exceeds ${MAX_REST_BODY_BYTES} bytes`)), headers);
    let body: GoRequest;
    try {
      body = GoRequest.parse(raw.toString('utf8'));
    } catch (error) {
      if (error instanceof RequestBodyError) return sendGo(res, 400, route.failure(errorStatus(error.message)), headers);
      throw error;
    }
    const request = this.request(caller, params, query, body);
    try {
      sendGo(res, 200, await route.handle(request), headers);
    } catch (error) {
      if (error instanceof RequestBodyError) return sendGo(res, 400, route.failure(errorStatus(error.message)), headers);
      if (error instanceof PgoFailure || error instanceof DomainError) return sendGo(res, 200, route.failure(errorStatus(error.message)), headers);
      throw error;
    }
  }

  private request(caller: Caller, params: Record<string, string>, query: URLSearchParams, body: GoRequest): RestRequest {
    const managed = this.options.services.ctx.namespaces;
    return {
      caller,
      params,
      query,
      body,
      services: this.options.services,
      requireVersion(clientVersion) {
        if (clientVersion !== PGO_VERSION) throw new PgoFailure(PGO_MESSAGES.versionMismatch);
      },
      namespace(requested) {
        if (requested === '') throw new PgoFailure(PGO_MESSAGES.emptyNamespace);
        if (!managed.includes(requested)) throw new PgoFailure(PGO_MESSAGES.namespaceNotInstalled(requested));
        if (!caller.canAccess(requested)) throw new PgoFailure(PGO_MESSAGES.namespaceNotAllowed(caller.username, requested));
        return requested;
      },
    };
  }
}

function match(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith('{') && p.endsWith('}')) {
      if (path[i] === '') return undefined;
      params[p.slice(1, -1)] = path[i];
    } else if (p !== path[i]) return undefined;
  }
  return params;
}
