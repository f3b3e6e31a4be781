/** The label selector grammar of `labelSelector=`, as the API server, the cache and subscriptions use it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { equalityValue, LabelSelectorError, labelSelectorFromObject, parseLabelSelector } from '../../src/kube/label-selector.js';

const labels = { 'pg-cluster': 'hippo', env: 'prod', tier: 'db', replicas: '3' };
const matches = (selector: string, of: Record<string, string> | undefined = labels) => parseLabelSelector(selector).matches(of);

describe('label selectors', () => {
  test('an empty selector matches everything, including objects without labels', () => {
    assert.equal(parseLabelSelector('').empty, true);
    assert.equal(matches(''), true);
    assert.equal(matches('', undefined), true);
  });

  test('=, == and != compare one label', () => {
    assert.equal(matches('env=prod'), true);
    assert.equal(matches('env==prod'), true);
    assert.equal(matches('env!=prod'), false);
    assert.equal(matches('env=dev'), false);
  });

  test('!= matches objects that lack the label', () => {
    assert.equal(matches('missing!=x'), true);
  });

  test('in and notin test a set, with spaces allowed inside', () => {
    assert.equal(matches('env in (dev, prod)'), true);
    assert.equal(matches('env notin (dev,prod)'), false);
    assert.equal(matches('missing notin (a)'), true);
  });

  test('a bare key requires the label and !key forbids it', () => {
    assert.equal(matches('tier'), true);
    assert.equal(matches('!tier'), false);
    assert.equal(matches('!missing'), true);
  });

  test('> and < compare integer values, and never match a non-integer', () => {
    assert.equal(matches('replicas>2'), true);
    assert.equal(matches('replicas<2'), false);
    assert.equal(matches('env>1'), false);
  });

  test('requirements separated by commas must all hold, commas inside sets excepted', () => {
    assert.equal(matches('env in (dev,prod),tier=db,pg-cluster'), true);
    assert.equal(matches('env in (dev,prod),tier=web'), false);
  });

  test('a prefixed key is a valid key', () => {
    assert.equal(matches('example.com/owner=me', { 'example.com/owner': 'me' }), true);
  });

  test('an invalid key, value or syntax is refused with the text in the message', () => {
    for (const bad of ['-bad=x', 'env=has space', 'env in ()', 'env in (a', 'env=a=b', 'a,,b', 'replicas>two']) {
      assert.throws(() => parseLabelSelector(bad), (e: unknown) => e instanceof LabelSelectorError && e.message.includes('unable to parse requirement'), bad);
    }
  });

  test('toString writes a selector that parses back to the same requirements', () => {
    const text = 'env in (dev,prod),tier!=web,pg-cluster,!legacy,replicas>1';
    const parsed = parseLabelSelector(text);
    assert.deepEqual(parseLabelSelector(parsed.toString()).requirements, parsed.requirements);
  });

  test('the object form joins matchLabels and matchExpressions', () => {
    const selector = labelSelectorFromObject({ matchLabels: { 'pg-cluster': 'hippo' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }, { key: 'legacy', operator: 'DoesNotExist' }] });
    assert.equal(selector.matches(labels), true);
    assert.equal(selector.matches({ ...labels, legacy: 'yes' }), false);
  });

  test('the object form refuses unknown operators and In without values', () => {
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), LabelSelectorError);
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), LabelSelectorError);
  });

  test('equalityValue answers the value a selector pins a key to, for index lookups', () => {
    assert.equal(equalityValue(parseLabelSelector('pg-cluster=hippo,env!=dev'), 'pg-cluster'), 'hippo');
    assert.equal(equalityValue(parseLabelSelector('pg-cluster in (hippo)'), 'pg-cluster'), 'hippo');
    assert.equal(equalityValue(parseLabelSelector('pg-cluster in (a,b)'), 'pg-cluster'), undefined);
  });
});
