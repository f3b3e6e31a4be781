/**
 * Strategic merge patch for built-in kinds, as kubectl's client-side apply sends it: a merge patch
 * whose lists merge element by element on their merge key, plus the directives `$patch`,
 * `$retainKeys`, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`. No `$` key ever
 * reaches storage. The merge keys come from the patchMergeKey tags of k8s.io/api for the fields
 * this project writes; every other list is atomic.
 */
import type { JsonObject, JsonValue } from '../../json.js';
import { isJsonObject, jsonEqual } from '../../json.js';
import { badRequest } from '../api-error.js';

export type ListStrategy = { mergeKey: string } | 'primitive-set';

const CONTAINERS = '(containers|initContainers|ephemeralContainers)';

/** Field paths (list elements written `[]`) and how their lists merge. */
const LIST_RULES: { pattern: RegExp; strategy: ListStrategy; kinds?: string[] }[] = [
  { pattern: new RegExp(`(^|\\.)spec\\.${CONTAINERS}$`), strategy: { mergeKey: 'name' } },
  { pattern: new RegExp(`\\.${CONTAINERS}\\[\\]\\.env$`), strategy: { mergeKey: 'name' } },
  { pattern: new RegExp(`\\.${CONTAINERS}\\[\\]\\.ports$`), strategy: { mergeKey: 'containerPort' } },
  { pattern: new RegExp(`\\.${CONTAINERS}\\[\\]\\.volumeMounts$`), strategy: { mergeKey: 'mountPath' } },
  { pattern: new RegExp(`\\.${CONTAINERS}\\[\\]\\.volumeDevices$`), strategy: { mergeKey: 'devicePath' } },
  { pattern: /(^|\.)spec\.volumes$/, strategy: { mergeKey: 'name' } },
  { pattern: /(^|\.)spec\.imagePullSecrets$/, strategy: { mergeKey: 'name' } },
  { pattern: /(^|\.)spec\.hostAliases$/, strategy: { mergeKey: 'ip' } },
  { pattern: /(^|\.)spec\.topologySpreadConstraints$/, strategy: { mergeKey: 'topologyKey' } },
  { pattern: /(^|\.)metadata\.ownerReferences$/, strategy: { mergeKey: 'uid' } },
  { pattern: /(^|\.)metadata\.finalizers$/, strategy: 'primitive-set' },
  { pattern: /^spec\.ports$/, strategy: { mergeKey: 'port' }, kinds: ['Service'] },
  { pattern: /(^|\.)status\.conditions$/, strategy: { mergeKey: 'type' } },
];

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/** How the list at a field path (elements written `[]`) of a built-in kind merges; undefined: atomic. */
export function strategyFor(path: string, kind: string): ListStrategy | undefined {
  return LIST_RULES.find((r) => r.pattern.test(path) && (!r.kinds || r.kinds.includes(kind)))?.strategy;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Removes directives from a value that is stored as given (a new list element, a replaced value). */
function clean(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.filter((v) => !(isJsonObject(v) && v.$patch !== undefined && Object.keys(v).length === 1)).map(clean);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = clean(v);
  return out;
}

function mergeList(original: JsonValue | undefined, patch: JsonValue[], path: string, kind: string): JsonValue[] {
  const strategy = strategyFor(path, kind);
  if (patch.some((v) => isJsonObject(v) && v.$patch === 'replace')) return clean(patch.filter((v) => !(isJsonObject(v) && v.$patch === 'replace'))) as JsonValue[];
  const base = Array.isArray(original) ? original : [];
  if (strategy === undefined) return clean(patch) as JsonValue[];
  if (strategy === 'primitive-set') {
    const out = [...base];
    for (const v of patch) if (!out.some((o) => jsonEqual(o, v))) out.push(v);
    return out;
  }
  const key = strategy.mergeKey;
  const out = [...base];
  for (const element of patch) {
    if (!isJsonObject(element)) throw badRequest(`${path}: expected an object with merge key "${key}" in a strategic merge list`);
    const index = out.findIndex((o) => isJsonObject(o) && jsonEqual(o[key], element[key]));
    if (element.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (element.$patch !== undefined) throw badRequest(`${path}: unknown $patch directive ${JSON.stringify(element.$patch)}`);
    if (index >= 0) out[index] = mergeObject(out[index] as JsonObject, element, `${path}[]`, kind) ?? {};
    else out.push(clean(element));
  }
  return out;
}

function applyOrder(list: JsonValue[], order: JsonValue[], strategy: ListStrategy | undefined): JsonValue[] {
  const identity = (v: JsonValue): JsonValue => (strategy && strategy !== 'primitive-set' && isJsonObject(v) ? (v[strategy.mergeKey] ?? null) : v);
  const wanted = order.map(identity);
  const position = (v: JsonValue): number => {
    const i = wanted.findIndex((w) => jsonEqual(w, identity(v)));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return list
    .map((v, i) => ({ v, i }))
    .sort((a, b) => position(a.v) - position(b.v) || a.i - b.i)
    .map((x) => x.v);
}

/** Merges `patch` into `original`; undefined means the map was deleted by `$patch: delete`. */
function mergeObject(original: JsonObject | undefined, patch: JsonObject, path: string, kind: string): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return clean(patch) as JsonObject;
  if (directive !== undefined) throw badRequest(`${path || 'the patch'}: unknown $patch directive ${JSON.stringify(directive)}`);
  const result: JsonObject = { ...(original ?? {}) };
  const orders = new Map<string, JsonValue[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      if (!Array.isArray(value)) throw badRequest(`${join(path, key)} must be a list`);
      orders.set(key.slice(SET_ORDER.length), value);
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw badRequest(`${join(path, key)} must be a list`);
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((v) => !value.some((d) => jsonEqual(d, v)));
      continue;
    }
    if (key.startsWith('$')) throw badRequest(`${join(path, key)}: unknown strategic merge patch directive`);
    const childPath = join(path, key);
    if (value === null) delete result[key];
    else if (Array.isArray(value)) result[key] = mergeList(result[key], value, childPath, kind);
    else if (isJsonObject(value)) {
      const merged = mergeObject(isJsonObject(result[key]) ? (result[key] as JsonObject) : undefined, value, childPath, kind);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else result[key] = value;
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list)) result[field] = applyOrder(list, order, strategyFor(join(path, field), kind));
  }
  if (patch.$retainKeys !== undefined) {
    if (!Array.isArray(patch.$retainKeys)) throw badRequest(`${join(path, '$retainKeys')} must be a list`);
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
  }
  return result;
}

export function applyStrategicMergePatch(target: JsonObject, patch: JsonObject, kind: string): JsonObject {
  const merged = mergeObject(target, patch, '', kind);
  if (merged === undefined) throw badRequest('a strategic merge patch cannot delete the whole object');
  return merged;
}
