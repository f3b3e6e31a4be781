/** The controllers pick a half-done cluster up where it stopped when the server restarts. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { startApp } from '../../src/app.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { CLUSTER_STATES } from '../../src/domain/constants.js';
import { PGCLUSTER } from '../../src/domain/custom-resources.js';

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('restart mid-workflow', () => {
  test('a cluster whose creation was interrupted reaches Initialized after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pgo-restart-'));
    // A slow simulated node, so the stop lands while the bootstrap chain is under way.
    const config = loadConfig(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--kube-listen', '127.0.0.1:0', '--runtime-delay-ms', '300'], { PGO_NAMESPACES: 'pgouser1' });
    const log = pino({ level: 'warn' });
    let app: App = await startApp({ config, mode: 'embedded', log });
    try {
      await app.cache.synced();
      await until(() => app.controllers.isLeader, 'leadership');
      const caller = { username: 'pgoadmin', canAccess: () => true, can: () => true };
      const { createServices } = await import('../../src/domain/services.js');
      const { defaultSettings } = await import('../../src/domain/settings.js');
      const services = createServices({ cache: app.cache, writer: app.writer, settings: defaultSettings(), namespaces: ['pgouser1'], operatorNamespace: 'pgo', now: () => new Date() });
      await services.clusters.create(caller, { namespace: 'pgouser1', name: 'interrupted' });
      await until(() => app.cache.get(PGCLUSTER, 'pgouser1', 'interrupted')?.status?.state === CLUSTER_STATES.processed, 'Processed');
      assert.notEqual(app.cache.get(PGCLUSTER, 'pgouser1', 'interrupted')?.status?.state, CLUSTER_STATES.initialized);
      await app.close();
      app = await startApp({ config, mode: 'embedded', log });
      await app.cache.synced();
      await until(() => app.cache.get(PGCLUSTER, 'pgouser1', 'interrupted')?.status?.state === CLUSTER_STATES.initialized, 'Initialized after the restart');
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
