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

/**
 * A selectable field: the object path it reads and the text an absent value reads as. Kubernetes
 * renders each field from its typed Go value, so an absent integer is "0" and an absent bool "false".
 */
interface SelectableField {
  path: string;
  absent: string;
}

const ABSENT_STRING = '';
const ABSENT_INTEGER = '0';
const ABSENT_BOOL = 'false';

const text = (path: string): SelectableField => ({ path, absent: ABSENT_STRING });

/** Supported fields per Kind (besides the common ones), keyed by their selector label. */
const KIND_FIELDS: Partial<Record<string, Record<string, SelectableField>>> = {
  Pod: {
    'spec.nodeName': text('spec.nodeName'),
    'spec.restartPolicy': text('spec.restartPolicy'),
    'spec.schedulerName': text('spec.schedulerName'),
    'spec.serviceAccountName': text('spec.serviceAccountName'),
    'status.phase': text('status.phase'),
    'status.podIP': text('status.podIP'),
    'status.nominatedNodeName': text('status.nominatedNodeName'),
  },
  Event: {
    'involvedObject.kind': text('involvedObject.kind'),
    'involvedObject.namespace': text('involvedObject.namespace'),
    'involvedObject.name': text('involvedObject.name'),
    'involvedObject.uid': text('involvedObject.uid'),
    'involvedObject.apiVersion': text('involvedObject.apiVersion'),
    'involvedObject.resourceVersion': text('involvedObject.resourceVersion'),
    'involvedObject.fieldPath': text('involvedObject.fieldPath'),
    reason: text('reason'),
    reportingComponent: text('reportingComponent'),
    source: text('source.component'),
    type: text('type'),
  },
  Secret: { type: text('type') },
  Namespace: { 'status.phase': text('status.phase') },
  Job: { 'status.successful': { path: 'status.succeeded', absent: ABSENT_INTEGER } },
  Node: { 'spec.unschedulable': { path: 'spec.unschedulable', absent: ABSENT_BOOL } },
};

/** Every kind, custom resources included, selects on these. */
const COMMON_FIELDS: Record<string, SelectableField> = { 'metadata.name': text('metadata.name'), 'metadata.namespace': text('metadata.namespace') };

function selectableField(kind: string, label: string): SelectableField | undefined {
  if (Object.hasOwn(COMMON_FIELDS, label)) return COMMON_FIELDS[label];
  const fields = KIND_FIELDS[kind];
  return fields && Object.hasOwn(fields, label) ? fields[label] : undefined;
}

function read(object: JsonObject, field: SelectableField): string {
  let cur: JsonValue | undefined = object;
  for (const key of field.path.split('.')) cur = isJsonObject(cur) ? cur[key] : undefined;
  if (cur === undefined || cur === null) return field.absent;
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
  const fields = new Map<string, SelectableField>();
  if (text.trim() !== '') {
    for (const rawTerm of splitTerms(text)) {
      const term = rawTerm.trim();
      const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
      const [, field, op, value] = m;
      const selectable = selectableField(kind, field);
      if (selectable === undefined) throw badRequest(`field label not supported: ${field}`);
      fields.set(field, selectable);
      requirements.push({ field, op: op === '!=' ? '!=' : '=', value: unescape(value) });
    }
  }
  return {
    empty: requirements.length === 0,
    requirements,
    matches: (object) => requirements.every((r) => (read(object, fields.get(r.field) as SelectableField) === r.value) === (r.op === '=')),
    nameEquals: () => requirements.find((r) => r.field === 'metadata.name' && r.op === '=')?.value,
  };
}
