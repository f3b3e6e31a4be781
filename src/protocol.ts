/**
 * The vocabulary clients see, named once: GraphQL `extensions.code` values and the WebSocket close
 * codes of our GraphQL-over-WebSocket endpoint (graphql-ws owns 4400–4499 for its protocol; the
 * codes below are the ones this server closes with for its own reasons).
 */

export const GRAPHQL_CODES = {
  badUserInput: 'BAD_USER_INPUT',
  /** Apollo's code for a request that is not a usable GraphQL request (no query, a persisted-query hash that does not match …). */
  badRequest: 'BAD_REQUEST',
  notFound: 'NOT_FOUND',
  alreadyExists: 'ALREADY_EXISTS',
  conflict: 'CONFLICT',
  forbidden: 'FORBIDDEN',
  unauthenticated: 'UNAUTHENTICATED',
  /** The cluster is not in a state that allows the operation yet (no ready primary, restoring …). */
  unavailable: 'UNAVAILABLE',
  queryTooDeep: 'QUERY_TOO_DEEP',
  queryTooComplex: 'QUERY_TOO_COMPLEX',
  tooManySubscriptions: 'TOO_MANY_SUBSCRIPTIONS',
  internal: 'INTERNAL_SERVER_ERROR',
} as const;
export type GraphqlCode = (typeof GRAPHQL_CODES)[keyof typeof GRAPHQL_CODES];

export const WS_CLOSE_CODES = {
  /** No credentials in the connection_init payload nor the upgrade request. */
  unauthorized: 4401,
  /** graphql-ws: the credentials given were refused. */
  forbidden: 4403,
  /** A subscriber fell so far behind that its buffer overflowed; it must reconnect and resync. */
  tooSlow: 4408,
  /** The server is shutting down. */
  goingAway: 1001,
} as const;

/** The pgo 4.2.4 REST vocabulary (apiservermsgs and apiserver/root.go): Status codes and the fixed messages its clients match on. */
export const PGO_VERSION = '4.2.4';

export const PGO_STATUS = { ok: 'ok', error: 'error' } as const;
export type PgoStatusCode = (typeof PGO_STATUS)[keyof typeof PGO_STATUS];

export const PGO_MESSAGES = {
  versionMismatch: 'pgo client and server version mismatch',
  emptyNamespace: 'empty namespace is not valid from pgo clients',
  namespaceNotAllowed: (user: string, namespace: string) => `user [${user}] is not allowed access to namespace [${namespace}]`,
  namespaceNotInstalled: (namespace: string) => `namespace [${namespace}] is not part of the Operator installation`,
  /** 401 bodies, plain text as Go's http.Error wrote them. */
  credentialsMissing: 'Not Authorized. Basic Authentication credentials must be provided according to RFC 7617, Section 2.',
  notAuthenticated: 'Not authenticated in apiserver',
  /** 403 body. */
  notAuthorized: 'Not authorized for this apiserver action',
} as const;
