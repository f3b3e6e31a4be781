/**
 * The security model of every GraphQL query, mutation and subscription, generated from the schema
 * and the permission each resolver declares, so operations added later are covered too: who is
 * refused, that a refusal writes nothing, that a namespace the caller may not use stays invisible,
 * and that the administrator is always let through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse, validate } from 'graphql';
import { PERMISSIONS } from '../../src/auth/permissions.js';
import { graphqlSchema } from '../../src/graphql/schema.js';
import { GRAPHQL_CODES, WS_CLOSE_CODES } from '../../src/protocol.js';
import { startTestApp, subscribe } from '../support/app.js';
import type { GraphqlResponse, TestApp } from '../support/app.js';
import { operations } from '../support/graphql-operations.js';
import type { Operation } from '../support/graphql-operations.js';
import { namespaceLimitedUser, OTHER_NAMESPACE, PROBED_NAMESPACE, usersLacking } from '../support/matrix.js';
import { basic } from '../support/rest.js';
import type { TestUser } from '../support/rest.js';

const schema = await graphqlSchema();
const OPERATIONS = operations(schema);
const HTTP_OPERATIONS = OPERATIONS.filter((o) => o.kind !== 'subscription');
const SUBSCRIPTIONS = OPERATIONS.filter((o) => o.kind === 'subscription');

/**
 * Mutations and subscriptions that name no namespace, and why none applies. Another one without a
 * namespace fails a test until it is listed here with its reason.
 */
const NAMESPACE_FREE: Readonly<Record<string, string>> = {
  createPgoUser: 'pgo users live in the operator namespace',
  updatePgoUser: 'pgo users live in the operator namespace',
  deletePgoUser: 'pgo users live in the operator namespace',
  createPgoRole: 'pgo roles live in the operator namespace',
  updatePgoRole: 'pgo roles live in the operator namespace',
  deletePgoRole: 'pgo roles live in the operator namespace',
};

/** How long an accepted subscription is watched for a late refusal. */
const QUIET_MS = 300;

const codes = (res: GraphqlResponse): unknown[] => (res.errors ?? []).map((e) => e.extensions?.code);

/** Objects (anything with a `namespace`) and names of the given namespace anywhere in an answer. */
function inNamespace(value: unknown, namespace: string): unknown[] {
  if (value === namespace) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => inNamespace(v, namespace));
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  if (object.namespace === namespace) return [object];
  return Object.values(object).flatMap((v) => inNamespace(v, namespace));
}

const CR = { group: 'crunchydata.com', version: 'v1' };

function replica(name: string, cluster: string, namespace: string): Record<string, unknown> {
  return { apiVersion: 'crunchydata.com/v1', kind: 'Pgreplica', metadata: { name, namespace, labels: { 'pg-cluster': cluster, name } }, spec: { namespace, name, clustername: cluster, status: '', userlabels: {} } };
}

