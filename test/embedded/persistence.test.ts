import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startEmbeddedServer } from '../../src/embedded/embedded-server.js';
import { pgcluster } from '../support/fixtures.js';
import { CRD_DIR, raw, REPO_ROOT, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';
import { untilTrue } from '../support/until.js';

const G = { group: 'crunchydata.com', version: 'v1', plural: 'pgclusters', namespace: 'pgouser1' };
const COLLECTION = '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters';
/** Long enough for an informer to reconnect and relist; a wrong outcome never converges. */
const RECOVERY_DEADLINE_MS = 10_000;
const CHILD = join(REPO_ROOT, 'dist/test/support/embedded-child.js');

function startChild(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string; kubeconfigPath: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dataDir, String(port), CRD_DIR], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`embedded server exited with ${String(code)}`)));
    createInterface(child.stdout as NodeJS.ReadableStream).once('line', (line) => {
      const info = JSON.parse(line) as { url: string; kubeconfigPath: string };
      child.removeAllListeners('exit');
      resolve({ child, ...info });
    });
  });
}

function clientFor(kubeconfigPath: string): k8s.CustomObjectsApi {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(k8s.CustomObjectsApi);
}

/**
 * Replaces a running plain-HTTP server by one on the same port with a brand-new data directory, as
 * when an operator wipes the store under running clients (whose kubeconfig stays valid).
 */
async function wipe(t: TestServer): Promise<TestServer> {
  const port = Number(new URL(t.server.url).port);
  await t.dispose();
  return startTestServer({ namespaces: ['pgouser1'], insecure: true, port });
}

describe('persistence', () => {
  test('objects and resourceVersions survive a restart and a watch resumes across it', async () => {
    const t = await startTestServer({ namespaces: ['pgouser1'] });
    try {
      const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
      const created = (await custom.createNamespacedCustomObject({ ...G, body: pgcluster('durable', 'pgouser1') })) as { metadata: { resourceVersion: string; uid: string } };
      await t.restart();
      const read = (await custom.getNamespacedCustomObject({ ...G, name: 'durable' })) as typeof created;
      assert.deepEqual(read.metadata, { ...read.metadata, resourceVersion: created.metadata.resourceVersion, uid: created.metadata.uid });
      await custom.deleteNamespacedCustomObject({ ...G, name: 'durable' });
      await t.restart();
      const events: string[] = [];
      await new Promise<void>((resolve, reject) => {
        void new k8s.Watch(t.kc).watch(
          '/apis/crunchydata.com/v1/namespaces/pgouser1/pgclusters',
          { resourceVersion: created.metadata.resourceVersion, timeoutSeconds: 1 },
          (type, obj: { metadata: { name: string } }) => events.push(`${type} ${obj.metadata.name}`),
          (err) => (err ? reject(err as Error) : resolve()),
        );
      });
      assert.deepEqual(events, ['DELETED durable']);
    } finally {
      await t.dispose();
    }
  });

  test('a kill -9 during a burst of writes loses no acknowledged write', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pgo-kill9-'));
    try {
      let server = await startChild(dataDir, 0);
      const port = Number(new URL(server.url).port);
      const custom = clientFor(server.kubeconfigPath);
      const acknowledged: string[] = [];
      let next = 0;
      let killed = false;
      const writer = async (): Promise<void> => {
        while (!killed) {
          const name = `burst-${next++}`;
          try {
            await custom.createNamespacedCustomObject({ ...G, body: pgcluster(name, 'pgouser1') });
            acknowledged.push(name);
          } catch {
            return;
          }
        }
      };
      const writers = Array.from({ length: 16 }, () => writer());
      while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 5));
      killed = true;
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGKILL');
      await Promise.all(writers);
      await exited;
      server = await startChild(dataDir, port);
      try {
        const list = (await clientFor(server.kubeconfigPath).listNamespacedCustomObject({ ...G })) as { items: { metadata: { name: string } }[] };
        const stored = new Set(list.items.map((i) => i.metadata.name));
        const lost = acknowledged.filter((n) => !stored.has(n));
        assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes lost`);
      } finally {
        server.child.kill('SIGKILL');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a client-node informer relists after the store is wiped instead of keeping objects that are gone', async () => {
    let t = await startTestServer({ namespaces: ['pgouser1'], insecure: true });
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    const informer = k8s.makeInformer(t.kc, COLLECTION, () => custom.listNamespacedCustomObject({ ...G }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>);
    // What an application does (client-node stops on a failed reconnect): start again a little later.
    let running = true;
    informer.on('error', () => setTimeout(() => void (running && informer.start()), 100));
    const names = () => informer.list().map((o) => o.metadata?.name).sort();
    try {
      await custom.createNamespacedCustomObject({ ...G, body: pgcluster('before-wipe', 'pgouser1') });
      await informer.start();
      await untilTrue(async () => names().includes('before-wipe'), 'the informer to see the first object', RECOVERY_DEADLINE_MS);
      t = await wipe(t);
      await custom.createNamespacedCustomObject({ ...G, body: pgcluster('after-wipe', 'pgouser1') });
      await untilTrue(async () => names().join() === 'after-wipe', `the informer to hold only the new store's object (has ${names().join()})`, RECOVERY_DEADLINE_MS);
    } finally {
      running = false;
      await informer.stop();
      await t.dispose();
    }
  });

  test('what a manager applied server-side survives a restart: a field it then omits is removed', async () => {
    const t = await startTestServer({ namespaces: ['pgouser1'] });
    try {
      const path = '/api/v1/namespaces/pgouser1/configmaps/applied?fieldManager=kubectl';
      // No kept-alive socket may outlive the restart.
      const apply = { 'Content-Type': 'application/apply-patch+yaml', Connection: 'close' };
      assert.equal((await raw(t, 'PATCH', path, { metadata: { name: 'applied' }, data: { kept: '1', dropped: '1' } }, apply)).status, 201);
      await t.restart();
      const res = await raw(t, 'PATCH', path, { metadata: { name: 'applied' }, data: { kept: '1' } }, apply);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json().data, { kept: '1' });
    } finally {
      await t.dispose();
    }
  });

  test('a server whose port is in use fails to start and leaves its data directory free for the next start', async () => {
    const busy = await startTestServer({ insecure: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'pgo-embedded-'));
    try {
      const port = Number(new URL(busy.server.url).port);
      await assert.rejects(startEmbeddedServer({ dataDir, host: '127.0.0.1', port, insecure: true }), /EADDRINUSE/);
      const next = await startEmbeddedServer({ dataDir, host: '127.0.0.1', port: 0, insecure: true });
      await next.close();
    } finally {
      await busy.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a continue token from a wiped store answers 410 Expired', async () => {
    let t = await startTestServer({ namespaces: ['pgouser1'], insecure: true });
    try {
      const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
      for (const name of ['page-a', 'page-b']) await custom.createNamespacedCustomObject({ ...G, body: pgcluster(name, 'pgouser1') });
      const first = (await custom.listNamespacedCustomObject({ ...G, limit: 1 })) as { metadata: { continue: string } };
      t = await wipe(t);
      await assert.rejects(custom.listNamespacedCustomObject({ ...G, limit: 1, _continue: first.metadata.continue }), (e) => {
        assert.ok(e instanceof k8s.ApiException);
        assert.equal(e.code, 410);
        assert.equal((JSON.parse(String(e.body)) as { reason: string }).reason, 'Expired');
        return true;
      });
    } finally {
      await t.dispose();
    }
  });
});
