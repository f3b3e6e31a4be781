/**
 * Server-side apply without managedFields: the new object is live ⊕ (applied − previously applied
 * by the same manager). Fields and list entries the manager applied before and omits now are
 * removed; everything else another writer set survives. Maps merge; lists merge by their keys (a
 * CRD's `x-kubernetes-list-type: map`/`set`, a built-in kind's strategic merge keys); other lists
 * are atomic and replaced. Ownership is not tracked, so there are never conflicts.
 */
import type { JsonObject, JsonValue } from '../../json.js';
import { isJsonObject, jsonEqual } from '../../json.js';
import type { StructuralSchema } from '../crd-schema.js';
import { strategyFor } from './strategic-merge-patch.js';

/** How a list merges: by the values of its map keys, as a set of values, or replaced whole. */
export type ListType = { mapKeys: readonly string[] } | 'set' | 'atomic';

/** A position in a kind's type, for the lists below it. */
export interface ApplyShape {
  listType(): ListType;
  child(key: string): ApplyShape;
  item(): ApplyShape;
}

/** Built-in kinds: the strategic merge keys, addressed by field path as strategic-merge-patch.ts does. */
function builtinShape(kind: string, path: string): ApplyShape {
  return {
    listType: () => {
      const strategy = strategyFor(path, kind);
      if (strategy === undefined) return 'atomic';
      return strategy === 'primitive-set' ? 'set' : { mapKeys: [strategy.mergeKey] };
    },
    child: (key) => builtinShape(kind, path ? `${path}.${key}` : key),
    item: () => builtinShape(kind, `${path}[]`),
  };
}

/** Custom resources: the list types of the CRD schema; metadata is ObjectMeta as for every kind. */
function schemaShape(kind: string, schema: StructuralSchema | undefined, root: boolean): ApplyShape {
  return {
    listType: () => {
      const type = schema?.['x-kubernetes-list-type'];
      if (type === 'map') return { mapKeys: schema?.['x-kubernetes-list-map-keys'] ?? [] };
      return type === 'set' ? 'set' : 'atomic';
    },
    child: (key) => {
      if (root && key === 'metadata') return builtinShape(kind, 'metadata');
      const additional = schema?.additionalProperties;
      return schemaShape(kind, schema?.properties?.[key] ?? (typeof additional === 'object' ? additional : undefined), false);
    },
    item: () => schemaShape(kind, schema?.items, false),
  };
}

export function applyShape(kind: string, schema: StructuralSchema | undefined): ApplyShape {
  return schema ? schemaShape(kind, schema, true) : builtinShape(kind, '');
}

function mergeObject(live: JsonValue | undefined, applied: JsonObject, previous: JsonValue | undefined, shape: ApplyShape): JsonObject {
  const result: JsonObject = isJsonObject(live) ? { ...live } : {};
  if (isJsonObject(previous)) for (const key of Object.keys(previous)) if (!Object.hasOwn(applied, key)) delete result[key];
  for (const [key, value] of Object.entries(applied)) {
    if (value === null) delete result[key];
    else result[key] = mergeValue(result[key], value, isJsonObject(previous) ? previous[key] : undefined, shape.child(key));
  }
  return result;
}

function mergeValue(live: JsonValue | undefined, applied: JsonValue, previous: JsonValue | undefined, shape: ApplyShape): JsonValue {
  if (isJsonObject(applied)) return mergeObject(live, applied, previous, shape);
  if (!Array.isArray(applied) || !Array.isArray(live)) return structuredClone(applied);
  const type = shape.listType();
  const before = Array.isArray(previous) ? previous : [];
  if (type === 'set') {
    const dropped = before.filter((v) => !applied.some((a) => jsonEqual(a, v)));
    const kept = live.filter((v) => !dropped.some((d) => jsonEqual(d, v)));
    return [...kept, ...applied.filter((a) => !kept.some((v) => jsonEqual(v, a)))];
  }
  if (type === 'atomic' || ![...live, ...applied].every(isJsonObject)) return structuredClone(applied);
  return mergeMapList(live as JsonObject[], applied as JsonObject[], before.filter(isJsonObject), type.mapKeys, shape.item());
}

function mergeMapList(live: JsonObject[], applied: JsonObject[], previous: JsonObject[], keys: readonly string[], item: ApplyShape): JsonObject[] {
  const identity = (o: JsonObject): string => JSON.stringify(keys.map((k) => o[k] ?? null));
  const appliedIds = new Set(applied.map(identity));
  const dropped = new Set(previous.map(identity).filter((id) => !appliedIds.has(id)));
  const result = live.filter((o) => !dropped.has(identity(o)));
  for (const element of applied) {
    const id = identity(element);
    const index = result.findIndex((o) => identity(o) === id);
    const merged = mergeObject(index >= 0 ? result[index] : undefined, element, previous.find((o) => identity(o) === id), item);
    if (index >= 0) result[index] = merged;
    else result.push(merged);
  }
  return result;
}

/** The object after `manager` applies `applied`, having applied `previous` (undefined: never) before. */
export function applyServerSide(live: JsonObject, applied: JsonObject, previous: JsonObject | undefined, shape: ApplyShape): JsonObject {
  return mergeObject(live, applied, previous, shape);
}
