/**
 * Field selectors (`fieldSelector=`): `=`, `==`, `!=`, comma = AND, values compared as strings,
 * only on the fields the real apiserver supports for each kind.
 */
import type { JsonObject, JsonValue } from '../json.js';
import { isJsonObject } from '../json.js';
import { badRequest } from './api-error.js';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly empty: boolean;
  readonly requirements: readonly FieldRequirement[];
  matches(object: JsonObject): boolean;
  /** The name a `metadata.name=` requirement asks for, so callers can look it up directly. */
  nameEquals(): string | undefined;
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Supported fields per Kind, and the object path each reads (when it differs from the label). */
const KIND_FIELDS: Record<string, Record<string, string>> = {
  Pod: {
    'spec.nodeName': 'spec.nodeName',
    'spec.restartPolicy': 'spec.restartPolicy',
    'spec.schedulerName': 'spec.schedulerName',
    'spec.serviceAccountName': 'spec.serviceAccountName',
    'status.phase': 'status.phase',
    'status.podIP': 'status.podIP',
    'status.nominatedNodeName': 'status.nominatedNodeName',
  },
  Event: {
    'involvedObject.kind': 'involvedObject.kind',
    'involvedObject.namespace': 'involvedObject.namespace',
    'involvedObject.name': 'involvedObject.name',
    'involvedObject.uid': 'involvedObject.uid',
    'involvedObject.apiVersion': 'involvedObject.apiVersion',
    'involvedObject.resourceVersion': 'involvedObject.resourceVersion',
    'involvedObject.fieldPath': 'involvedObject.fieldPath',
    reason: 'reason',
    reportingComponent: 'reportingComponent',
    source: 'source.component',
    type: 'type',
  },
  Secret: { type: 'type' },
  Namespace: { 'status.phase': 'status.phase' },
  Job: { 'status.successful': 'status.succeeded' },
  Node: { 'spec.unschedulable': 'spec.unschedulable' },
};

function read(object: JsonObject, path: string): string {
  let cur: JsonValue | undefined = object;
  for (const key of path.split('.')) cur = isJsonObject(cur) ? cur[key] : undefined;
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

/** Splits on unescaped commas and unescapes `\,`, `\=`, `\\` afterwards. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === ',') {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(text: string, kind: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  const paths = new Map<string, string>();
  if (text.trim() !== '') {
    for (const rawTerm of splitTerms(text)) {
      const term = rawTerm.trim();
      const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
      const [, field, op, value] = m;
      const path = COMMON_FIELDS.includes(field) ? field : KIND_FIELDS[kind]?.[field];
      if (path === undefined) throw badRequest(`field label not supported: ${field}`);
      paths.set(field, path);
      requirements.push({ field, op: op === '!=' ? '!=' : '=', value: unescape(value) });
    }
  }
  return {
    empty: requirements.length === 0,
    requirements,
    matches: (object) => requirements.every((r) => (read(object, paths.get(r.field) as string) === r.value) === (r.op === '=')),
    nameEquals: () => requirements.find((r) => r.field === 'metadata.name' && r.op === '=')?.value,
  };
}
