/**
 * Every root operation of the GraphQL schema with the pgo permission its resolver declares
 * (`@Authorized`, read from type-graphql's metadata), and a valid document calling it with
 * placeholder arguments, so tests cover operations added after they were written.
 */
import { getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType } from 'graphql';
import type { GraphQLArgument, GraphQLField, GraphQLInputField, GraphQLInputType, GraphQLOutputType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { RESOLVERS } from '../../src/graphql/schema.js';

export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface Operation {
  kind: OperationKind;
  field: string;
  /** The permissions `@Authorized` names (pgo operations name exactly one). */
  permissions: string[];
  /** Some argument or input field is called `namespace`. */
  namespaced: boolean;
  /** The operation can be called without naming a namespace. */
  namespaceOptional: boolean;
  /** Whether the answer is a list (of objects or names). */
  returnsList: boolean;
  /** The operation with required arguments filled and every `namespace` set to the given one. */
  document(namespace: string | null): string;
}

/** A DNS-label-like placeholder for every required string. */
export const PLACEHOLDER = 'matrix-probe';

const required = (a: GraphQLArgument | GraphQLInputField): boolean => isNonNullType(a.type) && a.defaultValue === undefined;

function literal(type: GraphQLInputType, name: string, namespace: string | null): string {
  if (isNonNullType(type)) return literal(type.ofType, name, namespace);
  if (isListType(type)) return `[${literal(type.ofType as GraphQLInputType, name, namespace)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) return `{ ${fieldsOf(Object.values(type.getFields()), namespace).join(', ')} }`;
  switch (type.name) {
    case 'Int':
    case 'Float':
      return '1';
    case 'Boolean':
      return 'false';
    default:
      return JSON.stringify(name === 'namespace' && namespace !== null ? namespace : PLACEHOLDER);
  }
}

/** The required fields (and a namespace when one is wanted) as `name: value` pairs. */
function fieldsOf(fields: readonly (GraphQLArgument | GraphQLInputField)[], namespace: string | null): string[] {
  return fields.filter((f) => required(f) || (f.name === 'namespace' && namespace !== null)).map((f) => `${f.name}: ${literal(f.type, f.name, namespace)}`);
}

function mentionsNamespace(fields: readonly (GraphQLArgument | GraphQLInputField)[], seen: Set<string>): boolean {
  return fields.some((f) => {
    if (f.name === 'namespace') return true;
    const named = getNamedType(f.type);
    if (!isInputObjectType(named) || seen.has(named.name)) return false;
    seen.add(named.name);
    return mentionsNamespace(Object.values(named.getFields()), seen);
  });
}

function needsNamespace(fields: readonly (GraphQLArgument | GraphQLInputField)[]): boolean {
  return fields.some((f) => {
    if (!required(f)) return false;
    if (f.name === 'namespace') return true;
    const named = getNamedType(f.type);
    return isInputObjectType(named) && needsNamespace(Object.values(named.getFields()));
  });
}

/**
 * `__typename` and, where the type has one, its `namespace`, so an answer shows where each object
 * lives; a type without one selects its first scalar and the objects it holds.
 */
export function selection(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return '{ __typename }';
  const fields = Object.values(named.getFields()).filter((f) => !f.args.some(required));
  const parts = ['__typename'];
  const namespace = fields.find((f) => f.name === 'namespace' && isLeafType(getNamedType(f.type)));
  if (namespace) parts.push('namespace');
  else {
    const leaf = fields.find((f) => isLeafType(getNamedType(f.type)));
    if (leaf) parts.push(leaf.name);
    if (depth < 3) for (const f of fields.filter((f) => isObjectType(getNamedType(f.type)))) parts.push(`${f.name} ${selection(f.type, depth + 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

function returnsList(type: GraphQLOutputType): boolean {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return true;
  const named = getNamedType(inner);
  return isObjectType(named) && Object.values(named.getFields()).some((f) => f.name === 'nodes' && isListType(isNonNullType(f.type) ? f.type.ofType : f.type));
}

/** The roles `@Authorized` gives the resolver method behind a root field of this kind. */
function permissionsOf(kind: OperationKind, field: string): string[] {
  const storage = getMetadataStorage();
  const handlers = { query: storage.queries, mutation: storage.mutations, subscription: storage.subscriptions }[kind];
  const targets = new Set<unknown>(RESOLVERS);
  const handler = handlers.find((h) => h.schemaName === field && targets.has(h.target));
  if (!handler) return [];
  const onMethod = storage.authorizedFields.find((a) => a.target === handler.target && a.fieldName === handler.methodName);
  const onClass = storage.authorizedResolver.find((a) => a.target === handler.target);
  return ((onMethod ?? onClass)?.roles ?? []).map(String);
}

function operation(kind: OperationKind, f: GraphQLField<unknown, unknown>): Operation {
  return {
    kind,
    field: f.name,
    permissions: permissionsOf(kind, f.name),
    namespaced: mentionsNamespace(f.args, new Set()),
    namespaceOptional: !needsNamespace(f.args),
    returnsList: returnsList(f.type),
    document(namespace) {
      const args = fieldsOf(f.args, namespace);
      return `${kind} { ${f.name}${args.length > 0 ? `(${args.join(', ')})` : ''} ${selection(f.type)} }`;
    },
  };
}

export function operations(schema: GraphQLSchema): Operation[] {
  const roots: [OperationKind, ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) => (type ? Object.values(type.getFields()).map((f) => operation(kind, f)) : []));
}
