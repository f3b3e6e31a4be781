/**
 * The whole process as one startable unit: Kubernetes (embedded or not), the shared watch cache,
 * the domain services and the API server. `main.ts` runs it from the configuration; tests start it
 * in-process on free ports.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ensureAdminCredentials } from './auth/admin-credentials.js';
import type { Credentials } from './auth/admin-credentials.js';
import { PgoUserAuthenticator } from './auth/basic-auth.js';
import { ensureFirstAdmin } from './auth/first-admin.js';
import { UserStore } from './auth/user-store.js';
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
import { CORE_RESOURCES, CUSTOM_RESOURCES, NAMESPACES, SECRETS } from './kube/resources.js';
import { WatchCache } from './kube/watch-cache.js';
import { KubeWriter } from './kube/writer.js';
import { Metrics } from './observability/metrics.js';
import { startApiServer } from './server.js';
import { ensureCertificateAuthority, ensureServerCertificate } from './tls/pki.js';

export const CRD_DIR = resolve(import.meta.dirname, '../../crds');

export interface AppOptions {
  config: Config;
  mode: 'embedded' | 'kubeconfig' | 'in-cluster';
  log: Logger;
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

export async function startApp(options: AppOptions): Promise<App> {
  const { config, mode, log } = options;
  let embedded: EmbeddedServer | undefined;
  let kubeconfigPath = config.kubeconfig;
  if (mode === 'embedded') {
    embedded = await startEmbeddedServer({
      dataDir: config.dataDir,
      host: config.kubeListen.host,
      port: config.kubeListen.port,
      crdDir: CRD_DIR,
      namespaces: [...config.namespaces, config.operatorNamespace],
      watchWindow: config.watchWindow,
      onError: (error) => log.error({ err: error }, 'embedded API server error'),
    });
    kubeconfigPath = embedded.kubeconfigPath;
    log.info({ mode, kubeApi: embedded.url, dataDir: config.dataDir }, 'embedded Kubernetes API server started');
    log.info(`reach the embedded API with: kubectl --kubeconfig ${embedded.kubeconfigPath} get pgclusters -A`);
  }
  const kc = createKubeConfig(mode, kubeconfigPath);
  log.info({ mode, kubeApi: kubeEndpoint(kc) }, 'using Kubernetes API');

  const cache = new WatchCache(
    kc,
    // Secrets are watched in the operator namespace too: pgo users and roles live there.
    [...CUSTOM_RESOURCES, ...CORE_RESOURCES.filter((h) => h !== NAMESPACES)].map((handle) => (handle === SECRETS ? { handle, namespaces: [...new Set([...config.namespaces, config.operatorNamespace])] } : { handle })),
    { namespaces: config.namespaces, onError: (error, handle, namespace) => log.warn({ err: error, kind: handle.kind, namespace }, 'watch failed; retrying') },
  );
  cache.start();
  void cache.synced().then(() => log.info('watch caches synced'));
  const writer = new KubeWriter(kc);
  const ctx: ServiceContext = { cache, writer, settings: defaultSettings(), namespaces: config.namespaces, operatorNamespace: config.operatorNamespace, now: () => new Date() };
  const shared = { services: createServices(ctx), hub: cache.hub, changes: new ChangeLog(cache.hub, CUSTOM_RESOURCES.map((h) => h.kind)) };

  // Controllers and the simulated node write through clients of their own, as separate components would.
  const controllerWriter = new KubeWriter(kc);
  const runtimeWriter = new KubeWriter(kc);
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
  // The simulated kubelet exists only beside the embedded API; a real cluster has real nodes.
  const runtime = embedded ? new NodeRuntime({ cache, hub: cache.hub, writer: runtimeWriter, delayMs: config.runtimeDelayMs, onError: (error) => log.warn({ err: error }, 'simulated node runtime error') }) : undefined;
  void cache.synced().then(() => {
    if (config.controllers) manager.start();
    runtime?.start();
  });

  const admin = ensureAdminCredentials(config.dataDir, config.adminUsername, config.adminPassword);
  if (await ensureFirstAdmin(writer, config.operatorNamespace, admin)) {
    log.info({ username: admin.username, ...(config.adminPassword === undefined ? { passwordFile: join(config.dataDir, 'admin-credentials') } : {}) }, 'first administrator created');
  }
  const authenticator = new PgoUserAuthenticator(new UserStore(cache, config.operatorNamespace), config.namespaces);
  const schema = await graphqlSchema();
  const onError = (error: unknown): void => log.error({ err: error }, 'request failed');
  const graphql = await GraphqlHttpHandler.start({ schema, shared, authenticator, introspection: config.introspection, onError });
  const graphqlWs = new GraphqlWsServer({ schema, shared, authenticator, introspection: config.introspection, maxSubscriptionsPerUser: config.maxSubscriptionsPerUser, onExecution: () => metrics.subscriptionExecutions.inc() });

  const rest = new RestHandler({ routes: REST_ROUTES, authenticator, services: shared.services, onError });

  let tls: { certPem: string; keyPem: string; clientCaPem?: string } | undefined;
  if (config.tls) {
    if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
      tls = { certPem: readFileSync(config.tlsCert, 'utf8'), keyPem: readFileSync(config.tlsKey, 'utf8') };
    } else {
      const tlsDir = join(config.dataDir, 'tls');
      const ca = ensureCertificateAuthority(tlsDir);
      const cert = ensureServerCertificate(tlsDir, 'apiserver', ca, [config.listen.host].filter((h) => h !== '0.0.0.0' && h !== '::'));
      tls = { certPem: cert.certPem, keyPem: cert.keyPem };
    }
    if (config.tlsClientCa !== undefined) tls.clientCaPem = readFileSync(config.tlsClientCa, 'utf8');
  }
  const api = await startApiServer({ host: config.listen.host, port: config.listen.port, readiness: cache, graphql, graphqlWs, explorer: explorerHandler(authenticator), rest: (req, res) => rest.handle(req, res), metrics: { authorized: (h) => authenticator.authenticate(h) !== undefined, text: () => metrics.text() }, onError, ...(tls ? { tls } : {}) });
  log.info({ url: api.url, tls: Boolean(tls) }, 'API server listening (GraphQL at /graphql, pgo 4.2.4 REST routes at /, GET /healthz, /readyz)');

  return {
    url: api.url,
    kubeconfigPath,
    embedded,
    admin,
    cache,
    writer,
    controllers: manager,
    close: async () => {
      await api.close();
      await runtime?.stop();
      await manager.stop();
      shared.changes.close();
      await cache.stop();
      writer.close();
      controllerWriter.close();
      runtimeWriter.close();
      await embedded?.close();
    },
  };
}
