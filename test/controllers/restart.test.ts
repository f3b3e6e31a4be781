/** The controllers pick up half-done work where it stopped when the server restarts. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { startApp } from '../../src/app.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import * as k8s from '@kubernetes/client-node';
import { BACKUP_JOB_STATUS, CLUSTER_STATES } from '../../src/domain/constants.js';
import { PGBACKUP, PGCLUSTER } from '../../src/domain/custom-resources.js';
import { JOBS } from '../../src/kube/resources.js';
import { startTestServer } from '../support/embedded.js';

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

describe('a Job that finishes while no controller runs', () => {
  test('is seen when the controllers start again, and its Pgbackup completes', async () => {
    // A separate API server and no simulated node: only this test finishes the Job, while the app is down.
    const api = await startTestServer({ namespaces: ['pgouser1', 'pgo'] });
    const config = loadConfig(['--listen', '127.0.0.1:0', '--kubeconfig', api.server.kubeconfigPath], { PGO_NAMESPACES: 'pgouser1' });
    const log = pino({ level: 'warn' });
    let app: App = await startApp({ config, mode: 'kubeconfig', log });
    const custom = api.kc.makeApiClient(k8s.CustomObjectsApi);
    const batch = api.kc.makeApiClient(k8s.BatchV1Api);
    try {
      await app.cache.synced();
      await custom.createNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace: 'pgouser1', plural: 'pgbackups', body: { apiVersion: 'crunchydata.com/v1', kind: 'Pgbackup', metadata: { name: 'offline', namespace: 'pgouser1' }, spec: { name: 'offline', backuphost: 'offline', backupusersecret: 'offline-postgres-secret' } } });
      await until(() => app.cache.get(JOBS, 'pgouser1', 'backup-offline-1') !== undefined, 'the backup Job');
      await app.close();

      await batch.patchNamespacedJobStatus({ namespace: 'pgouser1', name: 'backup-offline-1', body: { status: { succeeded: 1 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      app = await startApp({ config, mode: 'kubeconfig', log });
      await app.cache.synced();
      await until(() => app.cache.get(PGBACKUP, 'pgouser1', 'offline')?.spec.backupstatus === BACKUP_JOB_STATUS.completed, 'the Pgbackup to complete', 30_000);
    } finally {
      await app.close();
      await api.dispose();
    }
  });
});
