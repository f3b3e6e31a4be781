/**
 * Relay connections. Cursors are opaque to clients: base64url of the item's `namespace/name`,
 * the order lists are sorted in, so a page boundary survives inserts and deletes elsewhere.
 */
import { Field, Int, ObjectType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { PageInfo } from './common.js';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

export function Connection<T extends object>(Item: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String, { description: 'Pass it as after to continue after this item.' }) cursor!: string;
    @Field(() => Item, { description: 'The item itself.' }) node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} objects, sorted by namespace then name.` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: 'The items of this page, each with its cursor.' }) edges!: EdgeType[];
    @Field(() => [Item], { description: 'The nodes of the edges, for clients that need no cursors.' }) nodes!: T[];
    @Field(() => PageInfo, { description: 'Whether more pages follow, and the cursors to reach them.' }) pageInfo!: PageInfo;
    @Field(() => Int, { description: 'Items matching the filter across all pages.' }) totalCount!: number;
  }
  return ConnectionType;
}

export function encodeCursor(namespace: string, name: string): string {
  return Buffer.from(`${namespace}/${name}`).toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[a-z0-9-]+\/[a-z0-9.-]+$/.test(text) ? text : undefined;
}
