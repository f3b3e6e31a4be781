/**
 * Random and mutated GraphQL requests as the administrator: documents cut, spliced and retyped,
 * variables of every wrong type, over-deep and over-wide queries, and bodies that are not GraphQL
 * at all. Whatever comes in, the answer is never a 5xx and always a GraphQL JSON answer. The seed is
 * printed; FUZZ_SEED=<seed> replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType } from 'graphql';
import type { GraphQLInputType } from 'graphql';
import { graphqlSchema } from '../../src/graphql/schema.js';
import { GRAPHQL_CODES } from '../../src/protocol.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { deepText, fuzzSeed, invalidUtf8, Random, randomString, randomValue, sendAll } from '../support/fuzz.js';
import type { RawResponse } from '../support/fuzz.js';
import { operations, PLACEHOLDER } from '../support/graphql-operations.js';
import type { Operation } from '../support/graphql-operations.js';
import { basic } from '../support/rest.js';

/** Requests per run and how many are in flight at once; about 30 s on two cores. */
const REQUESTS = 8000;
const IN_FLIGHT = 8;

const schema = await graphqlSchema();
const OPERATIONS = operations(schema).filter((o) => o.kind !== 'subscription');

interface Case {
  method: 'GET' | 'POST';
  path: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** A variable value for an input type: right in shape, with wrong values here and there. */
function inputValue(r: Random, type: GraphQLInputType, depth = 0): unknown {
  if (r.chance(0.1) || depth > 6) return randomValue(r);
  if (isNonNullType(type)) return inputValue(r, type.ofType, depth + 1);
  if (isListType(type)) return Array.from({ length: r.int(4) }, () => inputValue(r, type.ofType as GraphQLInputType, depth + 1));
  if (isEnumType(type)) return r.chance(0.7) ? r.pick(type.getValues()).name : randomString(r);
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) if (isNonNullType(field.type) || r.chance(0.5)) out[field.name] = field.name === 'namespace' && r.chance(0.7) ? r.pick(['pgouser1', 'pgouser2']) : inputValue(r, field.type, depth + 1);
    if (r.chance(0.1)) out[randomString(r).slice(0, 20)] = randomValue(r);
    return out;
  }
  switch (getNamedType(type).name) {
    case 'Int':
      return r.pick([0, 1, 3, -1, 2 ** 31, 1.5, 1000]);
    case 'Boolean':
      return r.chance(0.5);
    default:
      return r.chance(0.6) ? PLACEHOLDER : randomString(r);
  }
}

/** The operation with every argument passed as a variable. */
function withVariables(r: Random, op: Operation): { query: string; variables: Record<string, unknown> } {
  const field = (op.kind === 'query' ? schema.getQueryType() : schema.getMutationType())?.getFields()[op.field];
  const args = field?.args ?? [];
  const declared = args.map((a, i) => `$v${i}: ${r.chance(0.9) ? String(a.type) : r.pick(['String', 'Int!', '[String!]!', 'Boolean', 'ID', 'NoSuchType'])}`);
  const passed = args.map((a, i) => `${a.name}: $v${i}`);
  const selection = op.document(null).replace(/^[^{]*\{\s*\w+(\([^)]*\))?\s*/, '').replace(/\}\s*$/, '');
  const query = `${op.kind}${declared.length > 0 ? `(${declared.join(', ')})` : ''} { ${op.field}${passed.length > 0 ? `(${passed.join(', ')})` : ''} ${selection} }`;
  const variables: Record<string, unknown> = {};
  args.forEach((a, i) => {
    if (r.chance(0.9)) variables[`v${i}`] = inputValue(r, a.type);
  });
  return { query, variables };
}

