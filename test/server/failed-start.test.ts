/**
 * A start that fails half-way, in-process: what it had started is closed before the error
 * surfaces, so nothing keeps a port or the process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { startApp } from '../../src/app.js';
import { ListenError, loadConfig } from '../../src/config.js';

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (server: Server): number => {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
};

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

test('a start that cannot listen on its address closes the embedded API server it had started', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pgo-failed-start-'));
  const busy = await listen(0);
  // A port known to be free, so the test can see that the embedded server let go of it.
  const probe = await listen(0);
  const kubePort = portOf(probe);
  await close(probe);
  try {
    const config = loadConfig(['--data-dir', dataDir, '--listen', `127.0.0.1:${portOf(busy)}`, '--kube-listen', `127.0.0.1:${kubePort}`], { PGO_RUNTIME_DELAY_MS: '0' });
    await assert.rejects(startApp({ config, mode: 'embedded', log: pino({ level: 'silent' }) }), (e: unknown) => e instanceof ListenError && e.setting === 'listen' && e.reason === 'address already in use');
    await close(await listen(kubePort));
  } finally {
    await close(busy);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
