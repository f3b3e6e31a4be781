/**
 * The embedded API server on this machine: creates per second (sequential and 16 concurrent), list
 * latency over 10,000 custom resources, watch delivery latency to 100 concurrent watchers, and the
 * memory a process needs to hold 10,000 clusters in the shared watch cache. The server runs in its
 * own process so the client-side figures are not mixed with it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as k8s from '@kubernetes/client-node';
import { PGCLUSTERS } from '../src/kube/resources.js';
import { WatchCache } from '../src/kube/watch-cache.js';
import { pgcluster } from '../test/support/fixtures.js';
import { fmt, line, summarize } from './stats.js';

/** Compiled to dist/bench/, two levels below the repository root. */
const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(ROOT, 'dist/test/support/embedded-child.js');
const NS = 'pgouser1';
const COLLECTION = `/apis/crunchydata.com/v1/namespaces/${NS}/pgclusters`;
const LIST_TARGET = 10_000;
const WATCHERS = 100;
const WATCH_WRITES = 200;

interface Server {
  child: ChildProcess;
  url: string;
  kubeconfigPath: string;
}

function startServer(dataDir: string): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CHILD, dataDir, '0', join(ROOT, 'crds')], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    // A benchmark that throws must not leave its server running.
    process.once('exit', () => child.kill('SIGKILL'));
    createInterface(child.stdout as NodeJS.ReadableStream).once('line', (l) => resolvePromise({ child, ...(JSON.parse(l) as { url: string; kubeconfigPath: string }) }));
  });
}

class RawClient {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  constructor(
    private readonly server: Server,
    dataDir: string,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, ca: readFileSync(join(dataDir, 'tls/ca.crt')) });
    this.headers = { Authorization: `Bearer ${readFileSync(join(dataDir, 'token'), 'utf8').trim()}`, 'Content-Type': 'application/json' };
  }
  call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    return new Promise((resolvePromise, reject) => {
      const req = request(new URL(path, this.server.url), { method, agent: this.agent, headers: this.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  }
  /** Opens a watch and calls onLine for each event line. */
  watch(path: string, onLine: (text: string) => void): () => void {
    const req = request(new URL(path, this.server.url), { method: 'GET', agent: false, ca: this.agent.options.ca, headers: this.headers }, (res) => {
      // Destroying the request to stop the watch aborts the response: expected, not an error.
      res.on('error', () => undefined);
      createInterface(res).on('line', onLine).on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end();
    return () => req.destroy();
  }
  close(): void {
    this.agent.destroy();
  }
}

async function creates(client: RawClient, prefix: string, count: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const res = await client.call('POST', COLLECTION, pgcluster(`${prefix}-${i}`, NS));
        if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.text}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

export async function benchEmbeddedApi(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pgo-bench-'));
  const server = await startServer(dataDir);
  const client = new RawClient(server, dataDir);
  try {
    process.stdout.write('\n== embedded API server (separate process, synchronous=FULL, HTTPS + token) ==\n');
    line('creates/s, sequential (1,000 pgclusters)', (await creates(client, 'seq', 1000, 1)).toFixed(0));
    line('creates/s, 16 concurrent (2,000 pgclusters)', (await creates(client, 'par', 2000, 16)).toFixed(0));
    await creates(client, 'fill', LIST_TARGET - 3000, 16);

    const listMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await client.call('GET', COLLECTION);
      listMs.push(performance.now() - t0);
      if (i === 0 && (JSON.parse(res.text) as { items: unknown[] }).items.length !== LIST_TARGET) throw new Error('unexpected list size');
    }
    const list = summarize(listMs);
    line(`list of ${LIST_TARGET.toLocaleString('en')} pgclusters, ms (20 runs)`, `p50 ${fmt(list.p50)}  p99 ${fmt(list.p99)}`);
    const selMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await client.call('GET', `${COLLECTION}?labelSelector=pg-cluster%3Dseq-${i}`);
      selMs.push(performance.now() - t0);
    }
    const sel = summarize(selMs);
    line(`list with label selector over ${LIST_TARGET.toLocaleString('en')}, ms`, `p50 ${fmt(sel.p50)}  p99 ${fmt(sel.p99)}`);

    // Watch delivery: each write carries its send time; every watcher records arrival - send.
    const rv = (JSON.parse((await client.call('GET', `${COLLECTION}?limit=1`)).text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const delays: number[] = [];
    let received = 0;
    const stops: (() => void)[] = [];
    for (let w = 0; w < WATCHERS; w++) {
      stops.push(
        client.watch(`${COLLECTION}?watch=true&resourceVersion=${rv}`, (text) => {
          const event = JSON.parse(text) as { object: { metadata: { annotations?: Record<string, string> } } };
          const sent = Number(event.object.metadata.annotations?.sent);
          if (sent) {
            delays.push(performance.timeOrigin + performance.now() - sent);
            received++;
          }
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < WATCH_WRITES; i++) {
      await client.call('POST', COLLECTION, { ...pgcluster(`watched-${i}`, NS), metadata: { name: `watched-${i}`, annotations: { sent: String(performance.timeOrigin + performance.now()) } } });
      await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = Date.now() + 10_000;
    while (received < WATCHERS * WATCH_WRITES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const stop of stops) stop();
    const watch = summarize(delays);
    line(`watch delivery, ${WATCHERS} watchers x ${WATCH_WRITES} writes, ms`, `p50 ${fmt(watch.p50)}  p99 ${fmt(watch.p99)}  (${received}/${WATCHERS * WATCH_WRITES} delivered)`);

    // Memory of the shared watch cache holding 10,000 clusters.
    const gc = (globalThis as { gc?: () => void }).gc;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const cache = new WatchCache(kc, [PGCLUSTERS], { namespaces: [NS] });
    const t0 = performance.now();
    cache.start();
    await cache.synced();
    const syncMs = performance.now() - t0;
    gc?.();
    const heap = process.memoryUsage().heapUsed - before;
    const held = cache.list(PGCLUSTERS, NS).length;
    line(`watch cache: initial sync of ${held.toLocaleString('en')} pgclusters, ms`, fmt(syncMs));
    line(`watch cache: heap held for ${held.toLocaleString('en')} pgclusters${gc ? '' : ' (no --expose-gc)'}`, `${(heap / 1024 / 1024).toFixed(1)} MiB (${(heap / held / 1024).toFixed(1)} KiB each)`);
    cache.stop();
  } finally {
    client.close();
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
