/**
 * The embedded API server's HTTP layer: authentication, routing of Kubernetes API paths, request body
 * decoding, and rendering answers (objects, lists, Tables, Status errors, watch streams). It holds no
 * object semantics of its own; those live in ApiCore.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { readLimitedBody } from '../http/read-body.js';
import type { JsonObject, JsonValue } from '../json.js';
import { isJsonObject } from '../json.js';
import type { ApiCore, DeleteOptions, FieldValidation, ListOptions, Propagation, WriteOptions, WriteResult } from './api-core.js';
import { PATCH_TYPES, parseSelectors, selectorsMatch } from './api-core.js';
import { ApiError, badRequest, expired, internalError, invalid, methodNotAllowed, pathNotFound, tooLarge, unauthorized, unsupportedMediaType } from './api-error.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, OPENAPI_V2_PROTOBUF, versionDocument } from './discovery.js';
import type { ResourceType } from './resource-types.js';
import { groupVersion, resourceId } from './resource-types.js';
import type { EventType } from './store.js';
import { renderTable, tableRequest } from './table.js';
import type { HubWatcher, WatchHub } from './watch-hub.js';
import { eventFor, ParsedEvent, watchLine } from './watch-hub.js';

/** Request body limit, as a real apiserver's. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** A watcher whose unsent backlog passes this is cut off; it resumes from its last resourceVersion. */
export const MAX_WATCH_BACKLOG_BYTES = 16 * 1024 * 1024;
/** How often an idle watch that asked for bookmarks gets one ("about once a minute", as real servers). */
export const BOOKMARK_INTERVAL_MS = 60_000;
/** Watches without timeoutSeconds end after a random 30–60 minutes, like --min-request-timeout. */
const MIN_WATCH_MS = 30 * 60_000;
const MAX_JSON_PATCH_OPS = 10_000;

export interface HttpLayerOptions {
  core: ApiCore;
  hub: WatchHub;
  /** Compares a presented bearer token; undefined disables authentication (plain HTTP test listener). */
  authenticate?: (token: string) => boolean;
  serverAddress: () => string;
  ready: () => boolean;
  onError?: (error: unknown) => void;
  /** Defaults to BOOKMARK_INTERVAL_MS; tests shorten it to see periodic bookmarks. */
  bookmarkIntervalMs?: number;
}

interface ResourceRequest {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const ANONYMOUS_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

function sendJson(res: ServerResponse, code: number, body: string, warnings: string[] = []): void {
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(body);
}

function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.code, JSON.stringify(error.toStatus()));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const body = await readLimitedBody(req, MAX_BODY_BYTES);
  if (body === undefined) throw tooLarge();
  return body;
}

function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function decode(text: string, yaml: boolean): JsonValue {
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    return (yaml ? parseYaml(text) : JSON.parse(text)) as JsonValue;
  } catch (e) {
    throw badRequest(`the request body is not valid ${yaml ? 'YAML' : 'JSON'}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Decodes a create/update body: JSON or YAML; protobuf, CBOR and anything else are 415. */
function decodeObjectBody(req: IncomingMessage, body: Buffer): JsonValue {
  const type = mediaType(req);
  if (type === '' || type === 'application/json') return decode(body.toString('utf8'), false);
  if (type === 'application/yaml' || type === 'application/x-yaml') return decode(body.toString('utf8'), true);
  throw unsupportedMediaType(['application/json', 'application/yaml']);
}

function queryFlag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function dryRunOf(q: URLSearchParams, bodyDryRun?: JsonValue): boolean {
  const values = [...q.getAll('dryRun'), ...(Array.isArray(bodyDryRun) ? bodyDryRun.map(String) : [])];
  for (const v of values) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

function integerParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name}: invalid value "${v}": must be an integer`);
  return Number(v);
}

/** A path segment, percent-decoded; a malformed escape is the caller's mistake, not a server error. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid URL escape in path segment "${segment}"`);
  }
}

/**
 * The DeleteOptions fields this server reads must have their declared types, as a real server's
 * decoder insists: a `dryRun: "All"` silently ignored would turn a dry run into a real delete.
 */
