/**
 * `npm start` as a newcomer runs it: the real entry point in its own process on a fresh data
 * directory, reached over HTTPS and with the kubectl command it logs.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/embedded.js';
import { httpsGet } from '../support/https.js';

const MAIN = join(REPO_ROOT, 'dist/src/main.js');
const run = promisify(execFile);
const START_TIMEOUT_MS = 30_000;

interface LogLine {
  msg: string;
  url?: string;
  mode?: string;
}

describe('npm start on the embedded default', () => {
  let dataDir: string;
  let child: ChildProcess;
  const lines: LogLine[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pgo-start-'));
    child = spawn(process.execPath, [MAIN, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--kube-listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sync within ${START_TIMEOUT_MS} ms: ${JSON.stringify(lines)}`)), START_TIMEOUT_MS);
      child.once('exit', (code) => reject(new Error(`server exited with ${String(code)}`)));
      createInterface(child.stdout as NodeJS.ReadableStream).on('line', (text) => {
        lines.push(JSON.parse(text) as LogLine);
        if (lines.some((l) => l.msg === 'watch caches synced') && lines.some((l) => l.msg.startsWith('API server listening'))) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });

  after(() => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('it logs the embedded mode and the Kubernetes endpoint', () => {
    const started = lines.find((l) => l.msg === 'embedded Kubernetes API server started');
    assert.equal(started?.mode, 'embedded');
  });

  test('the kubectl command it logs reaches the embedded API', async () => {
    const hint = lines.find((l) => l.msg.startsWith('reach the embedded API with: kubectl '));
    assert.ok(hint, 'no kubectl hint logged');
    const args = hint.msg.slice('reach the embedded API with: kubectl '.length).split(' ');
    const { stderr } = await run('kubectl', ['--cache-dir', join(dataDir, 'kubectl-cache'), ...args]);
    assert.match(stderr, /No resources found/);
  });

  test('/healthz and /readyz answer 200 over HTTPS verified by the generated CA', async () => {
    const listening = lines.find((l) => l.msg.startsWith('API server listening'));
    const ca = readFileSync(join(dataDir, 'tls/ca.crt'), 'utf8');
    assert.match(String(listening?.url), /^https:\/\//);
    assert.deepEqual(await httpsGet(`${String(listening?.url)}/healthz`, ca), { status: 200, body: 'ok' });
    assert.deepEqual(await httpsGet(`${String(listening?.url)}/readyz`, ca), { status: 200, body: 'ok' });
  });

  test('the data directory holds the kubeconfig, the token and the CA, secrets readable by the owner only', async () => {
    const { statSync } = await import('node:fs');
    assert.equal(statSync(join(dataDir, 'kubeconfig')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'token')).mode & 0o777, 0o600);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, 'kube.db')).mode & 0o777, 0o600);
    assert.ok(statSync(join(dataDir, 'tls/ca.crt')).isFile());
  });

  test('SIGTERM shuts it down cleanly', async () => {
    child.removeAllListeners('exit');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});

describe('a bad start', () => {
  test('an unknown flag exits with status 2 and names the flag', async () => {
    await assert.rejects(run(process.execPath, [MAIN, '--no-such-flag']), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /unknown flag --no-such-flag/);
      return true;
    });
  });

  test('a bad value exits with status 2 and names the setting', async () => {
    await assert.rejects(run(process.execPath, [MAIN], { env: { PATH: process.env.PATH, PGO_TLS: 'maybe' } }), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /PGO_TLS: expected one of true, false/);
      return true;
    });
  });
});
