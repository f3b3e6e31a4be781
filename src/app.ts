/**
 * The whole process as one startable unit: Kubernetes (embedded or not), the shared watch cache,
 * the domain services and the API server. `main.ts` runs it from the configuration; tests start it
 * in-process on free ports.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ensureAdminCredentials } from './auth/admin-credentials.js';
import type { Credentials } from './auth/admin-credentials.js';
import { PgoUserAuthenticator } from './auth/basic-auth.js';
import { ensureFirstAdmin } from './auth/first-admin.js';
import { UserStore } from './auth/user-store.js';
import { listeningOn } from './config.js';
import type { Config } from './config.js';
import type { ServiceContext } from './domain/context.js';
import { defaultSettings } from './domain/settings.js';
import { startEmbeddedServer } from './embedded/embedded-server.js';
import { NodeRuntime } from './embedded/node-runtime.js';
import { ControllerManager } from '../controllers/manager.js';
import type { EmbeddedServer } from './embedded/embedded-server.js';
import { ChangeLog } from './graphql/change-log.js';
import { explorerHandler } from './graphql/explorer.js';
import { GraphqlHttpHandler } from './graphql/http-handler.js';
import { graphqlSchema } from './graphql/schema.js';
import { createServices } from './domain/services.js';
import { RestHandler } from './rest/rest-handler.js';
import { REST_ROUTES } from './rest/routes.js';
import { GraphqlWsServer } from './graphql/ws-server.js';
import { createKubeConfig, kubeEndpoint } from './kube/client.js';
import { CORE_RESOURCES, CUSTOM_RESOURCES, NAMESPACES, PGTASKS, SECRETS } from './kube/resources.js';
import type { ResourceHandle } from './kube/resources.js';
import { WatchCache } from './kube/watch-cache.js';
import type { WatchSpec } from './kube/watch-cache.js';
import { taskCluster } from './domain/task-ownership.js';
import type { Pgtask } from './domain/custom-resources.js';
import { KubeWriter } from './kube/writer.js';
import { Metrics } from './observability/metrics.js';
import { startApiServer } from './server.js';
import { ensureCertificateAuthority, ensureServerCertificate } from './tls/pki.js';

export const CRD_DIR = resolve(import.meta.dirname, '../../crds');

export interface AppOptions {
  config: Config;
  mode: 'embedded' | 'kubeconfig' | 'in-cluster';
  log: Logger;
  /** Aborts a start still waiting for the Kubernetes API (a shutdown signal during start-up). */
  signal?: AbortSignal;
}

export interface App {
  readonly url: string;
  readonly kubeconfigPath: string | undefined;
  readonly embedded: EmbeddedServer | undefined;
  readonly admin: Credentials;
  readonly cache: WatchCache;
  readonly writer: KubeWriter;
  readonly controllers: ControllerManager;
  close(): Promise<void>;
}