function checkDeleteOptionTypes(body: JsonObject): void {
  const present = (v: JsonValue | undefined): boolean => v !== undefined && v !== null;
  const wrong = (field: string, expected: string): ApiError => badRequest(`DeleteOptions.${field}: must be ${expected}`);
  if (present(body.dryRun) && !(Array.isArray(body.dryRun) && body.dryRun.every((v) => typeof v === 'string'))) throw wrong('dryRun', 'a list of strings');
  if (present(body.propagationPolicy) && typeof body.propagationPolicy !== 'string') throw wrong('propagationPolicy', 'a string');
  if (present(body.gracePeriodSeconds) && !Number.isInteger(body.gracePeriodSeconds)) throw wrong('gracePeriodSeconds', 'an integer');
  if (present(body.orphanDependents) && typeof body.orphanDependents !== 'boolean') throw wrong('orphanDependents', 'a boolean');
  if (!present(body.preconditions)) return;
  if (!isJsonObject(body.preconditions)) throw wrong('preconditions', 'an object');
  for (const field of ['uid', 'resourceVersion']) {
    if (present(body.preconditions[field]) && typeof body.preconditions[field] !== 'string') throw wrong(`preconditions.${field}`, 'a string');
  }
}

function listOptions(q: URLSearchParams): ListOptions {
  const options: ListOptions = {};
  const label = q.get('labelSelector');
  const field = q.get('fieldSelector');
  const cont = q.get('continue');
  const rv = q.get('resourceVersion');
  const match = q.get('resourceVersionMatch');
  const limit = integerParam(q, 'limit');
  if (label !== null) options.labelSelector = label;
  if (field !== null) options.fieldSelector = field;
  if (cont !== null && cont !== '') options.continue = cont;
  if (rv !== null) options.resourceVersion = rv;
  if (match !== null && match !== '') options.resourceVersionMatch = match;
  if (limit !== undefined) options.limit = limit;
  return options;
}

export class HttpLayer {
  constructor(private readonly options: HttpLayerOptions) {}

