/**
 * A start refused for a bad setting: the real entry point in its own process exits with status 2
 * and one stderr line naming the setting, before the bad value can do harm.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { ExecFileOptions } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { configTable } from '../../src/config.js';
import { ensureCertificateAuthority, ensureServerCertificate } from '../../src/tls/pki.js';
import { REPO_ROOT } from '../support/embedded.js';

const MAIN = join(REPO_ROOT, 'dist/src/main.js');
const run = promisify(execFile);
/** A start that is not refused runs until killed: the test then fails on the exit status. */
const START_TIMEOUT_MS = 30_000;
const EXIT_BAD_CONFIG = 2;
/** nobody: binding a port below 1024 needs privileges this user lacks. */
const UNPRIVILEGED_ID = 65534;

interface Refusal {
  stderr: string;
  stdout: string;
}

/** Runs the server to its exit, which must be a refusal; answers what it wrote. */
async function refusedStart(args: string[], env: Record<string, string> = {}, options: ExecFileOptions = {}): Promise<Refusal> {
  try {
    await run(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: START_TIMEOUT_MS, encoding: 'utf8', ...options });
  } catch (error) {
    const { code, stderr, stdout } = error as { code: number | null; stderr: string; stdout: string };
    assert.equal(code, EXIT_BAD_CONFIG, `exit status ${String(code)}; stderr: ${stderr}`);
    return { stderr, stdout };
  }
  return assert.fail('the server exited with status 0');
}

function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