/** What has started, closed newest first: by App.close, or at once when a later part fails to start. */
class Teardown {
  private readonly steps: (() => Promise<void> | void)[] = [];
  closing = false;

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    this.closing = true;
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

/**
 * Secrets are watched in the operator namespace too: pgo users and roles live there. Tasks are
 * indexed by the cluster they belong to, which for some 4.2.4 task types is a parameter, not the
 * `pg-cluster` label (src/domain/task-ownership.ts).
 */
function watchSpec(handle: ResourceHandle, config: Config): WatchSpec {
  if (handle === SECRETS) return { handle, namespaces: [...new Set([...config.namespaces, config.operatorNamespace])] };
  if (handle === PGTASKS) return { handle, clusterOf: (task) => taskCluster(task as Pgtask) };
  return { handle };
}

/** Nothing stays running when a start fails: the embedded API server, watches and handlers are closed before the error surfaces. */
export async function startApp(options: AppOptions): Promise<App> {
  const teardown = new Teardown();
  try {
    return await startParts(options, teardown);
  } catch (error) {
    await teardown.run().catch((closeError: unknown) => options.log.warn({ err: closeError }, 'closing after a failed start failed'));
    throw error;
  }
}

const FIRST_ADMIN_RETRY_INITIAL_MS = 200;
const FIRST_ADMIN_RETRY_MAX_MS = 10_000;

/**
 * ensureFirstAdmin, retried until the Kubernetes API answers (down, starting, timing out, refusing
 * for now: every failure is retried, as the watches retry theirs); true when it created the administrator.
 */
async function firstAdminOnceReachable(writer: KubeWriter, namespace: string, admin: Credentials, log: Logger, signal: AbortSignal | undefined): Promise<boolean> {
  for (let waitMs = FIRST_ADMIN_RETRY_INITIAL_MS; ; waitMs = Math.min(waitMs * 2, FIRST_ADMIN_RETRY_MAX_MS)) {
    signal?.throwIfAborted();
    try {
      return await ensureFirstAdmin(writer, namespace, admin);
    } catch (error) {
      log.warn({ err: error, retryInMs: waitMs }, 'first administrator: Kubernetes API not available; retrying');
      await delay(waitMs, undefined, signal ? { signal } : {});
    }
  }
}

/** The API server's certificate: the configured pair, or one signed by the data directory's CA. */
function serverTls(config: Config): { certPem: string; keyPem: string; clientCaPem?: string } | undefined {
  if (!config.tls) return undefined;
  let tls: { certPem: string; keyPem: string; clientCaPem?: string };
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    tls = { certPem: readFileSync(config.tlsCert, 'utf8'), keyPem: readFileSync(config.tlsKey, 'utf8') };
  } else {
    const tlsDir = join(config.dataDir, 'tls');
    const ca = ensureCertificateAuthority(tlsDir);
    const cert = ensureServerCertificate(tlsDir, 'apiserver', ca, [config.listen.host].filter((h) => h !== '0.0.0.0' && h !== '::'));
    tls = { certPem: cert.certPem, keyPem: cert.keyPem };
  }
  if (config.tlsClientCa !== undefined) tls.clientCaPem = readFileSync(config.tlsClientCa, 'utf8');
  return tls;
}

