/**
 * GraphQL over HTTP on `/graphql`: Apollo Server driven from node:http (Apollo 5 ships no
 * node:http integration; this is the documented `executeHTTPGraphQLRequest` route). Every
 * operation is authenticated; bodies over the limit are refused before parsing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Authenticator } from '../auth/basic-auth.js';
import { readLimitedBody } from '../http/read-body.js';
import { GRAPHQL_CODES } from '../protocol.js';
import { createContext } from './context.js';
import type { GraphQLContext, SharedContext } from './context.js';
import { codedError } from './errors.js';
import { complexityError, depthRule, MAX_BODY_BYTES } from './limits.js';

export const GRAPHQL_PATH = '/graphql';

export interface GraphqlHttpOptions {
  schema: GraphQLSchema;
  shared: SharedContext;
  authenticator: Authenticator;
  introspection: boolean;
  onError?: (error: unknown) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function errorBody(message: string, code: string): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code } }] };
}

const complexityPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, request }) {
        const error = complexityError(schema, document, request.variables ?? undefined, request.operationName ?? undefined);
        // The caller's mistake: Apollo answers 500 for a plugin's error unless told the status.
        if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
      },
    };
  },
};

/** A subscription needs a connection that stays open: over HTTP its resolver would run with no event. */
const noSubscriptionPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription') throw new GraphQLError(`subscriptions are served over WebSocket (graphql-ws) at ${GRAPHQL_PATH}`, { extensions: { code: GRAPHQL_CODES.badUserInput, http: { status: 400 } } });
      },
    };
  },
};

function isClientStatus(http: unknown): boolean {
  const status = (http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export class GraphqlHttpHandler {
  private readonly apollo: ApolloServer<GraphQLContext>;

  private constructor(private readonly options: GraphqlHttpOptions) {
    this.apollo = new ApolloServer<GraphQLContext>({
      schema: options.schema,
      introspection: options.introspection,
      csrfPrevention: true,
      // main.ts owns shutdown; Apollo's own signal handlers would re-raise the signal after stopping.
      stopOnTerminationSignals: false,
      validationRules: [depthRule()],
      plugins: [noSubscriptionPlugin, complexityPlugin],
      // Stack traces stay in the log, never in answers.
      includeStacktraceInErrorResponses: false,
      formatError: (formatted, error) => {
        if (error instanceof GraphQLError) {
          const coded = codedError(error);
          if (coded !== error) return coded.toJSON();
        }
        // Apollo answers some caller mistakes (a persisted-query hash that does not match its query) with a 4xx but no code.
        if (formatted.extensions?.code === GRAPHQL_CODES.internal && error instanceof GraphQLError && isClientStatus(error.extensions.http)) {
          return { ...formatted, extensions: { ...formatted.extensions, code: GRAPHQL_CODES.badRequest } };
        }
        if (formatted.extensions?.code === GRAPHQL_CODES.internal) options.onError?.(error);
        // Apollo re-codes every validation error; the depth rule's own code says more.
        const original = error instanceof GraphQLError ? error.originalError : undefined;
        if (original instanceof GraphQLError && original.extensions.code === GRAPHQL_CODES.queryTooDeep) return { ...formatted, extensions: { ...formatted.extensions, ...original.extensions } };
        return formatted;
      },
    });
  }

  static async start(options: GraphqlHttpOptions): Promise<GraphqlHttpHandler> {
    const handler = new GraphqlHttpHandler(options);
    await handler.apollo.start();
    return handler;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = this.options.authenticator.authenticate(req.headers.authorization);
    if (!caller) {
      req.resume();
      sendJson(res, 401, errorBody('authentication required: send HTTP basic credentials', GRAPHQL_CODES.unauthenticated), { 'WWW-Authenticate': 'Basic realm="pgo"' });
      return;
    }
    const raw = req.method === 'POST' ? await readLimitedBody(req, MAX_BODY_BYTES) : Buffer.alloc(0);
    if (raw === undefined) {
      sendJson(res, 413, errorBody(`request body exceeds ${MAX_BODY_BYTES} bytes`, GRAPHQL_CODES.badUserInput));
      return;
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendJson(res, 400, errorBody('request body is not valid JSON', GRAPHQL_CODES.badUserInput));
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await this.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => createContext(caller, this.options.shared),
    });
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of response.headers) outHeaders[key] = value;
    if (response.body.kind === 'complete') {
      outHeaders['content-length'] = String(Buffer.byteLength(response.body.string));
      res.writeHead(response.status ?? 200, outHeaders);
      res.end(response.body.string);
      return;
    }
    res.writeHead(response.status ?? 200, outHeaders);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async stop(): Promise<void> {
    await this.apollo.stop();
  }
}
