/** The patch functions themselves: RFC 7386 merge patch, RFC 6902 JSON patch, field selectors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/embedded/api-error.js';
import { parseFieldSelector } from '../../src/embedded/field-selector.js';
import { applyJsonPatch } from '../../src/embedded/patch/json-patch.js';
import type { PatchTarget } from '../../src/embedded/patch/json-patch.js';
import { applyMergePatch } from '../../src/embedded/patch/merge-patch.js';
import type { JsonObject, JsonValue } from '../../src/json.js';

const TARGET: PatchTarget = { kind: 'Pgcluster', group: 'crunchydata.com', name: 'hippo' };

function is4xx(error: unknown): boolean {
  return error instanceof ApiError && error.code >= 400 && error.code < 500;
}

describe('merge patch (RFC 7386)', () => {
  test('objects merge, null removes a key, and arrays are replaced whole', () => {
    const out = applyMergePatch({ a: { b: 1, c: 2 }, list: [1, 2], gone: true }, { a: { c: 3, d: 4 }, list: [9], gone: null });
    assert.deepEqual(out, { a: { b: 1, c: 3, d: 4 }, list: [9] });
  });

  test('a patch that is not an object replaces the target', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, [1, 2] as JsonValue), [1, 2]);
    assert.equal(applyMergePatch({ a: 1 }, 'text'), 'text');
  });

  test('a nested object appears where the target had none', () => {
    assert.deepEqual(applyMergePatch({}, { metadata: { labels: { x: 'y' } } }), { metadata: { labels: { x: 'y' } } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const base = (): JsonObject => ({ spec: { status: '', list: ['a', 'b'], PrimaryStorage: { name: '' } } });
  const apply = (ops: JsonValue) => applyJsonPatch(base(), ops, TARGET);

  test('add, replace, remove, move, copy and test work as the RFC says', () => {
    const out = apply([
      { op: 'replace', path: '/spec/status', value: 'completed' },
      { op: 'add', path: '/spec/list/-', value: 'c' },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'copy', from: '/spec/status', path: '/spec/copied' },
      { op: 'move', from: '/spec/copied', path: '/spec/moved' },
      { op: 'test', path: '/spec/moved', value: 'completed' },
      { op: 'replace', path: '/spec/PrimaryStorage/name', value: 'hippo' },
    ]);
    assert.deepEqual(out, { spec: { status: 'completed', list: ['b', 'c'], PrimaryStorage: { name: 'hippo' }, moved: 'completed' } });
  });

  test('a failing test operation, a missing path or a malformed operation is a 4xx, never a 500', () => {
    for (const ops of [
      [{ op: 'test', path: '/spec/status', value: 'nope' }],
      [{ op: 'replace', path: '/spec/missing/deeper', value: 1 }],
      [{ op: 'remove', path: '/spec/absent' }],
      [{ op: 'explode', path: '/spec' }],
      [{ op: 'add', path: '/spec/x' }],
      { op: 'add', path: '/spec/x', value: 1 },
    ] as JsonValue[]) {
      assert.throws(() => apply(ops), is4xx, JSON.stringify(ops));
    }
  });

  test('a patch leaves its input object untouched', () => {
    const target = base();
    applyJsonPatch(target, [{ op: 'replace', path: '/spec/status', value: 'x' }], TARGET);
    assert.equal((target.spec as JsonObject).status, '');
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p1', namespace: 'pgouser1' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };

  test('metadata.name and metadata.namespace work on every kind, with = == and !=', () => {
    assert.equal(parseFieldSelector('metadata.name=p1', 'Pod').matches(pod), true);
    assert.equal(parseFieldSelector('metadata.name==p1,metadata.namespace!=other', 'Pod').matches(pod), true);
    assert.equal(parseFieldSelector('metadata.namespace=other', 'ConfigMap').matches(pod), false);
  });

  test('pod fields kubectl uses are supported', () => {
    assert.equal(parseFieldSelector('spec.nodeName=n1,status.phase=Running', 'Pod').matches(pod), true);
    assert.equal(parseFieldSelector('status.phase!=Running', 'Pod').matches(pod), false);
  });

  test('a field the kind does not support is refused with a 400', () => {
    assert.throws(() => parseFieldSelector('spec.nodeName=n1', 'ConfigMap'), (e: unknown) => e instanceof ApiError && e.code === 400);
  });

  test('nameEquals answers the name a selector pins, for direct lookups', () => {
    assert.equal(parseFieldSelector('metadata.name=p1', 'Pod').nameEquals(), 'p1');
    assert.equal(parseFieldSelector('metadata.name!=p1', 'Pod').nameEquals(), undefined);
  });
});
