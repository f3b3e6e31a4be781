import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ObjectCache } from '../../src/kube/object-cache.js';
import type { KubeObject } from '../../src/kube/resources.js';

function obj(namespace: string, name: string, cluster?: string, resourceVersion = '1'): KubeObject {
  const labels: Record<string, string> = cluster ? { 'pg-cluster': cluster } : {};
  return { metadata: { name, namespace, labels, resourceVersion } };
}

function names(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => o.metadata.name).sort();
}

test('get answers an object by namespace and name', () => {
  const cache = new ObjectCache();
  cache.upsert(obj('a', 'one'));
  cache.upsert(obj('b', 'one'));
  assert.equal(cache.get('a', 'one')?.metadata.namespace, 'a');
  assert.equal(cache.get('b', 'one')?.metadata.namespace, 'b');
  assert.equal(cache.get('c', 'one'), undefined);
  assert.equal(cache.size, 2);
});

test('list of a namespace answers only that namespace', () => {
  const cache = new ObjectCache();
  cache.upsert(obj('a', 'one'));
  cache.upsert(obj('a', 'two'));
  cache.upsert(obj('b', 'three'));
  assert.deepEqual(names(cache.list('a')), ['one', 'two']);
  assert.deepEqual(names(cache.list()), ['one', 'three', 'two']);
  assert.deepEqual(cache.list('nowhere'), []);
});

test('byCluster answers every object labelled with the cluster in that namespace', () => {
  const cache = new ObjectCache();
  cache.upsert(obj('a', 'hippo-rpl1', 'hippo'));
  cache.upsert(obj('a', 'hippo-rpl2', 'hippo'));
  cache.upsert(obj('a', 'rhino-rpl1', 'rhino'));
  cache.upsert(obj('b', 'hippo-rpl1', 'hippo'));
  cache.upsert(obj('a', 'unlabelled'));
  assert.deepEqual(names(cache.byCluster('a', 'hippo')), ['hippo-rpl1', 'hippo-rpl2']);
  assert.deepEqual(names(cache.byCluster('b', 'hippo')), ['hippo-rpl1']);
  assert.deepEqual(cache.byCluster('a', 'elephant'), []);
});

test('an object whose pg-cluster label changes moves to its new cluster', () => {
  const cache = new ObjectCache();
  cache.upsert(obj('a', 'x', 'hippo', '1'));
  cache.upsert(obj('a', 'x', 'rhino', '2'));
  assert.deepEqual(cache.byCluster('a', 'hippo'), []);
  assert.deepEqual(names(cache.byCluster('a', 'rhino')), ['x']);
  assert.equal(cache.get('a', 'x')?.metadata.resourceVersion, '2');
});

test('upsert answers the object it replaced', () => {
  const cache = new ObjectCache();
  assert.equal(cache.upsert(obj('a', 'x', undefined, '1')), undefined);
  assert.equal(cache.upsert(obj('a', 'x', undefined, '2'))?.metadata.resourceVersion, '1');
  assert.equal(cache.size, 1);
});

test('delete removes the object from every index', () => {
  const cache = new ObjectCache();
  cache.upsert(obj('a', 'x', 'hippo'));
  assert.equal(cache.delete('a', 'x')?.metadata.name, 'x');
  assert.equal(cache.get('a', 'x'), undefined);
  assert.deepEqual(cache.list('a'), []);
  assert.deepEqual(cache.byCluster('a', 'hippo'), []);
  assert.equal(cache.size, 0);
});

test('cluster-scoped objects are keyed by name alone', () => {
  const cache = new ObjectCache();
  cache.upsert({ metadata: { name: 'pgouser1' } });
  assert.equal(cache.get(undefined, 'pgouser1')?.metadata.name, 'pgouser1');
  assert.equal(cache.getByKey('pgouser1')?.metadata.name, 'pgouser1');
});

test('a kind with its own cluster rule is indexed by that rule, and a change of owner moves the object', () => {
  const ownerParameter = (o: KubeObject) => (o.spec as { owner?: string } | undefined)?.owner ?? o.metadata.labels?.['pg-cluster'];
  const cache = new ObjectCache(ownerParameter);
  cache.upsert(obj('a', 'labelled', 'hippo'));
  cache.upsert({ metadata: { name: 'by-parameter', namespace: 'a', resourceVersion: '1' }, spec: { owner: 'hippo' } });
  cache.upsert({ metadata: { name: 'moved', namespace: 'a', resourceVersion: '1' }, spec: { owner: 'hippo' } });
  cache.upsert({ metadata: { name: 'moved', namespace: 'a', resourceVersion: '2' }, spec: { owner: 'elephant' } });
  assert.deepEqual(names(cache.byCluster('a', 'hippo')), ['by-parameter', 'labelled']);
  assert.deepEqual(names(cache.byCluster('a', 'elephant')), ['moved']);
});
