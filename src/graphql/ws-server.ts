/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the same port and path as HTTP. The caller
 * authenticates with the upgrade request's Authorization header or `connectionParams.authorization`;
 * every subscription document passes the same depth and cost limits as HTTP queries. Subscription
 * results go out through a SocketRelay (serialized once, bounded per socket).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, parse, print, specifiedRules, validate } from 'graphql';
import type { ExecutionArgs, ExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/basic-auth.js';
import type { Caller } from '../domain/context.js';
import { GRAPHQL_CODES, WS_CLOSE_CODES } from '../protocol.js';
import { createContext } from './context.js';
import { codedError } from './errors.js';
import { executePerEvent } from './event-execution.js';
import type { GraphQLContext, SharedContext } from './context.js';
import { SocketRelay } from './socket-relay.js';
import { SubscriptionFanout } from './subscription-fanout.js';
import { GRAPHQL_PATH } from './http-handler.js';
import { complexityError, depthRule } from './limits.js';

export interface GraphqlWsOptions {
  schema: GraphQLSchema;
  maxSubscriptionsPerUser?: number;
  /** Whether introspection is answered, as over HTTP. */
  introspection: boolean;
  shared: SharedContext;
  authenticator: Authenticator;
  /** Called once per execution of a subscription document for an event (a shared group counts once). */
  onExecution?: () => void;
}

/** What onConnect learns about a connection and onSubscribe reads back. */
type ConnectionExtra = { caller?: Caller; active?: Set<string> };

/** Live subscriptions one user may hold across all its connections, unless configured otherwise. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_USER = 100;

/** Live-only subscriptions: a late joiner of a shared one sees exactly what it would alone. */
const SHAREABLE_FIELDS = new Set(['clusterChanged', 'replicaChanged', 'taskChanged', 'policyChanged']);

/**
 * The key under which identical subscriptions share one execution, or undefined when this one must
 * run alone (it resumes from a resourceVersion, or sends an initial state of its own). The whole
 * document counts (its fragments choose the fields), and so does the user: a joiner does not pass
 * the permission check that starting an execution runs, so only the user who started it may join.
 */
function shareKey(args: ExecutionArgs, managed: readonly string[]): string | undefined {
  const operation = args.document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName));
  if (!operation) return undefined;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || !SHAREABLE_FIELDS.has(selection.name.value)) return undefined;
    if (selection.arguments?.some((a) => a.name.value === 'since')) return undefined;
  }
  const caller = (args.contextValue as GraphQLContext).caller;
  const visibility = managed.filter((n) => caller.canAccess(n)).join(',');
  return JSON.stringify([caller.username, print(args.document), args.operationName ?? null, args.variableValues ?? {}, visibility]);
}

function isResults(result: object): result is AsyncIterator<ExecutionResult> {
  return 'next' in result;
}

export class GraphqlWsServer {
  private readonly fanout = new SubscriptionFanout();
  private readonly perUser = new Map<string, number>();
  private readonly maxPerUser: number;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly dispose: () => void | Promise<void>;

  constructor(options: GraphqlWsOptions) {
    this.maxPerUser = options.maxSubscriptionsPerUser ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_USER;
    const onExecution = options.onExecution ?? (() => undefined);
    const server = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
      {
        schema: options.schema,
        onConnect: (ctx) => {
          const fromParams = ctx.connectionParams?.authorization;
          const header = typeof fromParams === 'string' ? fromParams : ctx.extra.request.headers.authorization;
          if (!header) {
            ctx.extra.socket.close(WS_CLOSE_CODES.unauthorized, 'Unauthorized: send credentials in the connection_init payload');
            return false;
          }
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
          const errors = validate(options.schema, document, [...specifiedRules, depthRule(), ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])]);
          if (errors.length > 0) return errors;
          const tooComplex = complexityError(options.schema, document, payload.variables ?? undefined, payload.operationName ?? undefined);
          if (tooComplex) return [tooComplex];
          const caller = ctx.extra.caller as Caller;
          const held = this.perUser.get(caller.username) ?? 0;
          if (held >= this.maxPerUser) {
            return [new GraphQLError(`user ${caller.username} already holds ${held} subscriptions, the most allowed; close some first`, { extensions: { code: GRAPHQL_CODES.tooManySubscriptions, limit: this.maxPerUser } })];
          }
          this.perUser.set(caller.username, held + 1);
          (ctx.extra.active ??= new Set()).add(_id);
          return { schema: options.schema, document, variableValues: payload.variables ?? null, operationName: payload.operationName ?? null, contextValue: createContext(caller, options.shared) };
        },
        subscribe: (args) => {
          const caller = (args.contextValue as GraphQLContext).caller;
          const start = () => executePerEvent(args, () => createContext(caller, options.shared), onExecution);
          const key = shareKey(args, options.shared.services.ctx.namespaces);
          return key === undefined ? start() : this.fanout.subscribe(key, start);
        },
        onOperation: (ctx, id, _payload, _args, result) => (typeof result === 'object' && result !== null && isResults(result) ? new SocketRelay(ctx.extra.socket, id, result) : undefined),
        // Only single results (an error answered instead of a stream) still go out through graphql-ws.
        onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(codedError) } : undefined),
        onError: (_ctx, _id, _payload, errors) => errors.map(codedError),
        onComplete: (ctx, id) => this.release(ctx.extra, id),
        onClose: (ctx) => {
          for (const id of [...(ctx.extra.active ?? [])]) this.release(ctx.extra, id);
        },
      },
      this.wss,
    );
    this.dispose = () => server.dispose();
  }

  /** A subscription ended (completed, or its connection closed): the user's count goes down. */
  private release(extra: ConnectionExtra, id: string): void {
    if (!extra.caller || !extra.active?.delete(id)) return;
    const left = (this.perUser.get(extra.caller.username) ?? 1) - 1;
    if (left > 0) this.perUser.set(extra.caller.username, left);
    else this.perUser.delete(extra.caller.username);
  }

  /** Attaches to the HTTP(S) server's upgrade event for GRAPHQL_PATH; other paths are refused. */
  /** Serves upgrades to GRAPHQL_PATH; `accepted` refuses connections the TLS layer did not admit. */
  attach(server: Server, accepted: (req: IncomingMessage) => boolean = () => true): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== GRAPHQL_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      if (!accepted(req)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
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
