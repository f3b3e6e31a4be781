/**
 * Conformance with unmodified kubectl, driven exactly as a person would: the one that ships on
 * these machines (a dispatcher that runs the kubectl matching the server's reported minor version)
 * and Debian's 1.20, which scripts/test-tools.sh unpacks under .tools/.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { pgcluster } from '../support/fixtures.js';
import { REPO_ROOT, startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const run = promisify(execFile);

const KUBECTLS = [
  { name: 'the dispatched kubectl', binary: 'kubectl' },
  { name: "Debian's kubectl 1.20", binary: join(REPO_ROOT, '.tools/debian-kubectl/usr/bin/kubectl') },
];

for (const { name, binary } of KUBECTLS) describe(`${name} against the embedded server`, () => {
  let t: TestServer;
  let cacheDir: string;
  let manifest: string;

  function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(binary, ['--kubeconfig', t.server.kubeconfigPath, '--cache-dir', cacheDir, ...args], { timeout: 60_000 });
  }

  before(async () => {
    t = await startTestServer({ namespaces: ['pgouser1'] });
    cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
    manifest = join(cacheDir, 'hippo.json');
    writeFileSync(manifest, JSON.stringify(pgcluster('hippo', 'pgouser1')));
  });
  after(async () => {
    await t.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('kubectl version reports the embedded server as 1.29', async () => {
    const { stdout } = await kubectl('version', '-o', 'json');
    const version = JSON.parse(stdout) as { serverVersion: { major: string; minor: string } };
    assert.equal(version.serverVersion.minor, '29');
  });

  test('kubectl api-resources lists the pgo kinds', async () => {
    const { stdout } = await kubectl('api-resources', '--api-group=crunchydata.com', '-o', 'name');
    assert.deepEqual(stdout.trim().split('\n').sort(), ['pgbackups.crunchydata.com', 'pgclusters.crunchydata.com', 'pgpolicies.crunchydata.com', 'pgreplicas.crunchydata.com', 'pgtasks.crunchydata.com']);
  });

  test('kubectl apply -f creates a pgcluster and a second apply is quiet', async () => {
    const first = await kubectl('apply', '-f', manifest);
    assert.match(first.stdout, /pgcluster\.crunchydata\.com\/hippo created/);
    const second = await kubectl('apply', '-f', manifest);
    assert.match(second.stdout, /pgcluster\.crunchydata\.com\/hippo unchanged/);
  });

  test('kubectl get -o json returns the stored object with its capitalised keys', async () => {
    const { stdout } = await kubectl('get', 'pgclusters', 'hippo', '-n', 'pgouser1', '-o', 'json');
    const object = JSON.parse(stdout) as { spec: { PrimaryStorage: { size: string } } };
    assert.equal(object.spec.PrimaryStorage.size, '1G');
  });

  test('kubectl get -l filters by label and prints a table', async () => {
    const { stdout } = await kubectl('get', 'pgclusters', '-A', '-l', 'pg-cluster=hippo');
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], /^NAMESPACE\s+NAME/);
    assert.match(lines[1], /^pgouser1\s+hippo/);
    const none = await kubectl('get', 'pgclusters', '-n', 'pgouser1', '-l', 'pg-cluster=nobody');
    assert.match(none.stderr, /No resources found/);
  });

  test('kubectl patch --type merge and --type json change the object', async () => {
    await kubectl('patch', 'pgcluster', 'hippo', '-n', 'pgouser1', '--type', 'merge', '-p', '{"spec":{"port":"5433"}}');
    await kubectl('patch', 'pgcluster', 'hippo', '-n', 'pgouser1', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/database","value":"otherdb"}]');
    const { stdout } = await kubectl('get', 'pgcluster', 'hippo', '-n', 'pgouser1', '-o', 'jsonpath={.spec.port} {.spec.database}');
    assert.equal(stdout, '5433 otherdb');
  });

  test('kubectl patch without --type on a custom resource fails as on a real cluster', async () => {
    await assert.rejects(kubectl('patch', 'pgcluster', 'hippo', '-n', 'pgouser1', '-p', '{"spec":{"port":"1"}}'), (e: { stderr: string }) => {
      assert.match(e.stderr, /UnsupportedMediaType|unknown format|not supported/i);
      return true;
    });
  });

  test('kubectl get -w sees ADDED, MODIFIED and DELETED', async () => {
    const watcher = spawn(binary, ['--kubeconfig', t.server.kubeconfigPath, '--cache-dir', cacheDir, 'get', 'configmaps', '-n', 'pgouser1', '-w', '--output-watch-events']);
    let out = '';
    watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await kubectl('create', 'configmap', 'watched', '-n', 'pgouser1', '--from-literal=a=1');
      await kubectl('label', 'configmap', 'watched', '-n', 'pgouser1', 'x=y');
      await kubectl('delete', 'configmap', 'watched', '-n', 'pgouser1');
      const deadline = Date.now() + 10_000;
      while (!out.includes('DELETED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const events = out.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((word) => word !== 'EVENT');
      assert.deepEqual(events, ['ADDED', 'MODIFIED', 'DELETED']);
    } finally {
      watcher.kill();
    }
  });

  test('kubectl delete removes the pgcluster and waits for it', async () => {
    const { stdout } = await kubectl('delete', 'pgcluster', 'hippo', '-n', 'pgouser1');
    assert.match(stdout, /pgcluster\.crunchydata\.com "hippo" deleted/);
    await assert.rejects(kubectl('get', 'pgcluster', 'hippo', '-n', 'pgouser1'), (e: { stderr: string }) => {
      assert.match(e.stderr, /NotFound/);
      return true;
    });
  });

  test('kubectl get crd lists the installed CustomResourceDefinitions', async () => {
    const { stdout } = await kubectl('get', 'crd', '-o', 'name');
    assert.match(stdout, /customresourcedefinition\.apiextensions\.k8s\.io\/pgclusters\.crunchydata\.com/);
  });

  test('kubectl create namespace creates it', async () => {
    const { stdout } = await kubectl('create', 'namespace', 'made-by-kubectl');
    assert.match(stdout, /namespace\/made-by-kubectl created/);
  });
});
