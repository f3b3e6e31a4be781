/**
 * Starts the embedded Kubernetes-compatible API server: opens the store, seeds the standard
 * namespaces, installs the CRDs from crds/, collects garbage left by a crash, and serves HTTPS with a
 * generated CA and bearer token, both written into a kubeconfig in the data directory.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { JsonObject } from '../json.js';
import { isJsonObject, jsonEqual } from '../json.js';
import { constantTimeEqual, ensureCertificateAuthority, ensureServerCertificate, generateToken } from '../tls/pki.js';
import { ApiCore } from './api-core.js';
import { HttpLayer } from './http-server.js';
import { CRD_TYPE, NAMESPACE_TYPE, ResourceRegistry } from './resource-types.js';
import { Store } from './store.js';
import type { StoreOptions } from './store.js';
import { WatchHub } from './watch-hub.js';

/** Namespaces every real cluster starts with. */
export const SEEDED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
export const DATABASE_FILE = 'kube.db';
export const KUBECONFIG_FILE = 'kubeconfig';
export const TOKEN_FILE = 'token';
export const TLS_DIR = 'tls';

export interface EmbeddedServerOptions {
  dataDir: string;
  host: string;
  port: number;
  /** Directory of CRD manifests installed at start (create if absent, update if changed). */
  crdDir?: string;
  /** Extra namespaces to create at start (the ones the product manages). */
  namespaces?: string[];
  watchWindow?: number;
  /** Interval of BOOKMARK events on watches that ask for them (default BOOKMARK_INTERVAL_MS). */
  bookmarkIntervalMs?: number;
  /** Plain HTTP without authentication, loopback only: for tests of clients that cannot do TLS. */
  insecure?: boolean;
  synchronous?: StoreOptions['synchronous'];
  onError?: (error: unknown) => void;
}

export interface EmbeddedServer {
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly caPath: string;
  readonly token: string;
  /** Closes every connection (watches included) and the store. */
  close(): Promise<void>;
}

function writeSecretFile(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function ensureToken(dataDir: string): string {
  const path = join(dataDir, TOKEN_FILE);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token) return token;
  }
  const token = generateToken();
  writeSecretFile(path, `${token}\n`);
  return token;
}

function kubeconfigYaml(server: string, caPem: string | undefined, token: string | undefined): string {
  const cluster = caPem ? `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}\n    server: ${server}` : `    insecure-skip-tls-verify: true\n    server: ${server}`;
  const user = token ? `    token: ${token}` : '    {}';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: embedded',
    '  cluster:',
    cluster,
    'users:',
    '- name: embedded-admin',
    '  user:',
    user,
    'contexts:',
    '- name: embedded',
    '  context:',
    '    cluster: embedded',
    '    user: embedded-admin',
    'current-context: embedded',
    'preferences: {}',
    '',
  ].join('\n');
}

function readCrdManifests(dir: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const value = doc.toJSON() as unknown;
      if (isJsonObject(value) && value.kind === 'CustomResourceDefinition') out.push(value);
    }
  }
  return out;
}

function seed(core: ApiCore, options: EmbeddedServerOptions): void {
  const write = { dryRun: false, fieldValidation: 'Ignore' as const };
  for (const name of [...SEEDED_NAMESPACES, ...(options.namespaces ?? [])]) {
    if (!core.store.get('core/namespaces', '', name)) core.create(NAMESPACE_TYPE, '', { metadata: { name } }, write);
  }
  if (!options.crdDir) return;
  for (const crd of readCrdManifests(options.crdDir)) {
    const name = isJsonObject(crd.metadata) ? String(crd.metadata.name ?? '') : '';
    const existing = core.store.get('apiextensions.k8s.io/customresourcedefinitions', '', name);
    if (!existing) core.create(CRD_TYPE, '', crd, write);
    else {
      const stored = JSON.parse(existing.json) as JsonObject;
      if (!jsonEqual(stored.spec, crd.spec)) {
        core.update(CRD_TYPE, '', name, { ...crd, metadata: { ...(crd.metadata as JsonObject), resourceVersion: String(existing.rv) } }, undefined, write);
      }
    }
  }
}

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  // The store holds every Secret: only this user may read the directory it lives in.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const storeOptions: StoreOptions = {};
  if (options.watchWindow !== undefined) storeOptions.watchWindow = options.watchWindow;
  if (options.synchronous !== undefined) storeOptions.synchronous = options.synchronous;
  const store = new Store(join(options.dataDir, DATABASE_FILE), storeOptions);
  try {
    return await serve(store, options);
  } catch (e) {
    // The store holds an exclusive lock: a failed start (a port in use) must not keep the data directory locked.
    store.close();
    throw e;
  }
}

async function serve(store: Store, options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const registry = new ResourceRegistry();
  const core = new ApiCore(store, registry);
  const hub = new WatchHub();
  store.onCommit((event) => hub.dispatch(event));
  seed(core, options);
  core.collectGarbage();

  let address = `${options.host}:${options.port}`;
  const layerOptions: ConstructorParameters<typeof HttpLayer>[0] = { core, hub, serverAddress: () => address, ready: () => true };
  if (options.onError) layerOptions.onError = options.onError;
  if (options.bookmarkIntervalMs !== undefined) layerOptions.bookmarkIntervalMs = options.bookmarkIntervalMs;
  let server: Server;
  let token = '';
  let caPath = '';
  let caPem: string | undefined;
  if (options.insecure) {
    server = createHttpServer(new HttpLayer(layerOptions).handle);
  } else {
    token = ensureToken(options.dataDir);
    const tlsDir = join(options.dataDir, TLS_DIR);
    mkdirSync(tlsDir, { recursive: true });
    const ca = await ensureCertificateAuthority(tlsDir);
    const hosts = [...new Set(['localhost', '127.0.0.1', '::1', options.host].filter((h) => h && h !== '0.0.0.0' && h !== '::'))];
    const cert = await ensureServerCertificate(tlsDir, 'kube-apiserver', ca, hosts);
    caPath = ca.certPath;
    caPem = ca.certPem;
    const expected = token;
    layerOptions.authenticate = (presented) => constantTimeEqual(presented, expected);
    server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, new HttpLayer(layerOptions).handle);
  }
  // Watches are long-lived: no server-wide timeout may cut them.
  server.requestTimeout = 0;
  server.timeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const clientHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const hostPart = clientHost.includes(':') ? `[${clientHost}]` : clientHost;
  address = `${hostPart}:${bound.port}`;
  const url = `${options.insecure ? 'http' : 'https'}://${address}`;
  const kubeconfigPath = join(options.dataDir, KUBECONFIG_FILE);
  writeSecretFile(kubeconfigPath, kubeconfigYaml(url, caPem, options.insecure ? undefined : token));

  return {
    url,
    kubeconfigPath,
    caPath,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
