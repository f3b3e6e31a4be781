/** Starts a real embedded API server on a free loopback port with a fresh data directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startEmbeddedServer } from '../../src/embedded/embedded-server.js';
import type { EmbeddedServer, EmbeddedServerOptions } from '../../src/embedded/embedded-server.js';

/** Compiled to dist/test/support/, three levels below the repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const CRD_DIR = join(REPO_ROOT, 'crds');

export interface TestServer {
  server: EmbeddedServer;
  dataDir: string;
  kc: k8s.KubeConfig;
  /** Stops the server, keeping the data directory (for restart tests). */
  stop(): Promise<void>;
  /** Starts again on the same data directory and port. */
  restart(): Promise<void>;
  /** Stops the server and deletes its data. */
  dispose(): Promise<void>;
}

export async function startTestServer(overrides: Partial<EmbeddedServerOptions> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'pgo-embedded-'));
  const options: EmbeddedServerOptions = { dataDir, host: '127.0.0.1', port: 0, crdDir: CRD_DIR, synchronous: 'NORMAL', ...overrides };
  let server = await startEmbeddedServer(options);
  const port = Number(new URL(server.url).port);
  let running = true;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  const handle: TestServer = {
    get server() {
      return server;
    },
    dataDir,
    kc,
    async stop() {
      if (running) await server.close();
      running = false;
    },
    async restart() {
      if (running) await server.close();
      server = await startEmbeddedServer({ ...options, port });
      running = true;
    },
    async dispose() {
      if (running) await server.close();
      running = false;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** A raw HTTPS request to the embedded server with its token and CA, for wire-level assertions. */
export async function raw(
  t: TestServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => Record<string, unknown> }> {
  const https = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const url = new URL(path, t.server.url);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: readFileSync(t.server.caPath),
        headers: {
          Authorization: `Bearer ${t.server.token}`,
          // Node sends a DELETE body without framing unless told its length.
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