describe('GraphQL permission matrix over every operation', () => {
  let t: TestApp;
  let lacking: Map<string, TestUser>;
  let elsewhere: TestUser;

  /** One of each kind of object in both namespaces, so a list shows whether it leaks. */
  async function seed(namespace: string): Promise<void> {
    const created = await t.gql(`mutation { createCluster(input: { namespace: "${namespace}", name: "leak-probe" }) { workflowId } }`);
    assert.deepEqual(created.errors, undefined);
    const policy = await t.gql(`mutation { createPolicy(input: { namespace: "${namespace}", name: "leak-probe", sql: "select 1" }) { name } }`);
    assert.deepEqual(policy.errors, undefined);
    await t.kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({ ...CR, namespace, plural: 'pgreplicas', body: replica('leak-probe-abcd', 'leak-probe', namespace) });
  }

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    lacking = await usersLacking(t, OPERATIONS.flatMap((o) => o.permissions));
    elsewhere = await namespaceLimitedUser(t);
    await seed(PROBED_NAMESPACE);
    await seed(OTHER_NAMESPACE);
    const deadline = Date.now() + 30_000;
    while (((await t.gql<{ replicas: { totalCount: number } }>('{ replicas { totalCount } }')).data?.replicas.totalCount ?? 0) < 2) {
      if (Date.now() > deadline) assert.fail('the seeded replicas never reached the watch cache');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  after(() => t.dispose());

  /** A refusal must leave every resource as it was. */
  async function refusedWithoutWrites(op: Operation, namespace: string | null, auth: string | null): Promise<GraphqlResponse> {
    const writes = t.app.writer.requests;
    const res = await t.gql(op.document(namespace), {}, auth);
    assert.equal(t.app.writer.requests, writes, `${op.field} wrote before refusing: ${JSON.stringify(res)}`);
    return res;
  }

  test('the schema has queries, mutations and subscriptions', () => {
    for (const kind of ['query', 'mutation', 'subscription']) assert.ok(OPERATIONS.some((o) => o.kind === kind), `no ${kind}`);
  });

  test('every operation declares exactly one pgo permission', () => {
    const known = new Set<string>(PERMISSIONS);
    const wrong = OPERATIONS.filter((o) => o.permissions.length !== 1 || !known.has(o.permissions[0])).map((o) => `${o.kind} ${o.field}: ${JSON.stringify(o.permissions)}`);
    assert.deepEqual(wrong, []);
  });

  test('every generated document is valid against the schema', () => {
    for (const op of OPERATIONS) {
      for (const namespace of [PROBED_NAMESPACE, null]) {
        const document = op.document(namespace);
        assert.deepEqual(validate(schema, parse(document)).map((e) => e.message), [], document);
      }
    }
  });

  test('every mutation and subscription without a namespace is listed with its reason', () => {
    const unlisted = OPERATIONS.filter((o) => o.kind !== 'query' && !o.namespaced && NAMESPACE_FREE[o.field] === undefined).map((o) => o.field);
    assert.deepEqual(unlisted, []);
    const fields = new Set(OPERATIONS.map((o) => o.field));
    for (const field of Object.keys(NAMESPACE_FREE)) assert.ok(fields.has(field), `${field} is listed as namespace-free but is not an operation`);
  });

  for (const op of HTTP_OPERATIONS) {
    describe(`${op.kind} ${op.field}`, () => {
      test('without credentials is 401 UNAUTHENTICATED and writes nothing', async () => {
        const res = await refusedWithoutWrites(op, PROBED_NAMESPACE, null);
        assert.ok(res.status === 401 || codes(res).includes(GRAPHQL_CODES.unauthenticated), JSON.stringify(res));
        assert.equal(res.data ?? null, null);
      });

      test('with a wrong password is UNAUTHENTICATED and writes nothing', async () => {
        const res = await refusedWithoutWrites(op, PROBED_NAMESPACE, basic(t.app.admin.username, 'not-the-password'));
        assert.deepEqual(codes(res), [GRAPHQL_CODES.unauthenticated], JSON.stringify(res));
        assert.equal(res.data ?? null, null);
      });

      test(`for a role granting everything but ${op.permissions.join(', ')} is FORBIDDEN and writes nothing`, async () => {
        const user = lacking.get(op.permissions[0]);
        assert.ok(user, `no user lacking ${op.permissions[0]}`);
        const res = await refusedWithoutWrites(op, PROBED_NAMESPACE, user.authorization);
        assert.ok(codes(res).includes(GRAPHQL_CODES.forbidden), JSON.stringify(res));
        assert.deepEqual(inNamespace(res.data, PROBED_NAMESPACE), []);
      });

      if (op.namespaced) {
        test(`naming ${PROBED_NAMESPACE} by a user kept out of it is FORBIDDEN and writes nothing`, async () => {
          const res = await refusedWithoutWrites(op, PROBED_NAMESPACE, elsewhere.authorization);
          assert.ok(codes(res).includes(GRAPHQL_CODES.forbidden), JSON.stringify(res));
          assert.deepEqual(inNamespace(res.data, PROBED_NAMESPACE), []);
        });
      }

      if (op.kind === 'query' && op.namespaceOptional) {
        test(`without a namespace shows a user kept out of ${PROBED_NAMESPACE} nothing of it`, async () => {
          const res = await t.gql(op.document(null), {}, elsewhere.authorization);
          assert.ok(res.status < 500, JSON.stringify(res));
          assert.ok(!codes(res).includes(GRAPHQL_CODES.forbidden), JSON.stringify(res));
          assert.deepEqual(inNamespace(res.data, PROBED_NAMESPACE), [], JSON.stringify(res.data));
        });
      }

      test('for the administrator is neither refused nor an internal error', async () => {
        const res = await t.gql(op.document(PROBED_NAMESPACE));
        assert.ok(res.status < 500, JSON.stringify(res));
        for (const code of [GRAPHQL_CODES.forbidden, GRAPHQL_CODES.unauthenticated, GRAPHQL_CODES.internal]) assert.ok(!codes(res).includes(code), JSON.stringify(res));
      });
    });
  }

  test('the namespace checks are meaningful: the administrator sees the seeded objects of both namespaces', async () => {
    const lists = HTTP_OPERATIONS.filter((o) => o.kind === 'query' && o.namespaceOptional && o.returnsList);
    const seen = await Promise.all(lists.map(async (o) => inNamespace((await t.gql(o.document(null))).data, PROBED_NAMESPACE).length));
    for (const name of ['clusters', 'policies', 'replicas', 'tasks', 'namespaces']) {
      const i = lists.findIndex((o) => o.field === name);
      if (i >= 0) assert.ok(seen[i] > 0, `the administrator sees nothing of ${PROBED_NAMESPACE} in ${name}`);
    }
  });

  /** Collects what a subscription gets within a short window. */
  async function watch(op: Operation, namespace: string | null, auth: string, until: (errors: unknown[]) => boolean): Promise<string> {
    const sub = subscribe(t.ws(auth), op.document(namespace));
    const deadline = Date.now() + 5000;
    while (!until(sub.errors) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.stop();
    return JSON.stringify(sub.errors);
  }

  for (const op of SUBSCRIPTIONS) {
    describe(`subscription ${op.field} over WebSocket`, () => {
      test(`without credentials the connection is closed with ${WS_CLOSE_CODES.unauthorized}`, async () => {
        const errors = await watch(op, PROBED_NAMESPACE, '', (e) => e.length > 0);
        assert.match(errors, new RegExp(`closed ${WS_CLOSE_CODES.unauthorized}`));
      });

      test(`with a wrong password the connection is closed with ${WS_CLOSE_CODES.forbidden}`, async () => {
        const errors = await watch(op, PROBED_NAMESPACE, basic(t.app.admin.username, 'not-the-password'), (e) => e.length > 0);
        assert.match(errors, new RegExp(`closed ${WS_CLOSE_CODES.forbidden}`));
      });

      test(`for a role granting everything but ${op.permissions.join(', ')} is FORBIDDEN at once`, async () => {
        const user = lacking.get(op.permissions[0]);
        assert.ok(user);
        const errors = await watch(op, PROBED_NAMESPACE, user.authorization, (e) => e.length > 0);
        assert.match(errors, new RegExp(GRAPHQL_CODES.forbidden));
      });

      if (op.namespaced) {
        test(`naming ${PROBED_NAMESPACE} by a user kept out of it is FORBIDDEN at once`, async () => {
          const errors = await watch(op, PROBED_NAMESPACE, elsewhere.authorization, (e) => e.length > 0);
          assert.match(errors, new RegExp(GRAPHQL_CODES.forbidden));
        });
      }

      test('sent over HTTP is refused: subscriptions need the WebSocket', async () => {
        const res = await t.gql(op.document(PROBED_NAMESPACE));
        assert.equal(res.status, 400, JSON.stringify(res));
        assert.deepEqual(codes(res), [GRAPHQL_CODES.badUserInput]);
      });

      test('for the administrator is accepted', async () => {
        const started = Date.now();
        const errors = await watch(op, PROBED_NAMESPACE, t.authorization, (e) => e.length > 0 || Date.now() - started > QUIET_MS);
        assert.doesNotMatch(errors, new RegExp(`${GRAPHQL_CODES.forbidden}|${GRAPHQL_CODES.unauthenticated}|${GRAPHQL_CODES.internal}|closed`));
      });
    });
  }
});
