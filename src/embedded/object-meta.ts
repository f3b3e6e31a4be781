/**
 * Validation of the metadata every object carries (names, labels, annotations, owner references,
 * finalizers), as the apiserver's ObjectMeta validation does it.
 */
import type { JsonObject } from '../json.js';
import { isJsonObject } from '../json.js';
import { dns1123LabelProblem, dns1123SubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../kube/label-syntax.js';
import type { StatusCause } from './api-error.js';
import { invalidValue } from './api-error.js';
import type { ResourceType } from './resource-types.js';

/** Total size of all annotations, as the real apiserver limits it. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_NAME_SUFFIX_LENGTH = 5;

export function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < GENERATE_NAME_SUFFIX_LENGTH; i++) suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return `${prefix}${suffix}`;
}

export function nameProblem(rt: ResourceType, name: string): string | undefined {
  return rt.nameIsLabel ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name);
}

function stringMapCauses(field: string, value: unknown, checkValues: boolean): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (!isJsonObject(value)) return [invalidValue(field, value, 'must be a map of strings')];
  const causes: StatusCause[] = [];
  for (const [key, v] of Object.entries(value)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) causes.push(invalidValue(field, key, keyProblem));
    if (typeof v !== 'string') causes.push(invalidValue(`${field}[${key}]`, v, 'must be a string'));
    else if (checkValues) {
      const valueProblem = labelValueProblem(v);
      if (valueProblem) causes.push(invalidValue(`${field}[${key}]`, v, valueProblem));
    }
  }
  return causes;
}

/** Problems with an object's metadata (the name itself is checked by the caller, which knows the kind). */
export function metadataCauses(metadata: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  causes.push(...stringMapCauses('metadata.labels', metadata.labels, true));
  causes.push(...stringMapCauses('metadata.annotations', metadata.annotations, false));
  if (isJsonObject(metadata.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(metadata.annotations)) size += k.length + (typeof v === 'string' ? v.length : 0);
    if (size > MAX_ANNOTATIONS_BYTES) {
      causes.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes` });
    }
  }
  if (metadata.finalizers !== undefined && metadata.finalizers !== null) {
    if (!Array.isArray(metadata.finalizers)) causes.push(invalidValue('metadata.finalizers', metadata.finalizers, 'must be a list of strings'));
    else
      metadata.finalizers.forEach((f, i) => {
        if (typeof f !== 'string') causes.push(invalidValue(`metadata.finalizers[${i}]`, f, 'must be a string'));
        else {
          const problem = qualifiedNameProblem(f);
          if (problem) causes.push(invalidValue(`metadata.finalizers[${i}]`, f, problem));
        }
      });
  }
  if (metadata.ownerReferences !== undefined && metadata.ownerReferences !== null) {
    if (!Array.isArray(metadata.ownerReferences)) causes.push(invalidValue('metadata.ownerReferences', metadata.ownerReferences, 'must be a list'));
    else {
      let controllers = 0;
      metadata.ownerReferences.forEach((ref, i) => {
        const field = `metadata.ownerReferences[${i}]`;
        if (!isJsonObject(ref)) {
          causes.push(invalidValue(field, ref, 'must be an object'));
          return;
        }
        for (const required of ['apiVersion', 'kind', 'name', 'uid']) {
          if (typeof ref[required] !== 'string' || ref[required] === '') {
            causes.push({ reason: 'FieldValueRequired', field: `${field}.${required}`, message: 'Required value' });
          }
        }
        if (ref.controller === true) controllers++;
      });
      if (controllers > 1) {
        causes.push(invalidValue('metadata.ownerReferences', metadata.ownerReferences, 'Only one reference can have Controller set to true'));
      }
    }
  }
  return causes;
}

export function finalizersOf(metadata: JsonObject): string[] {
  return Array.isArray(metadata.finalizers) ? metadata.finalizers.filter((f): f is string => typeof f === 'string') : [];
}

/** RFC 3339 in UTC with whole seconds, as Kubernetes serialises metav1.Time. */
export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