/** Ways to break a document: cut, splice, retype a literal, repeat, nest, or ask for what is not there. */
function mutateDocument(r: Random, document: string): string {
  switch (r.int(14)) {
    case 0:
      return document.slice(0, r.int(document.length));
    case 1: {
      const at = r.int(document.length);
      return `${document.slice(0, at)}${r.pick(['{', '}', '(', ')', ':', '$', '"', '@', '...', '!', '[', ']', '#', '\\', '\u0000', '\ufeff', ' '])}${document.slice(at + r.int(3))}`;
    }
    case 2:
      return document.replace(/"[^"]*"/, () => r.pick(['1', '-1', '2147483648', '1.5', 'true', 'null', 'FULL', '{ a: 1 }', '[1, 2]', '"\\u0000"', '"\\x"', '"\\uD800"', `"${'x'.repeat(100_000)}"`, '$undeclared', '"""block"""']));
    case 3: {
      // The same field under many aliases: wide rather than deep.
      const inner = /^\w+ \{ ([\s\S]*) \}$/.exec(document)?.[1] ?? 'namespaces';
      const kind = document.split(' ')[0];
      return `${kind} { ${Array.from({ length: 1 + r.int(300) }, (_, i) => `a${i}: ${inner}`).join(' ')} }`;
    }
    case 4: {
      // Always past the depth limit, so it is refused before execution (see the skipped test below).
      const depth = 5 + r.int(20);
      return `query { clusters { nodes { ${'replicas { cluster { '.repeat(depth)}name${' } }'.repeat(depth)} } } }`;
    }
    case 5:
      return document.replace(/\{ __typename/, `{ __typename ${randomString(r).replace(/\W/g, '') || 'nope'} `);
    case 6:
      return document.replace(/\(/, `(${r.pick(['nope: 1, ', 'first: -5, ', 'first: 100000, ', 'after: "!!", ', 'selector: "a in (", ', 'namespace: null, '])}`);
    case 7:
      return document.replace(/__typename/, `__typename @${r.pick(['skip', 'include', 'deprecated', 'nope'])}(if: ${r.pick(['true', '"x"', '1', 'null', '$x'])})`);
    case 8:
      return r.pick(['fragment F on Query { ...F } query { ...F }', 'query { ...Missing }', 'query A { version { pgoVersion } } query A { version { pgoVersion } }', 'query A { version { pgoVersion } } query B { namespaces }', '{ __schema { types { name fields { name } } } }', '{ __type(name: "Cluster") { name } }', 'subscription { clusterChanged { type } }', '', '   ', '# only a comment', '{}', 'query', '{ version }', 'mutation { version { pgoVersion } }']);
    case 9:
      return `${document}${' '.repeat(1000)}#${'x'.repeat(r.int(500_000))}`;
    case 10:
      return `${document} ${document}`;
    case 11:
      return Array.from({ length: 1 + r.int(200) }, () => String.fromCharCode(r.int(0x80))).join('');
    case 12:
      return document.replace(/namespace: "[^"]*"/, `namespace: ${JSON.stringify(randomString(r).slice(0, 300))}`);
    default:
      return document;
  }
}

function bodyCase(r: Random, auth: string): Case {
  const op = r.pick(OPERATIONS);
  const headers = { 'Content-Type': 'application/json', Authorization: auth };
  switch (r.int(20)) {
    case 0:
      return { method: 'POST', path: '/graphql', headers, body: Buffer.from(JSON.stringify(randomValue(r))) };
    case 1:
      return { method: 'POST', path: '/graphql', headers, body: invalidUtf8(r, JSON.stringify({ query: op.document('pgouser1') })) };
    case 2:
      return { method: 'POST', path: '/graphql', headers, body: Buffer.from(r.pick(['', '{', '[]', '[{"query":"{ namespaces }"},{"query":"{ namespaces }"}]', 'null', '"x"', '{"query":null}', '{"query":1}', '{"query":["{ namespaces }"]}', '{"variables":{}}', '{"query":"{ namespaces }","variables":"x"}', '{"query":"{ namespaces }","variables":[1]}', '{"query":"{ namespaces }","operationName":5}', '{"query":"{ namespaces }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}', '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}'])) };
    case 3:
      return { method: 'POST', path: '/graphql', headers, body: Buffer.from(`{"query":"query($v: [String]) { namespaces }","variables":{"v":${deepText(r, '"x"')}}}`) };
    case 4:
      return { method: 'POST', path: '/graphql', headers: { ...headers, 'Content-Type': r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', '']) }, body: Buffer.from(JSON.stringify({ query: op.document('pgouser1') })) };
    case 5: {
      const query = encodeURIComponent(mutateDocument(r, op.document('pgouser1')).slice(0, 6000));
      return { method: 'GET', path: `/graphql?query=${query}${r.chance(0.3) ? `&variables=${encodeURIComponent(JSON.stringify(randomValue(r))).slice(0, 2000)}` : ''}`, headers: { Authorization: auth, ...(r.chance(0.7) ? { 'apollo-require-preflight': 'true' } : {}) }, body: Buffer.alloc(0) };
    }
    case 6:
    case 7:
    case 8:
    case 9: {
      const { query, variables } = withVariables(r, op);
      return { method: 'POST', path: '/graphql', headers, body: Buffer.from(JSON.stringify({ query, variables, ...(r.chance(0.1) ? { operationName: r.pick(['', 'Nope', null]) } : {}) })) };
    }
    default:
      return { method: 'POST', path: '/graphql', headers, body: Buffer.from(JSON.stringify({ query: mutateDocument(r, op.document(r.chance(0.8) ? 'pgouser1' : null)) })) };
  }
}

/** Always JSON with `errors` or `data`, never a server error. */
function problemWith(res: RawResponse): string | undefined {
  if (res.status >= 500) return `server error ${res.status}`;
  if (!/^application\/(graphql-response\+)?json/.test(String(res.headers['content-type']))) return `content type ${res.headers['content-type']}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const answer = body as { data?: unknown; errors?: unknown };
  if (answer.errors !== undefined && (!Array.isArray(answer.errors) || answer.errors.length === 0)) return 'errors is not a non-empty list';
  if (answer.errors === undefined && answer.data === undefined) return 'neither data nor errors';
  if (res.status !== 200 && answer.errors === undefined) return `${res.status} without errors`;
  // A resolver that crashed: the request was fine, or should have been refused with a reason.
  if (res.status === 200 && JSON.stringify(answer.errors ?? []).includes(GRAPHQL_CODES.internal)) return 'internal error in a 200 answer';
  return undefined;
}

/** Requests that once made the server answer 500 or crash a resolver, kept as fixed cases. */
const HOSTILE: readonly [string, string][] = [
  ['a fragment that spreads itself', JSON.stringify({ query: 'fragment F on Query { ...F } query { ...F }' })],
  ['a spread of an unknown fragment', JSON.stringify({ query: 'query { ...Missing }' })],
  ['an operation name the document lacks', JSON.stringify({ query: 'query { namespaces }', operationName: 'Nope' })],
  ['a required variable left out', JSON.stringify({ query: 'query($v: String!) { cluster(name: $v, namespace: "pgouser1") { name } }', variables: {} })],
  ['a variable of the wrong type', JSON.stringify({ query: 'query($v: Int) { clusters(first: $v) { totalCount } }', variables: { v: 'x' } })],
  ['a subscription sent over HTTP', JSON.stringify({ query: 'subscription { clusterChanged { type } }' })],
  ['a variable nested 100,000 lists deep', `{"query":"query($v: [String!]) { pgoUsers(names: $v) { username } }","variables":{"v":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`],
];

describe('GraphQL fuzz over every query and mutation', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
  });
  after(() => t.dispose());

  test(`${REQUESTS} random and mutated requests are never a 5xx and always a GraphQL JSON answer`, async (ctx) => {
    const seed = fuzzSeed();
    ctx.diagnostic(`FUZZ_SEED=${seed}`);
    console.log(`GraphQL fuzz: FUZZ_SEED=${seed}`);
    const r = new Random(seed);
    const wrongAuth = [basic(t.app.admin.username, 'not-the-password'), 'Basic', 'Bearer x', `Basic ${'A'.repeat(3000)}`];
    const cases = Array.from({ length: REQUESTS }, () => bodyCase(r, r.chance(0.05) ? r.pick(wrongAuth) : t.authorization));
    const { failures, statuses } = await sendAll(t, cases, IN_FLIGHT, problemWith);
    ctx.diagnostic(`statuses: ${JSON.stringify(statuses)}`);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${REQUESTS} answers were wrong (seed ${seed})`);
  });

  for (const [what, body] of HOSTILE) {
    test(`${what} is refused with a GraphQL error, not a server error`, async () => {
      const res = await t.post('/graphql', body, { 'Content-Type': 'application/json', Authorization: t.authorization });
      assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text.slice(0, 300)}`);
      const answer = JSON.parse(res.text) as { errors?: { extensions?: { code?: string } }[] };
      assert.ok((answer.errors ?? []).length > 0, res.text.slice(0, 300));
      assert.ok(!answer.errors?.some((e) => e.extensions?.code === GRAPHQL_CODES.internal), res.text.slice(0, 300));
    });
  }

  test(
    'a shallow query nesting lists over a cluster with 2,000 replicas is cut off by the result budget',
    async () => {
      await t.gql('mutation { createCluster(input: { namespace: "pgouser2", name: "fanout" }) { workflowId } }');
      for (let i = 0; i < 63; i++) await t.gql('mutation { scaleCluster(input: { namespace: "pgouser2", cluster: "fanout", replicaCount: 32 }) { name } }');
      const res = await t.gql('query { clusters(namespace: "pgouser2") { nodes { replicas { cluster { replicas { cluster { name } } } } } } }');
      assert.ok((res.errors ?? []).length > 0, 'expected the answer to be cut off');
      assert.deepEqual([...new Set(res.errors?.map((e) => e.extensions?.code))], [GRAPHQL_CODES.queryTooComplex]);
    },
  );

  test('the server still answers a query after the fuzz', async () => {
    const res = await t.gql<{ version: { pgoVersion: string } }>('{ version { pgoVersion } }');
    assert.equal(res.data?.version.pgoVersion, '4.2.4');
  });
});
