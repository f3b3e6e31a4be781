/**
 * /healthz and /readyz as the operational contract defines them, seen by a kubelet: the real entry
 * point started against a Kubernetes API that is not up yet is alive at once and ready only once
 * its watch caches have synced.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';
import { untilTrue } from '../support/until.js';
import { httpsGet } from '../support/https.js';

const MAIN = join(REPO_ROOT, 'dist/src/main.js');
const LISTEN_TIMEOUT_MS = 30_000;
const NAMESPACES = ['pgouser1', 'pgouser2'];
const OPERATOR_NAMESPACE = 'pgo';

interface LogLine {
  msg: string;
  url?: string;
}

interface Started {
  child: ChildProcess;
  url: string;
  ca: string;
  lines: LogLine[];
}

/** Spawns the server on a kubeconfig and resolves once its API server listens. */
async function startServer(dataDir: string, kubeconfig: string): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir, '--kubeconfig', kubeconfig, '--listen', '127.0.0.1:0', '--controllers', 'false', '--namespaces', NAMESPACES.join(','), '--operator-namespace', OPERATOR_NAMESPACE], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH },
  });
  const lines: LogLine[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening within ${LISTEN_TIMEOUT_MS} ms: ${JSON.stringify(lines)}`)), LISTEN_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`server exited with ${String(code)}`)));
    createInterface(child.stdout as NodeJS.ReadableStream).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (line.msg.startsWith('API server listening')) {
        clearTimeout(timer);
        resolve(String(line.url));
      }
    });
  });
  child.removeAllListeners('exit');
  return { child, url, ca: readFileSync(join(dataDir, 'tls/ca.crt'), 'utf8'), lines };
}

describe('a server started before its Kubernetes API is up', () => {
  let kube: TestServer;
  let dataDir: string;
  let server: Started;

  before(async () => {
    // Started once for its port, token and CA, then stopped: the kubeconfig leads to an API that is down.
    kube = await startTestServer({ namespaces: [...NAMESPACES, OPERATOR_NAMESPACE] });
    await kube.stop();
    dataDir = mkdtempSync(join(tmpdir(), 'pgo-readiness-'));
    server = await startServer(dataDir, kube.server.kubeconfigPath);
  });

  after(async () => {
    server.child.kill('SIGKILL');
    await kube.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('answers /healthz 200 while the Kubernetes API is down', async () => {
    assert.deepEqual(await httpsGet(`${server.url}/healthz`, server.ca), { status: 200, body: 'ok' });
  });

  test('answers /readyz 503 while its watch caches have not synced', async () => {
    assert.deepEqual(await httpsGet(`${server.url}/readyz`, server.ca), { status: 503, body: 'watch caches not synced' });
  });

  test('answers /readyz 200 once the Kubernetes API is up and the caches have synced', async () => {
    await kube.restart();
    await untilTrue(async () => (await httpsGet(`${server.url}/readyz`, server.ca)).status === 200, '/readyz to answer 200');
    assert.ok(server.lines.some((l) => l.msg === 'watch caches synced'), 'ready before the caches synced');
    assert.ok(server.lines.some((l) => l.msg === 'first administrator created'), 'ready before the first administrator exists');
  });
});

describe('a shutdown while the Kubernetes API is still down', () => {
  test('SIGTERM stops the server with status 0', async () => {
    const kube = await startTestServer();
    await kube.stop();
    const dataDir = mkdtempSync(join(tmpdir(), 'pgo-readiness-'));
    try {
      const { child } = await startServer(dataDir, kube.server.kubeconfigPath);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      await kube.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
