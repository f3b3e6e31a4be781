/**
 * Wiring only: read the configuration, reach Kubernetes (starting the embedded API server when no
 * cluster is configured), start the shared watch cache and serve the API port.
 */
import { join, resolve } from 'node:path';
import { ConfigError, helpText, loadConfig, resolveMode } from './config.js';
import type { LoadedConfig } from './config.js';
import { startEmbeddedServer } from './embedded/embedded-server.js';
import type { EmbeddedServer } from './embedded/embedded-server.js';
import { createKubeConfig, kubeEndpoint } from './kube/client.js';
import { CORE_RESOURCES, CUSTOM_RESOURCES, NAMESPACES } from './kube/resources.js';
import { WatchCache } from './kube/watch-cache.js';
import { createLogger } from './observability/logger.js';
import { startApiServer } from './server.js';
import { ensureCertificateAuthority, ensureServerCertificate } from './tls/pki.js';

const CRD_DIR = resolve(import.meta.dirname, '../../crds');

/** Exit status for a configuration the server refuses to start with. */
const EXIT_BAD_CONFIG = 2;

function configure(): { config: LoadedConfig; mode: ReturnType<typeof resolveMode> } {
  try {
    const config = loadConfig(process.argv.slice(2), process.env);
    return { config, mode: config.help ? 'embedded' : resolveMode(config) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`pgo-graphql-server: ${e.message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
}

async function main(): Promise<void> {
  const { config, mode } = configure();
  if (config.help) {
    process.stdout.write(helpText());
    return;
  }
  const log = createLogger(config.logLevel);

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
    [...CUSTOM_RESOURCES, ...CORE_RESOURCES.filter((h) => h !== NAMESPACES)].map((handle) => ({ handle })),
    { namespaces: config.namespaces, onError: (error, handle, namespace) => log.warn({ err: error, kind: handle.kind, namespace }, 'watch failed; retrying') },
  );
  cache.start();
  void cache.synced().then(() => log.info('watch caches synced'));

  let tls: { certPem: string; keyPem: string } | undefined;
  if (config.tls) {
    const tlsDir = join(config.dataDir, 'tls');
    const ca = ensureCertificateAuthority(tlsDir);
    const cert = ensureServerCertificate(tlsDir, 'apiserver', ca, ['localhost', '127.0.0.1', '::1', config.listen.host].filter((h) => h !== '0.0.0.0' && h !== '::'));
    tls = { certPem: cert.certPem, keyPem: cert.keyPem };
  }
  const api = await startApiServer({ host: config.listen.host, port: config.listen.port, readiness: cache, ...(tls ? { tls } : {}) });
  log.info({ url: api.url, tls: Boolean(tls) }, 'API server listening (GET /healthz, /readyz)');

  const shutdown = async (signal: string): Promise<void> => {
    log.info({ signal }, 'shutting down');
    cache.stop();
    await api.close();
    await embedded?.close();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void shutdown(s));
  process.once('SIGTERM', (s) => void shutdown(s));
}

await main();
