/**
 * Validation, pruning and defaulting of custom resources against their CRD's structural
 * openAPIV3Schema, as the apiextensions server does it. ajv does not know the Kubernetes extensions
 * (int-or-string, preserve-unknown-fields, list types), so this is a small walker over the
 * structural subset instead.
 */
import type { JsonObject, JsonValue } from '../json.js';
import { isJsonObject, jsonEqual } from '../json.js';
import type { StatusCause } from './api-error.js';

export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  items?: StructuralSchema;
  additionalProperties?: boolean | StructuralSchema;
  enum?: JsonValue[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  default?: JsonValue;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
}

export interface ValidationResult {
  value: JsonObject;
  causes: StatusCause[];
  unknownFields: string[];
}

const ROOT_META = new Set(['apiVersion', 'kind', 'metadata']);

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(schema: StructuralSchema, value: JsonValue): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isJsonObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === schema.type;
  }
}

class Walker {
  readonly causes: StatusCause[] = [];
  readonly unknown: string[] = [];

  /** Returns the pruned and defaulted value. */
  walk(schema: StructuralSchema, value: JsonValue, path: string): JsonValue {
    if (value === null) {
      if (!schema.nullable && schema.type !== undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
        this.causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "null": ${path} in body must be of type ${schema.type}: "null"` });
      }
      return value;
    }
    if (!typeMatches(schema, value)) {
      const expected = schema['x-kubernetes-int-or-string'] ? 'integer,string' : String(schema.type);
      this.causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${typeName(value)}": ${path} in body must be of type ${expected}: "${typeName(value)}"` });
      return value;
    }
    this.checkScalars(schema, value, path);
    if (isJsonObject(value)) return this.walkObject(schema, value, path);
    if (Array.isArray(value)) return this.walkArray(schema, value, path);
    return value;
  }

  private checkScalars(schema: StructuralSchema, value: JsonValue, path: string): void {
    if (schema.enum && !schema.enum.some((e) => jsonEqual(e, value))) {
      this.causes.push({ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    }
    if (typeof value === 'string') {
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
        this.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body should match '${schema.pattern}'` });
      }
      if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
        this.causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be longer than ${schema.maxLength}` });
      }
      if (schema.minLength !== undefined && [...value].length < schema.minLength) {
        this.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body should be at least ${schema.minLength} chars long` });
      }
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        this.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body must be of type date-time: ${JSON.stringify(value)}` });
      }
    }
    if (typeof value === 'number') {
      if (schema.format === 'int32' && (value > 2147483647 || value < -2147483648)) {
        this.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${path} in body must be of type int32` });
      }
      if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
        this.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}` });
      }
      if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
        this.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}` });
      }
    }
  }

  private walkObject(schema: StructuralSchema, value: JsonObject, path: string): JsonObject {
    const out: JsonObject = {};
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    const atRoot = path === '';
    for (const [key, child] of Object.entries(value)) {
      const childPath = atRoot ? key : `${path}.${key}`;
      if (atRoot && ROOT_META.has(key)) {
        out[key] = child;
        continue;
      }
      const propSchema = schema.properties?.[key];
      const fieldSchema = propSchema ?? (isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      // As the apiserver does before defaulting: a null in a field whose schema is not nullable
      // is dropped, or replaced by the field's default when it has one.
      if (child === null && fieldSchema && !fieldSchema.nullable) {
        if (fieldSchema.default !== undefined) out[key] = structuredClone(fieldSchema.default);
        continue;
      }
      if (propSchema) out[key] = this.walk(propSchema, child, childPath);
      else if (isJsonObject(schema.additionalProperties)) out[key] = this.walk(schema.additionalProperties, child, childPath);
      else if (schema.additionalProperties === true || preserve || (schema.type === undefined && !schema.properties)) out[key] = child;
      else this.unknown.push(childPath);
    }
    for (const [key, propSchema] of Object.entries(schema.properties ?? {})) {
      if (out[key] === undefined && propSchema.default !== undefined) out[key] = structuredClone(propSchema.default);
    }
    for (const key of schema.required ?? []) {
      if (out[key] === undefined) {
        const field = atRoot ? key : `${path}.${key}`;
        this.causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
      }
    }
    return out;
  }

  private walkArray(schema: StructuralSchema, value: JsonValue[], path: string): JsonValue[] {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      this.causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      this.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items` });
    }
    const items = schema.items;
    // A null item is not dropped (that would shift the indexes) but defaulted when the item schema has a default.
    const itemValue = (item: JsonValue): JsonValue => (item === null && items && !items.nullable && items.default !== undefined ? structuredClone(items.default) : item);
    const out = items ? value.map((item, i) => this.walk(items, itemValue(item), `${path}[${i}]`)) : value;
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') {
      out.forEach((item, i) => {
        if (out.findIndex((o) => jsonEqual(o, item)) !== i) this.causes.push({ reason: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${JSON.stringify(item)}` });
      });
    } else if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const identity = (item: JsonValue): string => JSON.stringify(keys.map((k) => (isJsonObject(item) ? (item[k] ?? null) : null)));
      out.forEach((item, i) => {
        if (out.findIndex((o) => identity(o) === identity(item)) !== i) {
          this.causes.push({ reason: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${identity(item)}` });
        }
      });
    }
    return out;
  }
}