describe('a start refused for a bad setting', () => {
  let dir: string;
  let dataDir: string;
  let cert: string;
  let otherKey: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgo-refused-'));
    const ca = ensureCertificateAuthority(join(dir, 'pki'));
    cert = ensureServerCertificate(join(dir, 'pki'), 'server', ca, []).certPath;
    otherKey = ensureServerCertificate(join(dir, 'pki'), 'other', ca, []).keyPath;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const freshDataDir = (): string => {
    dataDir = mkdtempSync(join(dir, 'data-'));
    return dataDir;
  };

  test('a TLS key that is not the key of the certificate stops the start before anything listens', async () => {
    const { stderr } = await refusedStart(['--data-dir', freshDataDir(), '--kube-listen', '127.0.0.1:0', '--listen', '127.0.0.1:0'], { PGO_TLS_CERT: cert, PGO_TLS_KEY: otherKey });
    assert.equal(stderr, `pgo-graphql-server: PGO_TLS_KEY: '${otherKey}' is not the private key of the certificate in PGO_TLS_CERT '${cert}'\n`);
    assert.ok(!existsSync(join(dataDir, 'kube.db')), 'the embedded API server started');
  });

  test('a client CA file that holds no certificate stops the start naming the setting and the file', async () => {
    const { stderr } = await refusedStart(['--tls-client-ca', otherKey, '--data-dir', freshDataDir()]);
    assert.equal(stderr, `pgo-graphql-server: --tls-client-ca: '${otherKey}' holds no PEM certificate\n`);
  });

  test('a kubeconfig that is not YAML stops the start naming the setting and the file', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, 'clusters: [unclosed\n');
    const { stderr } = await refusedStart(['--data-dir', freshDataDir()], { KUBECONFIG: kubeconfig });
    assert.match(stderr, new RegExp(`^pgo-graphql-server: KUBECONFIG: '${kubeconfig}' is not a kubeconfig: [^\\n]+\\n$`));
  });

  test('an admin username that is not a pgouser name stops the start', async () => {
    const { stderr } = await refusedStart(['--data-dir', freshDataDir()], { PGO_ADMIN_USERNAME: 'root@example' });
    assert.match(stderr, /^pgo-graphql-server: PGO_ADMIN_USERNAME: 'root@example' is not a valid pgouser name: [^\n]+\n$/);
  });

  test('a listen port in use stops the start with one line naming the setting', async () => {
    const { server, port } = await occupyPort();
    try {
      const { stderr } = await refusedStart(['--data-dir', freshDataDir(), '--kube-listen', '127.0.0.1:0', '--listen', `127.0.0.1:${port}`]);
      assert.equal(stderr, `pgo-graphql-server: --listen 127.0.0.1:${port}: address already in use\n`);
    } finally {
      server.close();
    }
  });

  test('an embedded API port in use stops the start with one line naming the setting', async () => {
    const { server, port } = await occupyPort();
    try {
      const { stderr } = await refusedStart(['--data-dir', freshDataDir(), '--listen', '127.0.0.1:0'], { PGO_KUBE_LISTEN: `127.0.0.1:${port}` });
      assert.equal(stderr, `pgo-graphql-server: PGO_KUBE_LISTEN 127.0.0.1:${port}: address already in use\n`);
    } finally {
      server.close();
    }
  });

  test('a listen address this host does not have stops the start with one line naming the setting', async () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never assigned to an interface.
    const { stderr } = await refusedStart(['--data-dir', freshDataDir(), '--kube-listen', '127.0.0.1:0'], { PGO_LISTEN: '192.0.2.1:8443' });
    assert.equal(stderr, 'pgo-graphql-server: PGO_LISTEN 192.0.2.1:8443: address not available on this host\n');
  });

  test('a listen host name that does not resolve stops the start with one line naming the setting', async () => {
    // .invalid never resolves (RFC 6761); a resolver that cannot answer at all says so instead.
    const { stderr } = await refusedStart(['--data-dir', freshDataDir(), '--kube-listen', '127.0.0.1:0', '--listen', 'no-such-host.invalid:8443']);
    assert.match(stderr, /^pgo-graphql-server: --listen no-such-host\.invalid:8443: host name (not found|lookup failed)\n$/);
  });

  test('a privileged port for an unprivileged user stops the start with one line naming the setting', async () => {
    const asRoot = process.getuid?.() === 0;
    // Not under the suite's directory: the unprivileged user cannot enter that one.
    const data = mkdtempSync(join(tmpdir(), 'pgo-refused-unprivileged-'));
    if (asRoot) chownSync(data, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
    try {
      const { stderr } = await refusedStart(['--data-dir', data, '--kube-listen', '127.0.0.1:0', '--listen', '127.0.0.1:80'], {}, asRoot ? { uid: UNPRIVILEGED_ID, gid: UNPRIVILEGED_ID } : {});
      assert.equal(stderr, 'pgo-graphql-server: --listen 127.0.0.1:80: permission denied (ports below 1024 need privileges)\n');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});

describe('a start as a user who cannot write the data directory', () => {
  test('stops with one line naming the setting and the directory', async () => {
    const asRoot = process.getuid?.() === 0;
    const data = mkdtempSync(join(tmpdir(), 'pgo-refused-readonly-'));
    // Root writes anywhere: the check is seen by an unprivileged user on root's directory.
    if (!asRoot) chmodSync(data, 0o500);
    try {
      const { stderr } = await refusedStart(['--data-dir', data], {}, asRoot ? { uid: UNPRIVILEGED_ID, gid: UNPRIVILEGED_ID } : {});
      assert.equal(stderr, `pgo-graphql-server: --data-dir: cannot write to '${data}': permission denied\n`);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});

describe('--help', () => {
  test('prints every setting of the README table and exits 0, whatever else is wrong', async () => {
    const { stdout } = await run(process.execPath, [MAIN, '--help'], { env: { PATH: process.env.PATH, PGO_TLS: 'maybe', KUBECONFIG: '/does/not/exist' } });
    const names = [...configTable().matchAll(/`((?:--|PGO_|KUBECONFIG)[^`]*)`/g)].map((m) => m[1]);
    assert.ok(names.length > 0);
    for (const name of names) assert.match(stdout, new RegExp(`(^|\\s)${name}\\s`, 'm'), `${name} is missing from --help`);
  });
});
