/**
 * Unit tests of src/embedded/crd-schema.ts: validation, pruning and defaulting of custom resources
 * against a structural schema (validateCustomResource), and the structural-schema rules a CRD must
 * pass (structuralSchemaProblems). Field paths are dotted from the object root, e.g.
 * `spec.PrimaryStorage.size`, with `[i]` for array items.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { structuralSchemaProblems, validateCustomResource } from '../../src/embedded/crd-schema.js';
import type { StructuralSchema } from '../../src/embedded/crd-schema.js';
import type { StatusCause } from '../../src/embedded/api-error.js';
import type { JsonObject, JsonValue } from '../../src/json.js';

/** A resource schema whose spec has the given properties. */
function specSchema(properties: Record<string, StructuralSchema>, extra: Partial<StructuralSchema> = {}): StructuralSchema {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', properties, ...extra },
    },
  };
}

function resource(spec: JsonValue): JsonObject {
  return { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'a' }, spec };
}

/** Validates `spec` against a one-level spec schema. */
function check(properties: Record<string, StructuralSchema>, spec: JsonValue, extra: Partial<StructuralSchema> = {}): ReturnType<typeof validateCustomResource> {
  return validateCustomResource(specSchema(properties, extra), resource(spec));
}

/** Reason and field of each cause, the part a client acts on. */
function reasons(causes: StatusCause[]): [string, string][] {
  return causes.map((c) => [c.reason, c.field]);
}

/** Field paths of the structural problems. */
function problemFields(schema: unknown): string[] {
  return structuralSchemaProblems(schema).map((c) => c.field);
}

describe('validateCustomResource: types', () => {
  test('a value of the declared type produces no cause', () => {
    const props: Record<string, StructuralSchema> = { s: { type: 'string' }, i: { type: 'integer' }, n: { type: 'number' }, b: { type: 'boolean' }, o: { type: 'object' }, a: { type: 'array', items: { type: 'string' } } };
    assert.deepEqual(check(props, { s: 'x', i: 3, n: 1.5, b: false, o: {}, a: ['x'] }).causes, []);
  });

  test('a number where a string is declared is FieldValueTypeInvalid at the field path', () => {
    assert.deepEqual(reasons(check({ port: { type: 'string' } }, { port: 5432 }).causes), [['FieldValueTypeInvalid', 'spec.port']]);
  });

  test('the type message names the expected and the actual type', () => {
    const [cause] = check({ port: { type: 'string' } }, { port: 5432 }).causes;
    assert.equal(cause?.message, 'Invalid value: "integer": spec.port in body must be of type string: "integer"');
  });

  test('a string where a boolean is declared is FieldValueTypeInvalid', () => {
    assert.deepEqual(reasons(check({ sync: { type: 'boolean' } }, { sync: 'true' }).causes), [['FieldValueTypeInvalid', 'spec.sync']]);
  });

  test('a fractional number where an integer is declared is FieldValueTypeInvalid', () => {
    assert.deepEqual(reasons(check({ count: { type: 'integer' } }, { count: 1.5 }).causes), [['FieldValueTypeInvalid', 'spec.count']]);
  });

  test('an integer is accepted where a number is declared', () => {
    assert.deepEqual(check({ ratio: { type: 'number' } }, { ratio: 2 }).causes, []);
  });

  test('an array where an object is declared is FieldValueTypeInvalid', () => {
    assert.deepEqual(reasons(check({ labels: { type: 'object' } }, { labels: ['a'] }).causes), [['FieldValueTypeInvalid', 'spec.labels']]);
  });

  test('an object where an array is declared is FieldValueTypeInvalid', () => {
    assert.deepEqual(reasons(check({ list: { type: 'array', items: { type: 'string' } } }, { list: { a: 'b' } }).causes), [['FieldValueTypeInvalid', 'spec.list']]);
  });

  test('a wrongly typed value is kept in the returned object (validation fails, nothing is coerced)', () => {
    assert.deepEqual(check({ port: { type: 'string' } }, { port: 5432 }).value.spec, { port: 5432 });
  });

  test('a wrongly typed spec itself is reported at spec', () => {
    assert.deepEqual(reasons(check({}, 'text').causes), [['FieldValueTypeInvalid', 'spec']]);
  });
});