export function validateCustomResource(schema: StructuralSchema, object: JsonObject): ValidationResult {
  const walker = new Walker();
  const value = walker.walk(schema, object, '') as JsonObject;
  return { value, causes: walker.causes, unknownFields: walker.unknown };
}

const KNOWN_KEYWORDS = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'multipleOf',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'default',
  'title',
  'example',
  'externalDocs',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/** Why a CRD schema is not structural, as causes with the field path into the CRD. */
export function structuralSchemaProblems(schema: unknown, path = 'openAPIV3Schema'): StatusCause[] {
  const causes: StatusCause[] = [];
  const visit = (node: unknown, at: string, root: boolean): void => {
    if (!isJsonObject(node)) {
      causes.push({ reason: 'FieldValueInvalid', field: at, message: 'Invalid value: must be an object' });
      return;
    }
    for (const key of Object.keys(node)) {
      if (key === '$ref') causes.push({ reason: 'FieldValueForbidden', field: `${at}.$ref`, message: 'Forbidden: $ref is not allowed in a structural schema' });
      else if (!KNOWN_KEYWORDS.has(key)) causes.push({ reason: 'FieldValueForbidden', field: `${at}.${key}`, message: `Forbidden: unknown schema keyword ${key}` });
    }
    const special = node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
    if (node.type === undefined) {
      if (!special) causes.push({ reason: 'FieldValueRequired', field: `${at}.type`, message: 'Required value: must not be empty for specified object fields' });
    } else if (typeof node.type !== 'string' || !TYPES.has(node.type)) {
      causes.push({ reason: 'FieldValueNotSupported', field: `${at}.type`, message: `Unsupported value: ${JSON.stringify(node.type)}` });
    }
    if (root && node.type !== undefined && node.type !== 'object') causes.push({ reason: 'FieldValueInvalid', field: `${at}.type`, message: 'Invalid value: must be object at the root' });
    // additionalProperties: true may accompany properties; false or a schema may not.
    const hasProperties = isJsonObject(node.properties) && Object.keys(node.properties).length > 0;
    if (hasProperties && node.additionalProperties !== undefined && node.additionalProperties !== true) {
      causes.push({ reason: 'FieldValueForbidden', field: `${at}.additionalProperties`, message: 'Forbidden: additionalProperties and properties are mutual exclusive' });
    }
    if (node.uniqueItems === true) causes.push({ reason: 'FieldValueForbidden', field: `${at}.uniqueItems`, message: 'Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic' });
    if (node['x-kubernetes-preserve-unknown-fields'] === false) {
      causes.push({ reason: 'FieldValueInvalid', field: `${at}.x-kubernetes-preserve-unknown-fields`, message: 'Invalid value: false: must be true or undefined' });
    }
    if (node.type === 'array' && node.items === undefined) causes.push({ reason: 'FieldValueRequired', field: `${at}.items`, message: 'Required value: must be specified for arrays' });
    if (node['x-kubernetes-list-type'] === 'map' && (!Array.isArray(node['x-kubernetes-list-map-keys']) || node['x-kubernetes-list-map-keys'].length === 0)) {
      causes.push({ reason: 'FieldValueRequired', field: `${at}.x-kubernetes-list-map-keys`, message: 'Required value: must not be empty if x-kubernetes-list-type is map' });
    }
    if (isJsonObject(node.properties)) {
      for (const [name, child] of Object.entries(node.properties)) {
        if (root && name === 'metadata' && isJsonObject(child)) {
          const extra = Object.keys(isJsonObject(child.properties) ? child.properties : {}).filter((k) => k !== 'name' && k !== 'generateName');
          if (extra.length > 0) causes.push({ reason: 'FieldValueForbidden', field: `${at}.properties[metadata]`, message: 'Forbidden: must not specify anything other than name and generateName' });
        }
        visit(child, `${at}.properties[${name}]`, false);
      }
    }
    if (node.items !== undefined) visit(node.items, `${at}.items`, false);
    if (isJsonObject(node.additionalProperties)) visit(node.additionalProperties, `${at}.additionalProperties`, false);
  };
  visit(schema, path, true);
  return causes;
}
