/**
 * Starts the whole app in-process, as `npm start` would on the embedded default but on free
 * loopback ports and a fresh data directory, with clients for GraphQL over HTTPS and WebSocket.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { startApp } from '../../src/app.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestApp {
  app: App;
  dataDir: string;
  kc: k8s.KubeConfig;
  ca: string;
  authorization: string;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, authorization?: string | null): Promise<GraphqlResponse<T>>;
  post(path: string, body: string, headers: Record<string, string>): Promise<HttpAnswer>;
  get(path: string, headers: Record<string, string>): Promise<HttpAnswer>;
  ws(authorization?: string): Client;
  dispose(): Promise<void>;
}

export interface HttpAnswer {
  status: number;
  /** The Content-Type header. */
  type: string;
  text: string;
}

/** Start-up and shutdown take about a second; a stall becomes a failure naming the step, not a silent suite timeout. */
const STEP_DEADLINE_MS = 60_000;

function within<T>(step: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${STEP_DEADLINE_MS} ms waiting for ${what}`)), STEP_DEADLINE_MS);
  });
  return Promise.race([step, deadline]).finally(() => clearTimeout(timer));
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pgo-app-'));
  const config = loadConfig(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--kube-listen', '127.0.0.1:0'], { PGO_NAMESPACES: 'pgouser1,pgouser2', PGO_RUNTIME_DELAY_MS: '0', ...env });
  const app = await within(startApp({ config, mode: 'embedded', log: pino({ level: 'warn' }) }), 'the app to start');
  await within(app.cache.synced(), 'the watch caches to sync');
  const ca = readFileSync(join(dataDir, 'tls/ca.crt'), 'utf8');
  const authorization = `Basic ${Buffer.from(`${app.admin.username}:${app.admin.password}`).toString('base64')}`;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(String(app.kubeconfigPath));
  const clients: Client[] = [];

  const send = (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const length = body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) };
      const req = request(new URL(path, app.url), { method, ca, headers: { ...length, ...headers } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const post = (path: string, body: string, headers: Record<string, string>) => send('POST', path, headers, body);

  return {
    app,
    dataDir,
    kc,
    ca,
    authorization,
    post,
    get: (path, headers) => send('GET', path, headers),
    async gql<T>(query: string, variables: Record<string, unknown> = {}, auth: string | null = authorization) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (auth) headers.Authorization = auth;
      const res = await post('/graphql', JSON.stringify({ query, variables }), headers);
      return { status: res.status, ...(JSON.parse(res.text) as Omit<GraphqlResponse<T>, 'status'>) };
    },
    ws(auth: string = authorization) {
      class TrustingWebSocket extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { ca });
        }
      }
      const client = createClient({ url: app.url.replace(/^https/, 'wss') + '/graphql', webSocketImpl: TrustingWebSocket, connectionParams: { authorization: auth }, retryAttempts: 0, lazy: true });
      clients.push(client);
      return client;
    },
    async dispose() {
      for (const client of clients) await client.dispose();
      await within(app.close(), 'the app to close');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Collects the next `count` results of a subscription. */
export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): { next(count: number, timeoutMs?: number): Promise<T[]>; stop(): void; errors: unknown[] } {
  const queue: T[] = [];
  const errors: unknown[] = [];
  let wake: (() => void) | undefined;
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) queue.push(value.data as T);
        wake?.();
      },
      error: (error) => {
        // graphql-ws reports a closed socket as a CloseEvent, which JSON cannot show.
        const close = error as { code?: number; reason?: string };
        errors.push(typeof close.code === 'number' ? `closed ${close.code} ${close.reason ?? ''}` : error);
        wake?.();
      },
      complete: () => wake?.(),
    },
  );
  return {
    errors,
    stop,
    async next(count: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length < count && errors.length === 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
      if (queue.length < count) throw new Error(`expected ${count} results within ${timeoutMs} ms, got ${queue.length}: ${JSON.stringify(queue)}`);
      return queue.splice(0, count);
    },
  };
}
