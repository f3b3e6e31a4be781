/** Wiring only: read the configuration, start the app, stop it on SIGINT / SIGTERM. */
import { startApp } from './app.js';
import { ConfigError, helpRequested, helpText, ListenError, listenErrorMessage, loadConfig, resolveMode } from './config.js';
import type { LoadedConfig } from './config.js';
import { createLogger } from './observability/logger.js';

/** Exit status for a configuration the server refuses to start with. */
const EXIT_BAD_CONFIG = 2;

/** One line naming the setting, no stack trace: the person starting the server fixes a value, not code. */
function refuse(message: string): never {
  process.stderr.write(`pgo-graphql-server: ${message}\n`);
  process.exit(EXIT_BAD_CONFIG);
}

function configure(argv: string[]): { config: LoadedConfig; mode: ReturnType<typeof resolveMode> } {
  try {
    const config = loadConfig(argv, process.env);
    return { config, mode: resolveMode(config) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    refuse(e.message);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    process.stdout.write(helpText());
    return;
  }
  const { config, mode } = configure(argv);
  const log = createLogger(config.logLevel);
  const aborting = new AbortController();
  const starting = startApp({ config, mode, log, signal: aborting.signal });
  // Registered before the app is up: a signal during start-up (even one waiting for the Kubernetes API) still shuts down cleanly.
  const shutdown = async (signal: string): Promise<void> => {
    log.info({ signal }, 'shutting down');
    aborting.abort();
    const app = await starting.catch(() => undefined);
    await app?.close();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void shutdown(s));
  process.once('SIGTERM', (s) => void shutdown(s));
  try {
    await starting;
  } catch (e) {
    // startApp has closed whatever it started before the failure.
    if (aborting.signal.aborted) return;
    if (e instanceof ListenError) refuse(listenErrorMessage(e, config.names));
    throw e;
  }
}

await main();
