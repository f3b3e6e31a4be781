/** Relay pagination over a list already filtered in memory (from the watch cache). */
import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor } from '../schema/connection.js';
import type { ConnectionShape } from '../schema/connection.js';
import type { KubeObject } from '../src/kube/resources.js';
import { GRAPHQL_CODES } from '../src/protocol.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

function sortKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function paginate<T extends KubeObject, N>(objects: T[], first: number | undefined, after: string | undefined, toNode: (o: T) => N): ConnectionShape<N> {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new GraphQLError(`first: must be between 0 and ${MAX_PAGE_SIZE}`, { extensions: { code: GRAPHQL_CODES.badUserInput, field: 'first' } });
  }
  const sorted = objects.map((o) => ({ key: sortKey(o), o })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let start = 0;
  if (after !== undefined && after !== null) {
    const key = decodeCursor(after);
    if (key === undefined) throw new GraphQLError('after: not a cursor this server issued', { extensions: { code: GRAPHQL_CODES.badUserInput, field: 'after' } });
    start = sorted.findIndex((e) => e.key > key);
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + size);
  const edges = page.map((e) => ({ cursor: encodeCursor(e.o.metadata.namespace ?? '', e.o.metadata.name), node: toNode(e.o) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    totalCount: sorted.length,
    pageInfo: {
      hasNextPage: start + size < sorted.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