describe('validateCustomResource: null and nullable', () => {
  test('null in a nullable field is kept without a cause', () => {
    const result = check({ sync: { type: 'boolean', nullable: true } }, { sync: null });
    assert.deepEqual(result.causes, []);
    assert.deepEqual(result.value.spec, { sync: null });
  });

  test('null in a non-nullable field is pruned without a cause, as the apiserver does', () => {
    const result = check({ toc: { type: 'object', additionalProperties: { type: 'string' } } }, { toc: null });
    assert.deepEqual(result.causes, []);
    assert.deepEqual(result.unknownFields, []);
    assert.deepEqual(result.value.spec, {});
  });

  test('null in a non-nullable field with a default becomes the default', () => {
    const result = check({ port: { type: 'string', default: '5432' } }, { port: null });
    assert.deepEqual(result.causes, []);
    assert.deepEqual(result.value.spec, { port: '5432' });
  });

  test('null in a non-nullable required field is pruned and then reported as required', () => {
    assert.deepEqual(reasons(check({ name: { type: 'string' } }, { name: null }, { required: ['name'] }).causes), [['FieldValueRequired', 'spec.name']]);
  });

  test('null as a map value whose schema is not nullable is pruned', () => {
    const result = check({ labels: { type: 'object', additionalProperties: { type: 'string' } } }, { labels: { a: 'x', b: null } });
    assert.deepEqual(result.causes, []);
    assert.deepEqual(result.value.spec, { labels: { a: 'x' } });
  });

  test('null as an array item whose schema is not nullable is FieldValueTypeInvalid at the item', () => {
    assert.deepEqual(reasons(check({ list: { type: 'array', items: { type: 'string' } } }, { list: ['a', null] }).causes), [['FieldValueTypeInvalid', 'spec.list[1]']]);
  });

  test('null as an array item is replaced by the item default', () => {
    const result = check({ list: { type: 'array', items: { type: 'string', default: 'none' } } }, { list: ['a', null] });
    assert.deepEqual(result.causes, []);
    assert.deepEqual(result.value.spec, { list: ['a', 'none'] });
  });

  test('null in an undeclared field under x-kubernetes-preserve-unknown-fields is kept', () => {
    const result = check({}, { extra: null }, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(result.value.spec, { extra: null });
  });
});

describe('validateCustomResource: required', () => {
  test('a missing required field is FieldValueRequired at its path', () => {
    assert.deepEqual(reasons(check({ name: { type: 'string' } }, {}, { required: ['name'] }).causes), [['FieldValueRequired', 'spec.name']]);
  });

  test('a missing required top-level field is reported without a leading dot', () => {
    const schema: StructuralSchema = { type: 'object', required: ['spec'], properties: { spec: { type: 'object' } } };
    assert.deepEqual(reasons(validateCustomResource(schema, { apiVersion: 'v1', kind: 'Thing', metadata: {} }).causes), [['FieldValueRequired', 'spec']]);
  });

  test('a required field present with an empty string is satisfied', () => {
    assert.deepEqual(check({ name: { type: 'string' } }, { name: '' }, { required: ['name'] }).causes, []);
  });

  test('a required field satisfied by its default produces no cause', () => {
    assert.deepEqual(check({ name: { type: 'string', default: 'x' } }, {}, { required: ['name'] }).causes, []);
  });
});

describe('validateCustomResource: enum and pattern', () => {
  const affinity: StructuralSchema = { type: 'string', enum: ['required', 'preferred', 'disabled', ''] };

  test('a value in the enum produces no cause', () => {
    assert.deepEqual(check({ podPodAntiAffinity: affinity }, { podPodAntiAffinity: 'preferred' }).causes, []);
  });

  test('a value outside the enum is FieldValueNotSupported listing the supported values', () => {
    const [cause, ...rest] = check({ podPodAntiAffinity: affinity }, { podPodAntiAffinity: 'preffered' }).causes;
    assert.deepEqual(rest, []);
    assert.equal(cause?.reason, 'FieldValueNotSupported');
    assert.equal(cause?.field, 'spec.podPodAntiAffinity');
    assert.equal(cause?.message, 'Unsupported value: "preffered": supported values: "required", "preferred", "disabled", ""');
  });

  test('a string matching the pattern produces no cause', () => {
    assert.deepEqual(check({ size: { type: 'string', pattern: '^[0-9]+[GM]i?$' } }, { size: '1G' }).causes, []);
  });

  test('a string not matching the pattern is FieldValueInvalid at its path', () => {
    assert.deepEqual(reasons(check({ size: { type: 'string', pattern: '^[0-9]+[GM]i?$' } }, { size: 'big' }).causes), [['FieldValueInvalid', 'spec.size']]);
  });

  test('a pattern is unanchored unless it says otherwise', () => {
    assert.deepEqual(check({ tag: { type: 'string', pattern: '4\\.2\\.4' } }, { tag: 'centos7-12.4-4.2.4' }).causes, []);
  });
});

describe('validateCustomResource: numeric and length bounds', () => {
  test('a value equal to minimum and maximum is accepted', () => {
    assert.deepEqual(check({ a: { type: 'integer', minimum: 1, maximum: 1 } }, { a: 1 }).causes, []);
  });

  test('a value below minimum is FieldValueInvalid', () => {
    assert.deepEqual(reasons(check({ replicas: { type: 'integer', minimum: 0 } }, { replicas: -1 }).causes), [['FieldValueInvalid', 'spec.replicas']]);
  });

  test('a value above maximum is FieldValueInvalid', () => {
    assert.deepEqual(reasons(check({ port: { type: 'integer', maximum: 65535 } }, { port: 70000 }).causes), [['FieldValueInvalid', 'spec.port']]);
  });

  test('a value equal to an exclusive minimum is FieldValueInvalid', () => {
    assert.deepEqual(reasons(check({ a: { type: 'number', minimum: 0, exclusiveMinimum: true } }, { a: 0 }).causes), [['FieldValueInvalid', 'spec.a']]);
  });

  test('a value equal to an exclusive maximum is FieldValueInvalid', () => {
    assert.deepEqual(reasons(check({ a: { type: 'number', maximum: 1, exclusiveMaximum: true } }, { a: 1 }).causes), [['FieldValueInvalid', 'spec.a']]);
  });

  test('an integer outside int32 is FieldValueInvalid when the format is int32', () => {
    assert.deepEqual(reasons(check({ a: { type: 'integer', format: 'int32' } }, { a: 2147483648 }).causes), [['FieldValueInvalid', 'spec.a']]);
  });

  test('a string longer than maxLength is FieldValueTooLong', () => {
    assert.deepEqual(reasons(check({ name: { type: 'string', maxLength: 3 } }, { name: 'abcd' }).causes), [['FieldValueTooLong', 'spec.name']]);
  });

  test('maxLength counts characters, not UTF-16 code units', () => {
    assert.deepEqual(check({ name: { type: 'string', maxLength: 1 } }, { name: '🐘' }).causes, []);
  });

  test('a string shorter than minLength is FieldValueInvalid', () => {
    assert.deepEqual(reasons(check({ name: { type: 'string', minLength: 1 } }, { name: '' }).causes), [['FieldValueInvalid', 'spec.name']]);
  });

  test('a string that is not a date-time is FieldValueInvalid when the format is date-time', () => {
    assert.deepEqual(reasons(check({ at: { type: 'string', format: 'date-time' } }, { at: 'yesterday' }).causes), [['FieldValueInvalid', 'spec.at']]);
  });

  test('an RFC 3339 string is accepted when the format is date-time', () => {
    assert.deepEqual(check({ at: { type: 'string', format: 'date-time' } }, { at: '2020-06-10T09:36:32Z' }).causes, []);
  });

  test('an array with more items than maxItems is FieldValueTooLong', () => {
    assert.deepEqual(reasons(check({ list: { type: 'array', maxItems: 1, items: { type: 'string' } } }, { list: ['a', 'b'] }).causes), [['FieldValueTooLong', 'spec.list']]);
  });

  test('an array with fewer items than minItems is FieldValueInvalid', () => {
    assert.deepEqual(reasons(check({ list: { type: 'array', minItems: 1, items: { type: 'string' } } }, { list: [] }).causes), [['FieldValueInvalid', 'spec.list']]);
  });
});

describe('validateCustomResource: nested objects and arrays', () => {
  const storage: StructuralSchema = { type: 'object', required: ['size'], properties: { size: { type: 'string' }, storagetype: { type: 'string' } } };

  test('a wrongly typed field two levels down is reported with the full dotted path', () => {
    assert.deepEqual(reasons(check({ PrimaryStorage: storage }, { PrimaryStorage: { size: 1 } }).causes), [['FieldValueTypeInvalid', 'spec.PrimaryStorage.size']]);
  });

  test('a missing required field of a nested object is reported with the full dotted path', () => {
    assert.deepEqual(reasons(check({ PrimaryStorage: storage }, { PrimaryStorage: {} }).causes), [['FieldValueRequired', 'spec.PrimaryStorage.size']]);
  });

  test('an absent nested object is not validated for its required fields', () => {
    assert.deepEqual(check({ PrimaryStorage: storage }, {}).causes, []);
  });

  test('every invalid field is reported, not only the first', () => {
    const result = check({ PrimaryStorage: storage, port: { type: 'string' } }, { PrimaryStorage: { size: 1, storagetype: 2 }, port: 3 });
    assert.deepEqual(reasons(result.causes).sort(), [
      ['FieldValueTypeInvalid', 'spec.PrimaryStorage.size'],
      ['FieldValueTypeInvalid', 'spec.PrimaryStorage.storagetype'],
      ['FieldValueTypeInvalid', 'spec.port'],
    ]);
  });

  test('a field of an object inside an array is reported with the item index', () => {
    const props: Record<string, StructuralSchema> = { containers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } } };
    assert.deepEqual(reasons(check(props, { containers: [{ name: 'a' }, { name: 2 }] }).causes), [['FieldValueTypeInvalid', 'spec.containers[1].name']]);
  });

  test('a missing required field of an array item is reported with the item index', () => {
    const props: Record<string, StructuralSchema> = { containers: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } };
    assert.deepEqual(reasons(check(props, { containers: [{}] }).causes), [['FieldValueRequired', 'spec.containers[0].name']]);
  });

  test('an unknown field inside an array item is pruned and reported with the item index', () => {
    const props: Record<string, StructuralSchema> = { containers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } } };
    const result = check(props, { containers: [{ name: 'a', image: 'x' }] });
    assert.deepEqual(result.unknownFields, ['spec.containers[0].image']);
    assert.deepEqual(result.value.spec, { containers: [{ name: 'a' }] });
  });

  test('values of an additionalProperties map are validated at spec.<map>.<key>', () => {
    assert.deepEqual(reasons(check({ userlabels: { type: 'object', additionalProperties: { type: 'string' } } }, { userlabels: { ok: 'x', bad: true } }).causes), [['FieldValueTypeInvalid', 'spec.userlabels.bad']]);
  });

  test('map keys under additionalProperties are kept, not reported as unknown', () => {
    const result = check({ userlabels: { type: 'object', additionalProperties: { type: 'string' } } }, { userlabels: { 'pg-pod-anti-affinity': '' } });
    assert.deepEqual(result.unknownFields, []);
    assert.deepEqual(result.value.spec, { userlabels: { 'pg-pod-anti-affinity': '' } });
  });

  test('additionalProperties: true keeps undeclared keys beside declared ones', () => {
    const result = check({ name: { type: 'string' } }, { name: 'a', other: 1 }, { additionalProperties: true });
    assert.deepEqual(result.unknownFields, []);
    assert.deepEqual(result.value.spec, { name: 'a', other: 1 });
  });
});