async function startParts(options: AppOptions, teardown: Teardown): Promise<App> {
  const { config, mode, log } = options;
  // Before anything listens: a certificate problem must not leave a half-started process.
  const tls = serverTls(config);
  let embedded: EmbeddedServer | undefined;
  let kubeconfigPath = config.kubeconfig;
  if (mode === 'embedded') {
    const started = await listeningOn(
      'kubeListen',
      config.kubeListen,
      startEmbeddedServer({
        dataDir: config.dataDir,
        host: config.kubeListen.host,
        port: config.kubeListen.port,
        crdDir: CRD_DIR,
        namespaces: [...config.namespaces, config.operatorNamespace],
        watchWindow: config.watchWindow,
        onError: (error) => log.error({ err: error }, 'embedded API server error'),
      }),
    );
    embedded = started;
    teardown.add(() => started.close());
    kubeconfigPath = embedded.kubeconfigPath;
    log.info({ mode, kubeApi: embedded.url, dataDir: config.dataDir }, 'embedded Kubernetes API server started');
    log.info(`reach the embedded API with: kubectl --kubeconfig ${embedded.kubeconfigPath} get pgclusters -A`);
  }
  const kc = createKubeConfig(mode, kubeconfigPath);
  log.info({ mode, kubeApi: kubeEndpoint(kc) }, 'using Kubernetes API');

  // Controllers and the simulated node write through clients of their own, as separate components would.
  const writer = new KubeWriter(kc);
  const controllerWriter = new KubeWriter(kc);
  const runtimeWriter = new KubeWriter(kc);
  teardown.add(() => {
    writer.close();
    controllerWriter.close();
    runtimeWriter.close();
  });
  const cache = new WatchCache(
    kc,
    [...CUSTOM_RESOURCES, ...CORE_RESOURCES.filter((h) => h !== NAMESPACES)].map((handle) => watchSpec(handle, config)),
    { namespaces: config.namespaces, onError: (error, handle, namespace) => log.warn({ err: error, kind: handle.kind, namespace }, 'watch failed; retrying') },
  );
  cache.start();
  teardown.add(() => cache.stop());
  void cache.synced().then(() => log.info('watch caches synced'));
  const ctx: ServiceContext = { cache, writer, settings: defaultSettings(), namespaces: config.namespaces, operatorNamespace: config.operatorNamespace, now: () => new Date() };
  const shared = { services: createServices(ctx), hub: cache.hub, changes: new ChangeLog(cache.hub, CUSTOM_RESOURCES.map((h) => h.kind)) };
  teardown.add(() => shared.changes.close());

  const metrics = new Metrics();
  const manager = new ControllerManager({
    metrics,
    cache,
    hub: cache.hub,
    writer: controllerWriter,
    settings: ctx.settings,
    leaseNamespace: config.operatorNamespace,
    onLeadership: (leading) => log.info({ identity: manager.identity }, leading ? 'leading: controllers started' : 'no longer leading: controllers stopped'),
    onError: (error) => log.warn({ err: error }, 'reconcile failed; retrying'),
    onElectionError: (error) => log.warn({ err: error, lease: config.operatorNamespace }, 'leader election: lease update failed; retrying'),
  });
  teardown.add(() => manager.stop());
  // The simulated kubelet exists only beside the embedded API; a real cluster has real nodes.
  const runtime = embedded ? new NodeRuntime({ cache, hub: cache.hub, writer: runtimeWriter, delayMs: config.runtimeDelayMs, onError: (error) => log.warn({ err: error }, 'simulated node runtime error') }) : undefined;
  if (runtime) teardown.add(() => runtime.stop());
  void cache.synced().then(() => {
    // A start that failed, or an app closed, before the caches synced starts nothing.
    if (teardown.closing) return;
    if (config.controllers) manager.start();
    runtime?.start();
  });

  const admin = ensureAdminCredentials(config.dataDir, config.adminUsername, config.adminPassword);
  const authenticator = new PgoUserAuthenticator(new UserStore(cache, config.operatorNamespace), config.namespaces);
  const schema = await graphqlSchema();
  const onError = (error: unknown): void => log.error({ err: error }, 'request failed');
  const graphql = await GraphqlHttpHandler.start({ schema, shared, authenticator, introspection: config.introspection, onError });
  const graphqlWs = new GraphqlWsServer({ schema, shared, authenticator, introspection: config.introspection, maxSubscriptionsPerUser: config.maxSubscriptionsPerUser, onExecution: () => metrics.subscriptionExecutions.inc() });
  const rest = new RestHandler({ routes: REST_ROUTES, authenticator, services: shared.services, onError });

  let adminEnsured = false;
  // Ready once logins work: every cache synced and the first administrator in place.
  const readiness = { isSynced: () => adminEnsured && cache.isSynced() };
  const api = await listeningOn(
    'listen',
    config.listen,
    startApiServer({ host: config.listen.host, port: config.listen.port, readiness, graphql, graphqlWs, explorer: explorerHandler(authenticator), rest: (req, res) => rest.handle(req, res), metrics: { authorized: (h) => authenticator.authenticate(h) !== undefined, text: () => metrics.text() }, onError, ...(tls ? { tls } : {}) }),
  );
  teardown.add(() => api.close());
  log.info({ url: api.url, tls: Boolean(tls) }, 'API server listening (GraphQL at /graphql, pgo 4.2.4 REST routes at /, GET /healthz, /readyz)');

  // Listening first: while the Kubernetes API is not reachable yet, /healthz answers and /readyz says 503.
  if (await firstAdminOnceReachable(writer, config.operatorNamespace, admin, log, options.signal)) {
    log.info({ username: admin.username, ...(config.adminPassword === undefined ? { passwordFile: join(config.dataDir, 'admin-credentials') } : {}) }, 'first administrator created');
  }
  adminEnsured = true;

  return {
    url: api.url,
    kubeconfigPath,
    embedded,
    admin,
    cache,
    writer,
    controllers: manager,
    close: () => teardown.run(),
  };
}
