/**
 * A schedule as pgo 4.2.4 stored it: a ConfigMap labelled `crunchy-scheduler=true` holding, under
 * its own name, the JSON of apiserver/scheduleservice's PgScheduleSpec. The API writes it; the
 * scheduler reads it back.
 */
import type { KubeObject } from '../kube/resources.js';
import { isJsonObject } from '../json.js';
import type { JsonObject, JsonValue } from '../json.js';

export const SCHEDULE_LABEL = 'crunchy-scheduler';

/** PgScheduleSpec as 4.2.4 marshalled it: keys in its field order, `omitempty` strings left out. */
export interface ScheduleSpec {
  version: string;
  name: string;
  cluster: string;
  created: string;
  schedule: string;
  namespace: string;
  type: string;
  pgbackrest: { deployment?: string; label?: string; container?: string; type?: string; storageType?: string; options?: string };
  pgbasebackup: {
    backupHost?: string;
    backupPass?: string;
    backupPort?: string;
    backupUser?: string;
    backupVolume?: string;
    imagePrefix?: string;
    imageTag?: string;
    secret?: string;
    securityContext: { fsgroup?: string; supplementalGroups?: string };
  };
  policy: { name?: string; database?: string; secret?: string; imagePrefix?: string; imageTag?: string };
}

/** `omitempty`: only the non-empty strings, in the order given. */
export function compact<T extends Record<string, string>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '')) as Partial<T>;
}

/** json.Marshal: HTML-sensitive characters escaped as Go escaped them. */
export const goMarshal = (value: unknown): string => JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const describe = (value: JsonValue): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value);

/** Reads the string fields of one struct as encoding/json did: absent or null is '', another type an error. */
function strings<K extends string>(object: JsonObject, keys: readonly K[], struct: string): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const key of keys) {
    const value = object[key];
    if (value !== undefined && value !== null && typeof value !== 'string') throw new Error(`json: cannot unmarshal ${describe(value)} into Go struct field ${struct}.${key} of type string`);
    out[key] = typeof value === 'string' ? value : '';
  }
  return out;
}

function nested(object: JsonObject, key: string, struct: string): JsonObject {
  const value = object[key];
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw new Error(`json: cannot unmarshal ${describe(value)} into Go struct field PgScheduleSpec.${key} of type scheduleservice.${struct}`);
  return value;
}

/** The stored JSON read back into a ScheduleSpec; throws an Error worded as encoding/json's. */
export function decodeScheduleSpec(text: string): ScheduleSpec {
  if (text.trim() === '') throw new Error('unexpected end of JSON input');
  const value = JSON.parse(text) as JsonValue;
  if (value === null) return decodeScheduleSpec('{}');
  if (!isJsonObject(value)) throw new Error(`json: cannot unmarshal ${describe(value)} into Go value of type scheduleservice.PgScheduleSpec`);
  const base = nested(value, 'pgbasebackup', 'PGBaseBackup');
  return {
    ...strings(value, ['version', 'name', 'cluster', 'created', 'schedule', 'namespace', 'type'] as const, 'PgScheduleSpec'),
    pgbackrest: compact(strings(nested(value, 'pgbackrest', 'PGBackRest'), ['deployment', 'label', 'container', 'type', 'storageType', 'options'] as const, 'PGBackRest')),
    pgbasebackup: {
      ...compact(strings(base, ['backupHost', 'backupPass', 'backupPort', 'backupUser', 'backupVolume', 'imagePrefix', 'imageTag', 'secret'] as const, 'PGBaseBackup')),
      securityContext: compact(strings(nested(base, 'securityContext', 'SecurityContext'), ['fsgroup', 'supplementalGroups'] as const, 'SecurityContext')),
    },
    policy: compact(strings(nested(value, 'policy', 'Policy'), ['name', 'database', 'secret', 'imagePrefix', 'imageTag'] as const, 'Policy')),
  };
}

export const isSchedule = (configMap: KubeObject | undefined): configMap is KubeObject => configMap?.metadata.labels?.[SCHEDULE_LABEL] === 'true';

/** The one schedule a ConfigMap holds, read as pgo-scheduler read it; throws an Error saying why it cannot be. */
export function scheduleOf(configMap: KubeObject): ScheduleSpec {
  const data = Object.values((configMap.data ?? {}) as Record<string, unknown>);
  if (data.length !== 1) throw new Error('Schedule configmaps should contain only one schedule');
  return decodeScheduleSpec(typeof data[0] === 'string' ? data[0] : '');
}
