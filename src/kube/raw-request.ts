/**
 * A small JSON-over-HTTPS client for the Kubernetes API. The informers list through it because
 * client-node's typed list runs every object through its ObjectSerializer, which is far too slow
 * for 10,000 objects; this one only parses JSON. TLS material and credentials come from the
 * kubeconfig (`applyToHTTPSOptions`), so it reaches exactly what client-node reaches.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RawResponse {
  status: number;
  /** Parsed JSON when the server answered JSON, the text otherwise, undefined when empty. */
  body: unknown;
}

export type QueryValue = string | number | boolean | undefined;

export interface RawRequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  /** Defaults to JSON, or to a merge patch for PATCH. */
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export const JSON_CONTENT_TYPE = 'application/json';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
/** A list of 10,000 objects takes a few seconds; anything far beyond that is a dead connection. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/**
 * How long credentials read from the kubeconfig are reused. In-cluster tokens rotate and exec
 * credentials expire, so they are re-read now and then rather than once; re-reading them on every
 * request would read the CA and token files each time.
 */
export const CREDENTIALS_REFRESH_MS = 60_000;
/** Keep-alive sockets kept per host: lists run one page at a time per informer. */
export const DEFAULT_MAX_SOCKETS = 16;

interface Credentials {
  headers: Record<string, string>;
  auth: string | undefined;
  readAt: number;
}

export class RawKubeClient {
  private agent: Promise<http.Agent> | undefined;
  private credentials: Credentials | undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly kc: KubeConfig,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  get(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal): Promise<RawResponse> {
    const options: RawRequestOptions = {};
    if (query) options.query = query;
    if (signal) options.signal = signal;
    return this.request('GET', path, options);
  }

  post(path: string, body: unknown, options: RawRequestOptions = {}): Promise<RawResponse> {
    return this.request('POST', path, { ...options, body });
  }

  put(path: string, body: unknown, options: RawRequestOptions = {}): Promise<RawResponse> {
    return this.request('PUT', path, { ...options, body });
  }

  patch(path: string, body: unknown, options: RawRequestOptions = {}): Promise<RawResponse> {
    return this.request('PATCH', path, { ...options, body });
  }

  delete(path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
    return this.request('DELETE', path, options);
  }

  /** Answers whatever status the server sent; only transport failures reject. */
  async request(method: HttpMethod, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig names no current cluster');
    const url = new URL(server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const credentials = await this.currentCredentials();
    const agent = await this.ensureAgent(url);
    const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...credentials.headers, Accept: JSON_CONTENT_TYPE };
    if (payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? (method === 'PATCH' ? MERGE_PATCH_CONTENT_TYPE : JSON_CONTENT_TYPE);
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const requestOptions: https.RequestOptions = { method, agent, headers };
    if (credentials.auth) requestOptions.auth = credentials.auth;
    if (options.signal) requestOptions.signal = options.signal;
    const transport = url.protocol === 'https:' ? https : http;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;

    return new Promise<RawResponse>((resolve, reject) => {
      const req = transport.request(url, requestOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: parseBody(text, res.headers['content-type']) });
          } catch (error: unknown) {
            reject(error);
          }
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Drops the keep-alive sockets. */
  close(): void {
    const agent = this.agent;
    this.agent = undefined;
    void agent?.then((a) => a.destroy(), () => undefined);
  }

  private async currentCredentials(): Promise<Credentials> {
    const now = Date.now();
    if (this.credentials && now - this.credentials.readAt < CREDENTIALS_REFRESH_MS) return this.credentials;
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    opts.agent = undefined; // a fresh non-keep-alive agent per call; ours is kept instead
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[key] = String(value);
    }
    this.credentials = { headers, auth: opts.auth ?? undefined, readAt: now };
    return this.credentials;
  }

  /** One agent for the client's lifetime; concurrent first requests share its creation. */
  private ensureAgent(url: URL): Promise<http.Agent> {
    this.agent ??= this.createAgent(url).catch((error: unknown) => {
      this.agent = undefined; // a failed read of the kubeconfig is retried by the next request
      throw error;
    });
    return this.agent;
  }

  private async createAgent(url: URL): Promise<http.Agent> {
    if (url.protocol !== 'https:') return new http.Agent({ keepAlive: true, maxSockets: DEFAULT_MAX_SOCKETS });
    const tls: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(tls);
    const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: DEFAULT_MAX_SOCKETS };
    if (tls.ca) agentOptions.ca = tls.ca;
    if (tls.cert) agentOptions.cert = tls.cert;
    if (tls.key) agentOptions.key = tls.key;
    if (tls.rejectUnauthorized !== undefined) agentOptions.rejectUnauthorized = tls.rejectUnauthorized;
    if (tls.servername) agentOptions.servername = tls.servername;
    return new https.Agent(agentOptions);
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if (contentType && /json/i.test(contentType)) return JSON.parse(text) as unknown;
  return text;
}
