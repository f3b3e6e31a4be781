/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the same port and path as HTTP. The caller
 * authenticates with the upgrade request's Authorization header or `connectionParams.authorization`;
 * every subscription document passes the same depth and cost limits as HTTP queries.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, parse, specifiedRules, validate } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/basic-auth.js';
import type { Caller } from '../domain/context.js';
import { GRAPHQL_CODES, WS_CLOSE_CODES } from '../protocol.js';
import { createContext } from './context.js';
import { codedError } from './errors.js';
import type { SharedContext } from './context.js';
import { GRAPHQL_PATH } from './http-handler.js';
import { complexityError, depthRule } from './limits.js';

export interface GraphqlWsOptions {
  schema: GraphQLSchema;
  shared: SharedContext;
  authenticator: Authenticator;
}

/** What onConnect learns about a connection and onSubscribe reads back. */
type ConnectionExtra = { caller?: Caller };

export class GraphqlWsServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly dispose: () => void | Promise<void>;

  constructor(options: GraphqlWsOptions) {
    const server = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
      {
        schema: options.schema,
        onConnect: (ctx) => {
          const fromParams = ctx.connectionParams?.authorization;
          const header = typeof fromParams === 'string' ? fromParams : ctx.extra.request.headers.authorization;
          const caller = options.authenticator.authenticate(header);
          if (!caller) return false; // graphql-ws closes with 4403 Forbidden
          ctx.extra.caller = caller;
          return true;
        },
        onSubscribe: (ctx, _id, payload) => {
          let document;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError(String(error), { extensions: { code: GRAPHQL_CODES.badUserInput } })];
          }
          const errors = validate(options.schema, document, [...specifiedRules, depthRule()]);
          if (errors.length > 0) return errors;
          const tooComplex = complexityError(options.schema, document, payload.variables ?? undefined, payload.operationName ?? undefined);
          if (tooComplex) return [tooComplex];
          const caller = ctx.extra.caller as Caller;
          return { schema: options.schema, document, variableValues: payload.variables ?? null, operationName: payload.operationName ?? null, contextValue: createContext(caller, options.shared) };
        },
        onNext: (_ctx, _id, _payload, _args, result) => {
          if (!result.errors) return undefined;
          return { ...result, errors: result.errors.map(codedError) };
        },
        onError: (_ctx, _id, _payload, errors) => errors.map(codedError),
      },
      this.wss,
    );
    this.dispose = () => server.dispose();
  }

  /** Attaches to the HTTP(S) server's upgrade event for GRAPHQL_PATH; other paths are refused. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== GRAPHQL_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.close(WS_CLOSE_CODES.goingAway, 'server shutting down');
    await this.dispose();
  }
}
