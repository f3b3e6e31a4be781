/**
 * Runs an embedded API server in its own process (so a test can kill -9 it) and prints its URL and
 * kubeconfig path as one JSON line once it listens. Arguments: <dataDir> <port> <crdDir>.
 */
import { startEmbeddedServer } from '../../src/embedded/embedded-server.js';

const [dataDir, port, crdDir] = process.argv.slice(2);
const server = await startEmbeddedServer({ dataDir, host: '127.0.0.1', port: Number(port), crdDir, namespaces: ['pgouser1'] });
process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfigPath: server.kubeconfigPath })}\n`);
