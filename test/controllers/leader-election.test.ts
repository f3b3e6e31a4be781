/**
 * Two server processes against one Kubernetes API: one leads and reconciles, the other waits and
 * takes over within the lease duration when the leader is killed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { LEASE_DURATION_MS, LEASE_NAME, RETRY_PERIOD_MS } from '../../controllers/leader-election.js';
import { pgcluster } from '../support/fixtures.js';
import { basic, CLIENT_VERSION } from '../support/rest.js';
import { REPO_ROOT, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const MAIN = join(REPO_ROOT, 'dist/src/main.js');
const ADMIN_PASSWORD = 'leader-test-secret';

interface Server {
  child: ChildProcess;
  lines: { msg: string; identity?: string; url?: string }[];
  dataDir: string;
}

function startServer(kubeconfig: string): Server {
  const dataDir = mkdtempSync(join(tmpdir(), 'pgo-leader-'));
  const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--kubeconfig', kubeconfig, '--namespaces', 'pgouser1', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH, PGO_ADMIN_PASSWORD: ADMIN_PASSWORD } });
  const server: Server = { child, lines: [], dataDir };
  createInterface(child.stdout as NodeJS.ReadableStream).on('line', (text) => server.lines.push(JSON.parse(text) as { msg: string }));
  return server;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A request to a server process as the first administrator; the test trusts its generated certificate. */
function call(server: Server, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const base = server.lines.find((l) => l.url)?.url;
  assert.ok(base, 'the process logged its URL');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, rejectUnauthorized: false, headers: { Authorization: basic('pgoadmin', ADMIN_PASSWORD), 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject).end(payload);
  });
}

const leading = (s: Server) => s.lines.some((l) => l.msg === 'leading: controllers started');

describe('leader election between two processes', () => {
  let api: TestServer;
  let first: Server;
  let second: Server;
  let custom: k8s.CustomObjectsApi;

  before(async () => {
    api = await startTestServer({ namespaces: ['pgouser1', 'pgo'] });
    custom = api.kc.makeApiClient(k8s.CustomObjectsApi);
    first = startServer(api.server.kubeconfigPath);
    await until(() => leading(first), 'the first process to lead', 20_000);
    second = startServer(api.server.kubeconfigPath);
    await until(() => second.lines.some((l) => l.msg === 'watch caches synced'), 'the second process to start', 20_000);
  });

  after(async () => {
    for (const s of [first, second]) {
      s?.child.kill('SIGKILL');
      if (s) rmSync(s.dataDir, { recursive: true, force: true });
    }
    await api.dispose();
  });

  test('only one process leads while both serve', async () => {
    await new Promise((r) => setTimeout(r, 2 * RETRY_PERIOD_MS));
    assert.equal(leading(second), false);
    const lease = await api.kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ namespace: 'pgo', name: LEASE_NAME });
    assert.equal(lease.spec?.holderIdentity, first.lines.find((l) => l.msg === 'leading: controllers started')?.identity);
  });

  test('the process that does not lead serves GraphQL and the pgo REST routes', async () => {
    await until(() => second.lines.some((l) => l.url), 'the second process to listen', 10_000);
    assert.equal(leading(second), false);
    const graphql = await call(second, 'POST', '/graphql', { query: '{ version { pgoVersion } }' });
    assert.equal(graphql.status, 200);
    assert.equal((JSON.parse(graphql.text) as { data?: { version?: { pgoVersion?: string } } }).data?.version?.pgoVersion, CLIENT_VERSION);
    const rest = await call(second, 'GET', '/version');
    assert.equal(rest.status, 200);
    assert.equal((JSON.parse(rest.text) as { Version?: string }).Version, CLIENT_VERSION);
  });

  test('the leader reconciles: a cluster created through the API is processed', async () => {
    await custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgclusters', body: pgcluster('led', 'pgouser1') });
    await until(async () => {
      const c = (await custom.getNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgclusters', name: 'led' })) as { status?: { state?: string } };
      return c.status?.state === 'pgcluster Processed';
    }, 'the cluster to be processed', 10_000);
  });

  test('when the leader is killed the other process takes over within the lease duration', async () => {
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await until(() => leading(second), 'the second process to lead', LEASE_DURATION_MS + 3 * RETRY_PERIOD_MS + 5_000);
    assert.ok(Date.now() - killedAt <= LEASE_DURATION_MS + 3 * RETRY_PERIOD_MS + 5_000);
    await custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgclusters', body: pgcluster('after', 'pgouser1') });
    await until(async () => {
      const c = (await custom.getNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgclusters', name: 'after' })) as { status?: { state?: string } };
      return c.status?.state === 'pgcluster Processed';
    }, 'the new leader to process a cluster', 10_000);
  });
});
