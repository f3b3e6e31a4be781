/**
 * The product's HTTP(S) server on PGO_LISTEN: the one port that serves health probes now and the
 * GraphQL API and the legacy pgo REST routes as they land.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { handleHealth } from './observability/health.js';
import type { ReadinessSource } from './observability/health.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  /** PEM certificate and key; undefined serves plain HTTP (PGO_TLS=false). */
  tls?: { certPem: string; keyPem: string };
  readiness: ReadinessSource;
}

export interface ApiServer {
  readonly url: string;
  close(): Promise<void>;
}

function notFound(res: ServerResponse): void {
  const body = JSON.stringify({ message: 'not found' });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (handleHealth(req, res, options.readiness)) return;
    notFound(res);
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
