/** Wiring only: read the configuration, start the app, stop it on SIGINT / SIGTERM. */
import { startApp } from './app.js';
import { ConfigError, helpText, loadConfig, resolveMode } from './config.js';
import type { LoadedConfig } from './config.js';
import { createLogger } from './observability/logger.js';

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
  const starting = startApp({ config, mode, log });
  // Registered before the app is up: a signal during start-up still shuts down cleanly.
  const shutdown = async (signal: string): Promise<void> => {
    log.info({ signal }, 'shutting down');
    await (await starting).close();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void shutdown(s));
  process.once('SIGTERM', (s) => void shutdown(s));
  await starting;
}

await main();
