/**
 * The vocabulary clients see, named once: GraphQL `extensions.code` values and the WebSocket close
 * codes of our GraphQL-over-WebSocket endpoint (graphql-ws owns 4400–4499 for its protocol; the
 * codes below are the ones this server closes with for its own reasons).
 */

export const GRAPHQL_CODES = {
  badUserInput: 'BAD_USER_INPUT',
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
  /** graphql-ws: the connection_init payload was refused. */
  forbidden: 4403,
  /** A subscriber fell so far behind that its buffer overflowed; it must reconnect and resync. */
  tooSlow: 4408,
  /** The server is shutting down. */
  goingAway: 1001,
} as const;
