/** The committed SDL, the request limits and the explorer page. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { schemaSdl } from '../../src/graphql/schema.js';
import { MAX_BODY_BYTES, MAX_QUERY_DEPTH } from '../../src/graphql/limits.js';
import { startTestApp, subscribe } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { REPO_ROOT } from '../support/embedded.js';

interface IntrospectedType {
  name: string;
  fields: { name: string; description: string | null; args: { name: string; description: string | null }[] }[] | null;
  inputFields: { name: string; description: string | null }[] | null;
  enumValues: { name: string; description: string | null }[] | null;
}

const DESCRIPTIONS = '{ __schema { types { name fields(includeDeprecated: true) { name description args { name description } } inputFields { name description } enumValues(includeDeprecated: true) { name description } } } }';

/** Every field, argument, input field and enum value without a description, as `Type.field(arg)`. */
function undescribed(types: IntrospectedType[]): string[] {
  const out: string[] = [];
  for (const type of types.filter((t) => !t.name.startsWith('__'))) {
    for (const field of type.fields ?? []) {
      if (!field.description) out.push(`${type.name}.${field.name}`);
      for (const arg of field.args) if (!arg.description) out.push(`${type.name}.${field.name}(${arg.name})`);
    }
    for (const field of type.inputFields ?? []) if (!field.description) out.push(`${type.name}.${field.name}`);
    for (const value of type.enumValues ?? []) if (!value.description) out.push(`${type.name}.${value.name}`);
  }
  return out.sort();
}

describe('schema and limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.dispose());

  test('schema/schema.graphql is exactly the SDL the code builds (run `npm run schema` after changing types)', async () => {
    assert.equal(readFileSync(join(REPO_ROOT, 'schema/schema.graphql'), 'utf8'), await schemaSdl());
  });

  test('every field, argument, input field and enum value says what it means', async () => {
    const res = await t.gql<{ __schema: { types: IntrospectedType[] } }>(DESCRIPTIONS);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual(undescribed(res.data!.__schema.types), []);
  });

  test('a query nested deeper than the limit is refused with QUERY_TOO_DEEP', async () => {
    let selection = 'name';
    for (let i = 0; i < MAX_QUERY_DEPTH; i++) selection = `replicas { cluster { ${selection} } }`;
    const res = await t.gql(`{ clusters { nodes { ${selection} } } }`);
    assert.equal(res.status, 400);
    assert.equal(res.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');
  });

  test('an unknown field is a validation error, not QUERY_TOO_DEEP', async () => {
    const res = await t.gql('{ version { noSuchField } }');
    assert.equal(res.status, 400);
    assert.equal(res.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  test('a query estimated too costly is refused with QUERY_TOO_COMPLEX before it runs', async () => {
    const res = await t.gql('{ clusters(first: 1000) { nodes { replicas { cluster { replicas { cluster { tasks { name parameters { key value } } } } } } } } }');
    assert.equal(res.status, 400);
    assert.equal(res.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.equal(res.errors?.[0]?.extensions?.http, undefined);
  });

  test('the equivalent of pgo\'s show-all of 1,000 clusters with their objects is within the limits', async () => {
    const res = await t.gql(`{ clusters(first: 1000) { totalCount nodes { name namespace state imageTag port labels { key value } userLabels { key value }
      deployments { name } pods { name phase ready role } services { name clusterIp externalAddresses } replicas { name } } } }`);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  });

  test('the dashboard query of 1,000 clusters with replicas and tasks is within the limits', async () => {
    const res = await t.gql('{ clusters(first: 1000) { totalCount nodes { name state port replicas { name state } tasks { name taskType progress } } } }');
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  });

  test('a body over the limit is refused with 413', async () => {
    const res = await t.post('/graphql', JSON.stringify({ query: `{ version { pgoVersion } } #${'x'.repeat(MAX_BODY_BYTES)}` }), { 'Content-Type': 'application/json', Authorization: t.authorization });
    assert.equal(res.status, 413);
  });

  test('a simple cross-site request (text/plain POST) is refused by CSRF prevention', async () => {
    const res = await t.post('/graphql', JSON.stringify({ query: '{ version { pgoVersion } }' }), { 'Content-Type': 'text/plain', Authorization: t.authorization });
    assert.equal(res.status, 400);
  });

  test('malformed JSON is a 400 with BAD_USER_INPUT', async () => {
    const res = await t.post('/graphql', '{"query":', { 'Content-Type': 'application/json', Authorization: t.authorization });
    assert.equal(res.status, 400);
    assert.match(res.text, /BAD_USER_INPUT/);
  });

  test('a persisted query whose hash does not match its text is a 400 with BAD_REQUEST', async () => {
    const body = { query: '{ version { pgoVersion } }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } };
    const res = await t.post('/graphql', JSON.stringify(body), { 'Content-Type': 'application/json', Authorization: t.authorization });
    assert.equal(res.status, 400);
    const answer = JSON.parse(res.text) as { errors: { message: string; extensions: { code: string } }[] };
    assert.equal(answer.errors[0].extensions.code, 'BAD_REQUEST');
    assert.match(answer.errors[0].message, /sha does not match/);
  });

  test('the explorer page and its scripts are served by the server itself', async () => {
    const page = await t.get('/graphql', { Accept: 'text/html', Authorization: t.authorization });
    assert.equal(page.status, 200);
    const scripts = [...page.text.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(scripts.length >= 3);
    for (const src of scripts) {
      assert.ok(src.startsWith('/'), `${src} is not served locally`);
      assert.equal((await t.get(src, {})).status, 200, src);
    }
  });

  test('the explorer page asks for credentials', async () => {
    const page = await t.get('/graphql', { Accept: 'text/html' });
    assert.equal(page.status, 401);
  });
});

describe('introspection turned off', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ PGO_INTROSPECTION: 'false' });
  });
  after(() => t.dispose());

  test('an introspection query is refused while ordinary queries still work', async () => {
    const introspection = await t.gql('{ __schema { types { name } } }');
    assert.ok(introspection.errors?.length);
    const ordinary = await t.gql<{ version: { pgoVersion: string } }>('{ version { pgoVersion } }');
    assert.equal(ordinary.data?.version.pgoVersion, '4.2.4');
  });

  test('an introspection query over WebSocket is refused too', async () => {
    const sub = subscribe(t.ws(), '{ __schema { types { name } } }');
    await assert.rejects(sub.next(1, 3000), /introspection/i);
  });
});