describe('validateCustomResource: unknown fields', () => {
  test('an undeclared spec field is pruned from the returned object', () => {
    assert.deepEqual(check({ name: { type: 'string' } }, { name: 'a', nmae: 'b' }).value.spec, { name: 'a' });
  });

  test('an undeclared spec field is listed in unknownFields with its path', () => {
    assert.deepEqual(check({ name: { type: 'string' } }, { name: 'a', nmae: 'b' }).unknownFields, ['spec.nmae']);
  });

  test('an undeclared field is not a validation cause (the caller decides: Ignore, Warn or Strict)', () => {
    assert.deepEqual(check({ name: { type: 'string' } }, { nmae: 'b' }).causes, []);
  });

  test('keys differing only in case are different fields', () => {
    const result = check({ PrimaryStorage: { type: 'object' } }, { primarystorage: {} });
    assert.deepEqual(result.unknownFields, ['spec.primarystorage']);
  });

  test('an undeclared top-level field is reported without a leading dot', () => {
    const result = validateCustomResource(specSchema({}), { ...resource({}), extra: 1 });
    assert.deepEqual(result.unknownFields, ['extra']);
    assert.equal('extra' in result.value, false);
  });

  test('apiVersion, kind and metadata are kept and not validated even when the schema omits them', () => {
    const schema: StructuralSchema = { type: 'object', properties: { spec: { type: 'object' } } };
    const object: JsonObject = { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'a', labels: { x: 'y' } }, spec: {} };
    const result = validateCustomResource(schema, object);
    assert.deepEqual(result.unknownFields, []);
    assert.deepEqual(result.value, object);
  });

  test('the input object is not modified by pruning', () => {
    const object = resource({ name: 'a', nmae: 'b' });
    validateCustomResource(specSchema({ name: { type: 'string' } }), object);
    assert.deepEqual(object.spec, { name: 'a', nmae: 'b' });
  });
});

