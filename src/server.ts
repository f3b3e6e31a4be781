/**
 * The product's HTTP(S) server on PGO_LISTEN: health probes, the GraphQL API (HTTP and WebSocket)
 * and the legacy pgo 4.2.4 REST routes.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { GRAPHQL_PATH } from './graphql/http-handler.js';
import type { GraphqlHttpHandler } from './graphql/http-handler.js';
import type { GraphqlWsServer } from './graphql/ws-server.js';
import { handleHealth } from './observability/health.js';
import { METRICS_PATH } from './observability/metrics.js';
import type { ReadinessSource } from './observability/health.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  /** PEM certificate and key; undefined serves plain HTTP (PGO_TLS=false). With `clientCaPem`, clients must present a certificate it signed. */
  tls?: { certPem: string; keyPem: string; clientCaPem?: string };
  readiness: ReadinessSource;
  graphql: GraphqlHttpHandler;
  graphqlWs: GraphqlWsServer;
  /** GET /metrics: Prometheus text for authenticated callers. */
  metrics?: { authorized(authorization: string | undefined): boolean; text(): Promise<string> };
  /** Serves GET /graphql to browsers (the explorer page); answers false when it did not. */
  explorer?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The legacy pgo REST routes; answers false for a path that is not one of them. */
  rest?: (req: IncomingMessage, res: ServerResponse) => boolean;
  onError?: (error: unknown) => void;
}

export interface ApiServer {
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      route(req, res);
    } catch (error) {
      // A bug in one route must cost one request, never the process.
      options.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { message: 'internal error' });
      else res.destroy();
    }
  };
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    // Probes stay open: kubelet cannot present a client certificate.
    if (handleHealth(req, res, options.readiness)) return;
    if (!clientCertificateAccepted(req)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('a client certificate signed by the configured client CA is required\n');
      return;
    }
    if (options.explorer?.(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (path === METRICS_PATH && options.metrics) {
      if (!options.metrics.authorized(req.headers.authorization)) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="pgo"', 'Content-Type': 'text/plain' });
        res.end('authentication required');
        return;
      }
      options.metrics.text().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(text);
        },
        (error: unknown) => {
          options.onError?.(error);
          sendJson(res, 500, { message: 'internal error' });
        },
      );
      return;
    }
    if (path === GRAPHQL_PATH) {
      options.graphql.handle(req, res).catch((error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'internal error' }] });
        else res.destroy();
      });
      return;
    }
    if (options.rest?.(req, res)) return;
    sendJson(res, 404, { message: 'not found' });
  };
  const clientCa = options.tls?.clientCaPem;
  // The handshake asks for a certificate without failing, so the probes answer and others get a clear 401.
  const clientCertificateAccepted = (req: IncomingMessage): boolean => clientCa === undefined || (req.socket as TLSSocket).authorized;
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: false } : {}) }, listener)
    : createHttpServer(listener);
  options.graphqlWs.attach(server, clientCertificateAccepted);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    // The handlers are closed with the server; one that never listened closes them now.
    await options.graphqlWs.close();
    await options.graphql.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: async () => {
      await options.graphqlWs.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await options.graphql.stop();
    },
  };
}
