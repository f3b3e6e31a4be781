/**
 * `meta.k8s.io/v1` Table rendering for `kubectl get`: custom resources get the columns of their CRD's
 * additionalPrinterColumns, built-in kinds a generic Name/Age table (which real servers also accept).
 */
import type { JsonObject, JsonValue } from '../json.js';
import { isJsonObject } from '../json.js';
import type { PrinterColumn, ResourceType } from './resource-types.js';

const NAME_COLUMN: PrinterColumn = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, jsonPath: '.metadata.name' };
const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  jsonPath: '.metadata.creationTimestamp',
};

export interface TableRequest {
  version: 'v1' | 'v1beta1';
  includeObject: 'None' | 'Metadata' | 'Object';
}

/** Table when the Accept header asks for one (`as=Table;g=meta.k8s.io`), undefined otherwise. */
export function tableRequest(accept: string | undefined, includeObject: string | undefined): TableRequest | undefined {
  if (!accept) return undefined;
  const ranges = accept.split(',').map((r) => r.trim());
  let version: 'v1' | 'v1beta1' | undefined;
  for (const range of ranges) {
    const params = new Map(range.split(';').slice(1).map((p) => p.trim().split('=') as [string, string]));
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io') {
      const v = params.get('v');
      if (v === 'v1') {
        version = 'v1';
        break;
      }
      if (v === 'v1beta1') version ??= 'v1beta1';
    } else if (version === undefined && /^application\/json\b/.test(range) && !params.has('as')) {
      break;
    }
  }
  if (!version) return undefined;
  const include = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
  return { version, includeObject: include };
}

export function columnsFor(rt: ResourceType): PrinterColumn[] {
  if (rt.printerColumns.length > 0) return [NAME_COLUMN, ...rt.printerColumns];
  return [NAME_COLUMN, AGE_COLUMN];
}

/** Evaluates the simple JSONPath forms printer columns use: `.a.b`, `.a[0].b`, `.a['b.c']`. */
export function evaluatePath(object: JsonValue, path: string): JsonValue | undefined {
  const tokens = path.match(/\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]|\["([^"]+)"\]/g) ?? [];
  let cur: JsonValue | undefined = object;
  for (const token of tokens) {
    if (cur === undefined || cur === null) return undefined;
    const index = /^\[(\d+)\]$/.exec(token);
    if (index) {
      cur = Array.isArray(cur) ? cur[Number(index[1])] : undefined;
      continue;
    }
    const key = token.startsWith('.') ? token.slice(1) : token.slice(2, -2);
    cur = isJsonObject(cur) ? cur[key] : undefined;
  }
  return cur;
}

/** apimachinery's HumanDuration: the age format kubectl users know. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (years < 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function cell(column: PrinterColumn, object: JsonObject, now: number): JsonValue {
  const value = evaluatePath(object, column.jsonPath);
  if (value === undefined || value === null) return column.type === 'date' ? '<unknown>' : '';
  if (column.type === 'date' && typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? value : humanDuration(now - t);
  }
  if (isJsonObject(value) || Array.isArray(value)) return JSON.stringify(value);
  return value;
}

function rowObject(object: JsonObject, request: TableRequest): JsonValue {
  if (request.includeObject === 'Object') return object;
  if (request.includeObject === 'None') return null;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${request.version}`, metadata: isJsonObject(object.metadata) ? object.metadata : {} };
}

export function renderTable(
  rt: ResourceType,
  objects: JsonObject[],
  request: TableRequest,
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  withColumns = true,
): JsonObject {
  const columns = columnsFor(rt);
  const now = Date.now();
  const metadata: JsonObject = { resourceVersion: listMeta.resourceVersion };
  if (listMeta.continue) metadata.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = listMeta.remainingItemCount;
  const table: JsonObject = { kind: 'Table', apiVersion: `meta.k8s.io/${request.version}`, metadata };
  table.columnDefinitions = withColumns
    ? columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 }))
    : [];
  table.rows = objects.map((o) => ({ cells: columns.map((c) => cell(c, o, now)), object: rowObject(o, request) }));
  return table;
}