describe('validateCustomResource: x-kubernetes-preserve-unknown-fields', () => {
  test('undeclared fields are kept and not reported', () => {
    const result = check({}, { anything: { nested: [1, 2] } }, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(result.unknownFields, []);
    assert.deepEqual(result.value.spec, { anything: { nested: [1, 2] } });
  });

  test('declared fields beside preserved ones are still validated', () => {
    const result = check({ port: { type: 'string' } }, { port: 1, other: 'x' }, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(reasons(result.causes), [['FieldValueTypeInvalid', 'spec.port']]);
  });

  test('preservation does not extend into a declared child object', () => {
    const result = check({ child: { type: 'object', properties: { a: { type: 'string' } } } }, { child: { a: 'x', b: 'y' } }, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(result.unknownFields, ['spec.child.b']);
  });

  test('a preserved field without a type accepts any JSON value', () => {
    const props: Record<string, StructuralSchema> = { raw: { 'x-kubernetes-preserve-unknown-fields': true } };
    for (const value of ['s', 1, true, [1], { a: 1 }]) assert.deepEqual(check(props, { raw: value }).causes, [], JSON.stringify(value));
  });
});

describe('validateCustomResource: x-kubernetes-int-or-string', () => {
  const props: Record<string, StructuralSchema> = { maxUnavailable: { 'x-kubernetes-int-or-string': true } };

  test('an integer is accepted', () => {
    assert.deepEqual(check(props, { maxUnavailable: 1 }).causes, []);
  });

  test('a string is accepted', () => {
    assert.deepEqual(check(props, { maxUnavailable: '25%' }).causes, []);
  });

  test('a boolean is FieldValueTypeInvalid naming integer,string', () => {
    const [cause, ...rest] = check(props, { maxUnavailable: true }).causes;
    assert.deepEqual(rest, []);
    assert.equal(cause?.reason, 'FieldValueTypeInvalid');
    assert.equal(cause?.field, 'spec.maxUnavailable');
    assert.match(cause?.message ?? '', /must be of type integer,string/);
  });

  test('a fractional number is FieldValueTypeInvalid', () => {
    assert.deepEqual(reasons(check(props, { maxUnavailable: 0.5 }).causes), [['FieldValueTypeInvalid', 'spec.maxUnavailable']]);
  });
});

describe('validateCustomResource: defaults', () => {
  test('a missing field with a default gets the default', () => {
    assert.deepEqual(check({ port: { type: 'string', default: '5432' } }, {}).value.spec, { port: '5432' });
  });

  test('a present field keeps its value over the default', () => {
    assert.deepEqual(check({ port: { type: 'string', default: '5432' } }, { port: '5433' }).value.spec, { port: '5433' });
  });

  test('a default object is copied, so changing the result does not change the schema', () => {
    const schema = specSchema({ labels: { type: 'object', additionalProperties: { type: 'string' }, default: { a: 'b' } } });
    const first = validateCustomResource(schema, resource({}));
    const labels = (first.value.spec as JsonObject).labels as JsonObject;
    labels.a = 'changed';
    assert.deepEqual(validateCustomResource(schema, resource({})).value.spec, { labels: { a: 'b' } });
  });

  test('defaults are applied inside array items', () => {
    const props: Record<string, StructuralSchema> = { list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string', default: 'x' } } } } };
    assert.deepEqual(check(props, { list: [{}] }).value.spec, { list: [{ a: 'x' }] });
  });
});

describe('validateCustomResource: list types', () => {
  test('a duplicate in an x-kubernetes-list-type set is FieldValueDuplicate at the later index', () => {
    const props: Record<string, StructuralSchema> = { tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } };
    assert.deepEqual(reasons(check(props, { tags: ['a', 'b', 'a'] }).causes), [['FieldValueDuplicate', 'spec.tags[2]']]);
  });

  test('duplicate map keys in an x-kubernetes-list-type map are FieldValueDuplicate at the later index', () => {
    const props: Record<string, StructuralSchema> = {
      ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
    };
    assert.deepEqual(reasons(check(props, { ports: [{ name: 'pg', port: 5432 }, { name: 'pg', port: 5433 }] }).causes), [['FieldValueDuplicate', 'spec.ports[1]']]);
  });

  test('an atomic list may hold duplicates', () => {
    const props: Record<string, StructuralSchema> = { tags: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'string' } } };
    assert.deepEqual(check(props, { tags: ['a', 'a'] }).causes, []);
  });
});

describe('structuralSchemaProblems', () => {
  const good = {
    type: 'object',
    properties: {
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', description: 'x' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          list: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer', minimum: 0 } } } },
          port: { 'x-kubernetes-int-or-string': true },
          raw: { 'x-kubernetes-preserve-unknown-fields': true },
          sync: { type: 'boolean', nullable: true },
        },
      },
    },
  };

  test('a structural schema has no problems', () => {
    assert.deepEqual(structuralSchemaProblems(good), []);
  });

  test('a property without a type is FieldValueRequired at its .type', () => {
    const causes = structuralSchemaProblems({ type: 'object', properties: { spec: { properties: {} } } });
    assert.deepEqual(reasons(causes), [['FieldValueRequired', 'openAPIV3Schema.properties[spec].type']]);
  });

  test('the root without a type is FieldValueRequired', () => {
    assert.deepEqual(problemFields({ properties: { spec: { type: 'object' } } }), ['openAPIV3Schema.type']);
  });

  test('a root type other than object is FieldValueInvalid', () => {
    assert.deepEqual(reasons(structuralSchemaProblems({ type: 'string' })), [['FieldValueInvalid', 'openAPIV3Schema.type']]);
  });

  test('an unsupported type name is FieldValueNotSupported', () => {
    assert.deepEqual(reasons(structuralSchemaProblems({ type: 'object', properties: { a: { type: 'null' } } })), [['FieldValueNotSupported', 'openAPIV3Schema.properties[a].type']]);
  });

  test('a missing type is allowed with x-kubernetes-int-or-string', () => {
    assert.deepEqual(structuralSchemaProblems({ type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true } } }), []);
  });

  test('a missing type is allowed with x-kubernetes-preserve-unknown-fields', () => {
    assert.deepEqual(structuralSchemaProblems({ type: 'object', properties: { a: { 'x-kubernetes-preserve-unknown-fields': true } } }), []);
  });

  test('x-kubernetes-preserve-unknown-fields: false is FieldValueInvalid (it must be true or absent)', () => {
    assert.deepEqual(reasons(structuralSchemaProblems({ type: 'object', properties: { a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false } } })), [
      ['FieldValueInvalid', 'openAPIV3Schema.properties[a].x-kubernetes-preserve-unknown-fields'],
    ]);
  });

  test('an additionalProperties schema beside properties is FieldValueForbidden', () => {
    const schema = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: { type: 'string' } } } };
    assert.deepEqual(reasons(structuralSchemaProblems(schema)), [['FieldValueForbidden', 'openAPIV3Schema.properties[a].additionalProperties']]);
  });

  test('additionalProperties: false beside properties is FieldValueForbidden', () => {
    const schema = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: false } } };
    assert.deepEqual(reasons(structuralSchemaProblems(schema)), [['FieldValueForbidden', 'openAPIV3Schema.properties[a].additionalProperties']]);
  });

  test('additionalProperties: true beside properties is allowed', () => {
    const schema = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: true } } };
    assert.deepEqual(structuralSchemaProblems(schema), []);
  });

  test('an additionalProperties schema beside empty properties is allowed', () => {
    const schema = { type: 'object', properties: { a: { type: 'object', properties: {}, additionalProperties: { type: 'string' } } } };
    assert.deepEqual(structuralSchemaProblems(schema), []);
  });

  test('an additionalProperties schema is itself checked', () => {
    assert.deepEqual(problemFields({ type: 'object', properties: { a: { type: 'object', additionalProperties: { description: 'no type' } } } }), ['openAPIV3Schema.properties[a].additionalProperties.type']);
  });

  test('an array without items is FieldValueRequired at its .items', () => {
    assert.deepEqual(reasons(structuralSchemaProblems({ type: 'object', properties: { a: { type: 'array' } } })), [['FieldValueRequired', 'openAPIV3Schema.properties[a].items']]);
  });

  test('an items schema is itself checked', () => {
    assert.deepEqual(problemFields({ type: 'object', properties: { a: { type: 'array', items: {} } } }), ['openAPIV3Schema.properties[a].items.type']);
  });

  test('items given as a list of schemas is reported (structural items are one schema)', () => {
    assert.deepEqual(problemFields({ type: 'object', properties: { a: { type: 'array', items: [{ type: 'string' }] } } }), ['openAPIV3Schema.properties[a].items']);
  });

  test('$ref is FieldValueForbidden', () => {
    assert.deepEqual(reasons(structuralSchemaProblems({ type: 'object', properties: { a: { type: 'object', $ref: '#/definitions/x' } } })), [['FieldValueForbidden', 'openAPIV3Schema.properties[a].$ref']]);
  });

  test('a keyword outside the supported set is FieldValueForbidden', () => {
    assert.deepEqual(reasons(structuralSchemaProblems({ type: 'object', properties: { a: { type: 'object', patternProperties: {} } } })), [['FieldValueForbidden', 'openAPIV3Schema.properties[a].patternProperties']]);
  });

  test('uniqueItems: true is FieldValueForbidden', () => {
    const schema = { type: 'object', properties: { a: { type: 'array', uniqueItems: true, items: { type: 'string' } } } };
    assert.deepEqual(reasons(structuralSchemaProblems(schema)), [['FieldValueForbidden', 'openAPIV3Schema.properties[a].uniqueItems']]);
  });

  test('x-kubernetes-list-type map without list-map keys is FieldValueRequired', () => {
    const schema = { type: 'object', properties: { a: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } } } };
    assert.deepEqual(reasons(structuralSchemaProblems(schema)), [['FieldValueRequired', 'openAPIV3Schema.properties[a].x-kubernetes-list-map-keys']]);
  });

  test('root metadata declaring more than name and generateName is FieldValueForbidden', () => {
    const schema = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string' }, labels: { type: 'object' } } } } };
    assert.deepEqual(reasons(structuralSchemaProblems(schema)), [['FieldValueForbidden', 'openAPIV3Schema.properties[metadata]']]);
  });

  test('root metadata declaring only name and generateName is allowed', () => {
    const schema = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string' }, generateName: { type: 'string' } } } } };
    assert.deepEqual(structuralSchemaProblems(schema), []);
  });

  test('a schema node that is not an object is FieldValueInvalid', () => {
    assert.deepEqual(reasons(structuralSchemaProblems({ type: 'object', properties: { a: 'string' } })), [['FieldValueInvalid', 'openAPIV3Schema.properties[a]']]);
  });

  test('every problem in the schema is reported', () => {
    const schema = { type: 'object', properties: { a: {}, b: { type: 'array' }, c: { type: 'object', properties: { d: {} } } } };
    assert.deepEqual(problemFields(schema).sort(), ['openAPIV3Schema.properties[a].type', 'openAPIV3Schema.properties[b].items', 'openAPIV3Schema.properties[c].properties[d].type']);
  });

  test('field paths start with the given prefix', () => {
    assert.deepEqual(
      structuralSchemaProblems({ type: 'object', properties: { a: {} } }, 'spec.versions[0].schema.openAPIV3Schema').map((c) => c.field),
      ['spec.versions[0].schema.openAPIV3Schema.properties[a].type'],
    );
  });
});