  /** The request listener for node:http / node:https servers. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((error: unknown) => {
      if (error instanceof ApiError) sendError(res, error);
      else {
        this.options.onError?.(error);
        sendError(res, internalError(error instanceof Error ? error.message : String(error)));
      }
    });
  };

  private get core(): ApiCore {
    return this.options.core;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://embedded');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (this.options.authenticate && !ANONYMOUS_PATHS.has(path)) {
      const header = String(req.headers.authorization ?? '');
      const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
      if (!token || !this.options.authenticate(token)) throw unauthorized();
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const ok = path !== '/readyz' || this.options.ready();
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(ok ? 'ok' : 'not ready');
      return;
    }
    const segments = path.split('/').filter(Boolean).map(decodeSegment);
    if (segments[0] !== 'api' && segments[0] !== 'apis' && segments[0] !== 'version' && segments[0] !== 'openapi' && segments[0] !== 'swagger-2.0.0.pb-v1') throw pathNotFound();
    if (path === '/version') return this.discovery(req, res, versionDocument());
    if (path === '/openapi/v2') {
      if (method !== 'GET') throw methodNotAllowed();
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(OPENAPI_V2_PROTOBUF.length) });
      res.end(OPENAPI_V2_PROTOBUF);
      return;
    }
    const registry = this.core.registry;
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') {
      if (segments.length === 1) return this.discovery(req, res, apiVersions(this.options.serverAddress()));
      if (segments[1] !== 'v1') throw pathNotFound();
      group = '';
      version = 'v1';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis') {
      if (segments.length === 1) return this.discovery(req, res, apiGroupList(registry));
      if (segments.length === 2) {
        const doc = apiGroup(registry, segments[1]);
        if (!doc) throw pathNotFound();
        return this.discovery(req, res, doc);
      }
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    } else throw pathNotFound();
    if (rest.length === 0) {
      const doc = apiResourceList(registry, group, version);
      if (!doc) throw pathNotFound();
      return this.discovery(req, res, doc);
    }
    const target = this.resolve(group, version, rest);
    await this.resource(req, res, url.searchParams, method, target);
  }

  private discovery(req: IncomingMessage, res: ServerResponse, doc: JsonObject): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    sendJson(res, 200, JSON.stringify(doc));
  }

  private resolve(group: string, version: string, rest: string[]): ResourceRequest {
    const registry = this.core.registry;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const rt = registry.lookup(group, version, rest[2]);
      if (rt && rt.namespaced && rest.length <= 5) {
        const target: ResourceRequest = { rt, namespace: rest[1] };
        if (rest[3] !== undefined) target.name = rest[3];
        if (rest[4] !== undefined) target.subresource = rest[4];
        return target;
      }
    }
    const rt = registry.lookup(group, version, rest[0]);
    if (!rt || rest.length > 3) throw pathNotFound();
    if (rt.namespaced && rest.length > 1) throw pathNotFound();
    const target: ResourceRequest = { rt };
    if (rest[1] !== undefined) target.name = rest[1];
    if (rest[2] !== undefined) target.subresource = rest[2];
    return target;
  }

  private async resource(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, method: string, target: ResourceRequest): Promise<void> {
    const { rt, name, subresource } = target;
    const namespace = target.namespace ?? '';
    const allNamespaces = rt.namespaced && target.namespace === undefined;
    if (subresource !== undefined && (subresource !== 'status' || !rt.hasStatus)) throw pathNotFound();
    if (q.get('sendInitialEvents') === 'true') {
      throw invalid('ListOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueForbidden', field: 'sendInitialEvents', message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' }]);
    }

    if (name === undefined) {
      if (method === 'GET' && queryFlag(q, 'watch')) return this.watch(req, res, q, rt, allNamespaces ? undefined : namespace);
      if (method === 'GET') return this.list(req, res, q, rt, allNamespaces ? undefined : namespace);
      if (allNamespaces) throw methodNotAllowed();
      if (method === 'POST') {
        const body = decodeObjectBody(req, await readBody(req));
        return this.reply(res, this.core.create(rt, namespace, body, this.writeOptions(q)));
      }
      if (method === 'DELETE') {
        const options = this.deleteOptions(q, await readBody(req), req);
        const items = this.core.deleteCollection(rt, namespace, listOptions(q), options);
        return sendJson(res, 200, `{"kind":"${rt.listKind}","apiVersion":"${groupVersion(rt)}","metadata":{"resourceVersion":"${this.core.store.revision}"},"items":[${items.join(',')}]}`);
      }
      throw methodNotAllowed();
    }

    switch (method) {
      case 'GET': {
        const entry = this.core.entry(rt, namespace, name);
        const table = tableRequest(String(req.headers.accept ?? ''), q.get('includeObject') ?? undefined);
        if (table) return sendJson(res, 200, JSON.stringify(renderTable(rt, [JSON.parse(entry.json) as JsonObject], table, { resourceVersion: String(entry.rv) })));
        return sendJson(res, 200, entry.json);
      }
      case 'PUT': {
        const body = decodeObjectBody(req, await readBody(req));
        return this.reply(res, this.core.update(rt, namespace, name, body, subresource, this.writeOptions(q)));
      }
      case 'PATCH': {
        const type = mediaType(req);
        if (!(Object.values(PATCH_TYPES) as string[]).includes(type)) {
          throw unsupportedMediaType(rt.builtin ? Object.values(PATCH_TYPES) : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]);
        }
        if (type === PATCH_TYPES.strategic && !rt.builtin) throw unsupportedMediaType([PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]);
        const body = decode((await readBody(req)).toString('utf8'), type === PATCH_TYPES.apply);
        if (type === PATCH_TYPES.json && Array.isArray(body) && body.length > MAX_JSON_PATCH_OPS) throw tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPS}, got ${body.length}`);
        const options = { ...this.writeOptions(q), force: queryFlag(q, 'force') } as WriteOptions & { fieldManager?: string; force?: boolean };
        const manager = q.get('fieldManager');
        if (manager) options.fieldManager = manager;
        return this.reply(res, this.core.patch(rt, namespace, name, type, body, subresource, options));
      }
      case 'DELETE': {
        if (subresource !== undefined) throw methodNotAllowed();
        const options = this.deleteOptions(q, await readBody(req), req);
        return this.reply(res, this.core.delete(rt, namespace, name, options));
      }
      default:
        throw methodNotAllowed();
    }
  }

  private reply(res: ServerResponse, result: WriteResult): void {
    sendJson(res, result.code, result.json, result.warnings);
  }

  private writeOptions(q: URLSearchParams): WriteOptions {
    return { dryRun: dryRunOf(q), fieldValidation: fieldValidationOf(q) };
  }

  private deleteOptions(q: URLSearchParams, body: Buffer, req: IncomingMessage): DeleteOptions {
    let parsed: JsonObject = {};
    if (body.length > 0 && body.toString('utf8').trim() !== '') {
      const value = decodeObjectBody(req, body);
      if (!isJsonObject(value)) throw badRequest('DeleteOptions must be a JSON object');
      checkDeleteOptionTypes(value);
      parsed = value;
    }
    const policy = (typeof parsed.propagationPolicy === 'string' ? parsed.propagationPolicy : q.get('propagationPolicy')) ?? undefined;
    const options: DeleteOptions = { dryRun: dryRunOf(q, parsed.dryRun) };
    if (policy !== undefined && policy !== '') {
      if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
        throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
      }
      options.propagationPolicy = policy as Propagation;
    } else if (parsed.orphanDependents === true || q.get('orphanDependents') === 'true') options.propagationPolicy = 'Orphan';
    if (isJsonObject(parsed.preconditions)) {
      const pre: { uid?: string; resourceVersion?: string } = {};
      if (typeof parsed.preconditions.uid === 'string') pre.uid = parsed.preconditions.uid;
      if (typeof parsed.preconditions.resourceVersion === 'string') pre.resourceVersion = parsed.preconditions.resourceVersion;
      options.preconditions = pre;
    }
    integerParam(q, 'gracePeriodSeconds');
    return options;
  }

  private list(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, rt: ResourceType, namespace: string | undefined): void {
    const result = this.core.list(rt, namespace, listOptions(q));
    const table = tableRequest(String(req.headers.accept ?? ''), q.get('includeObject') ?? undefined);
    if (table) {
      const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: result.resourceVersion };
      if (result.continue) meta.continue = result.continue;
      if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
      return sendJson(res, 200, JSON.stringify(renderTable(rt, result.items.map((i) => JSON.parse(i) as JsonObject), table, meta)));
    }
    let meta = `"resourceVersion":"${result.resourceVersion}"`;
    if (result.continue) meta += `,"continue":"${result.continue}","remainingItemCount":${result.remainingItemCount ?? 0}`;
    sendJson(res, 200, `{"kind":"${rt.listKind}","apiVersion":"${groupVersion(rt)}","metadata":{${meta}},"items":[${result.items.join(',')}]}`);
  }

  /**
   * A watch: start (synthetic ADDED, or replay after the given resourceVersion), then live events, in
   * one synchronous step so nothing can interleave. Errors after the headers are ERROR events.
   */
  private watch(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, rt: ResourceType, namespace: string | undefined): void {
    const store = this.core.store;
    const resource = resourceId(rt);
    const selectors = parseSelectors(rt, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
    const timeoutSeconds = integerParam(q, 'timeoutSeconds');
    const bookmarks = queryFlag(q, 'allowWatchBookmarks');
    const table = tableRequest(String(req.headers.accept ?? ''), q.get('includeObject') ?? undefined);
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);

    const filter: HubWatcher['filter'] = {};
    if (namespace !== undefined) filter.namespace = namespace;
    if (!selectors.label.empty || !selectors.field.empty) filter.matches = (o) => selectorsMatch(selectors, o);

    let columnsSent = false;
    const encode = (type: EventType | 'BOOKMARK' | 'ERROR', json: string, line?: string): string => {
      if (!table || type === 'BOOKMARK' || type === 'ERROR') return line ?? watchLine(type, json);
      const rendered = renderTable(rt, [JSON.parse(json) as JsonObject], table, { resourceVersion: '' }, !columnsSent);
      columnsSent = true;
      return watchLine(type, JSON.stringify(rendered));
    };

    const initial: string[] = [];
    let failure: ApiError | undefined;
    const start = rvParam === '' ? 0 : Number(rvParam);
    if (start === 0) {
      for (const entry of store.list(resource, namespace)) {
        if (filter.matches && !filter.matches(JSON.parse(entry.json) as JsonObject)) continue;
        initial.push(encode('ADDED', entry.json));
      }
    } else if (start > store.revision) {
      // A real server answers 504 here; client-node stops its informer on that but relists on a 410.
      failure = expired(`Too large resource version: ${rvParam}, current: ${store.revision}`);
    } else {
      try {
        for (const event of store.eventsAfter(resource, start)) {
          const seen = eventFor(filter, event, new ParsedEvent(event));
          if (seen) initial.push(encode(seen.type, seen.json));
        }
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        failure = e;
      }
    }

    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    if (failure) {
      res.end(watchLine('ERROR', JSON.stringify(failure.toStatus())));
      return;
    }
    req.socket.setKeepAlive(true, 30_000);
    req.socket.setTimeout(0);

    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const bookmark = (): void => {
      write(watchLine('BOOKMARK', JSON.stringify({ kind: rt.kind, apiVersion: groupVersion(rt), metadata: { resourceVersion: String(store.revision) } })));
    };
    const close = (): void => {
      if (closed) return;
      closed = true;
      remove();
      for (const t of timers) clearTimeout(t);
      if (!res.writableEnded) res.end();
    };
    const write = (line: string): void => {
      if (closed) return;
      res.write(line);
      if (res.writableLength > MAX_WATCH_BACKLOG_BYTES) close();
    };
    const watcher: HubWatcher = { filter, deliver: (type, json, line) => write(encode(type, json, line)) };
    const remove = this.options.hub.add(resource, watcher);
    for (const line of initial) write(line);

    const durationMs = timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds * 1000 : MIN_WATCH_MS * (1 + Math.random());
    timers.push(
      setTimeout(() => {
        if (bookmarks) bookmark();
        close();
      }, durationMs),
    );
    if (bookmarks) {
      const interval = this.options.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS;
      const tick = (): void => {
        bookmark();
        timers.push(setTimeout(tick, interval).unref());
      };
      timers.push(setTimeout(tick, interval).unref());
    }
    res.on('close', close);
    req.on('close', close);
  }
}
