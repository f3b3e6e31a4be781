/**
 * The security model of every legacy REST route, generated from the route table so routes added
 * later are covered too: who is refused (401, 403 as 4.2.4's Authn answered, in plain text), which
 * namespace a caller may name, and that the administrator is always let through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PERMISSIONS } from '../../src/auth/permissions.js';
import { PGO_MESSAGES } from '../../src/protocol.js';
import type { RestRoute } from '../../src/rest/route.js';
import { REST_ROUTES } from '../../src/rest/routes.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { namespaceLimitedUser, PROBED_NAMESPACE, usersLacking } from '../support/matrix.js';
import { basic, CLIENT_VERSION, pgoClient } from '../support/rest.js';
import type { PgoClient, PgoResponse, TestUser } from '../support/rest.js';

/**
 * Routes whose 4.2.4 handler never checked the caller's namespace access, and why. A route that
 * does check it but is missing from the table fails the namespace test instead of being skipped.
 */
const NAMESPACE_FREE: Readonly<Record<string, string>> = {
  'ANY /version': 'the server version belongs to no namespace',
  'POST /pgousercreate': 'pgo users live in the operator namespace',
  'POST /pgousershow': 'pgo users live in the operator namespace',
  'POST /pgouserupdate': 'pgo users live in the operator namespace',
  'POST /pgouserdelete': 'pgo users live in the operator namespace',
  'POST /pgorolecreate': 'pgo roles live in the operator namespace',
  'POST /pgoroleshow': 'pgo roles live in the operator namespace',
  'POST /pgoroleupdate': 'pgo roles live in the operator namespace',
  'POST /pgoroledelete': 'pgo roles live in the operator namespace',
  'POST /namespace': 'lists namespaces with the caller\'s access to each, instead of refusing',
  'POST /namespacecreate': 'namespaces are the subject, named in Args',
  'POST /namespaceupdate': 'namespaces are the subject, named in Args',
  'POST /namespacedelete': 'namespaces are the subject, named in Args',
};

/**
 * Query parameters a handler parses before it checks the namespace (an unparsable one would be
 * refused first): 4.2.4's scaledown parsed `delete-data` with strconv.ParseBool.
 */
const EXTRA_QUERY: Readonly<Record<string, string>> = {
  '/scaledown/{name}': '&replica-name=matrix-probe-abcd&delete-data=false',
};

/** Plausible path parameter values; any other `{param}` gets a cluster-like name. */
const PARAM_VALUES: Readonly<Record<string, string>> = { id: '0123abcd' };

const BODY = { ClientVersion: CLIENT_VERSION, Namespace: PROBED_NAMESPACE };

const label = (route: RestRoute): string => `${route.method} ${route.path}`;

/** The path with its parameters filled and the query pgo's CLI sends. */
function url(pattern: string): string {
  const path = pattern.replace(/\{(\w+)\}/g, (_m, name: string) => PARAM_VALUES[name] ?? 'matrix-probe');
  return `${path}?version=${CLIENT_VERSION}&namespace=${PROBED_NAMESPACE}${EXTRA_QUERY[pattern] ?? ''}`;
}

const guarded = REST_ROUTES.filter((r) => r.permission !== null);

describe('REST permission matrix over every route', () => {
  let t: TestApp;
  let pgo: PgoClient;
  let lacking: Map<string, TestUser>;
  let elsewhere: TestUser;

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    pgo = pgoClient(t);
    lacking = await usersLacking(t, guarded.map((r) => String(r.permission)));
    elsewhere = await namespaceLimitedUser(t);
  });
  after(() => t.dispose());

  const call = (route: RestRoute, auth: string | null): Promise<PgoResponse> => {
    return pgo.call(route.method === 'ANY' ? 'GET' : route.method, url(route.path), BODY, auth);
  };

  /** A refusal must leave every resource as it was. */
  async function refusedWithoutWrites(route: RestRoute, auth: string | null): Promise<PgoResponse> {
    const writes = t.app.writer.requests;
    const res = await call(route, auth);
    assert.equal(t.app.writer.requests, writes, `${label(route)} wrote before refusing: ${res.status} ${res.text}`);
    return res;
  }

  test('the route table is not empty and every permission is one of pgo\'s', () => {
    assert.ok(REST_ROUTES.length > 0);
    const known = new Set<string>(PERMISSIONS);
    for (const route of guarded) assert.ok(known.has(String(route.permission)), `${label(route)} checks unknown permission ${route.permission}`);
  });

  test('every route that names no namespace is one 4.2.4 did not namespace-check, and is still in the table', () => {
    const labels = new Set(REST_ROUTES.map(label));
    for (const key of Object.keys(NAMESPACE_FREE)) assert.ok(labels.has(key), `${key} is listed as namespace-free but is not a route`);
  });

  for (const route of REST_ROUTES.filter((r) => r.permission === null)) {
    test(`${label(route)} answers 200 without credentials`, async () => {
      const res = await call(route, null);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['content-type'], 'application/json');
    });
  }

  for (const route of guarded) {
    describe(label(route), () => {
      test('without credentials is 401 with pgo\'s RFC 7617 text', async () => {
        const res = await refusedWithoutWrites(route, null);
        assert.deepEqual([res.status, res.text], [401, `${PGO_MESSAGES.credentialsMissing}\n`]);
        assert.equal(res.headers['www-authenticate'], 'Basic realm="Restricted"');
      });

      test('with a wrong password is 401 not authenticated', async () => {
        const res = await refusedWithoutWrites(route, basic(t.app.admin.username, 'not-the-password'));
        assert.deepEqual([res.status, res.text], [401, `${PGO_MESSAGES.notAuthenticated}\n`]);
      });

      test(`for a role granting everything but ${route.permission} is 403 not authorized`, async () => {
        const user = lacking.get(String(route.permission));
        assert.ok(user);
        const res = await refusedWithoutWrites(route, user.authorization);
        assert.deepEqual([res.status, res.text], [403, `${PGO_MESSAGES.notAuthorized}\n`]);
      });

      if (NAMESPACE_FREE[label(route)] === undefined) {
        test(`for a user kept out of ${PROBED_NAMESPACE} answers pgo's namespace refusal`, async () => {
          const res = await refusedWithoutWrites(route, elsewhere.authorization);
          assert.equal(res.status, 200, res.text);
          const body = JSON.parse(res.text) as { Code?: string; Msg?: string; Status?: { Code: string; Msg: string }; status?: { Code: string; Msg: string } };
          const status = body.Status ?? body.status ?? body;
          assert.deepEqual([status.Code, status.Msg], ['error', PGO_MESSAGES.namespaceNotAllowed(elsewhere.name, PROBED_NAMESPACE)], res.text);
        });
      }

      test('for the administrator is 200 with a JSON answer', async () => {
        const res = await call(route, t.authorization);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers['content-type'], 'application/json');
        assert.doesNotThrow(() => JSON.parse(res.text), res.text);
      });
    });
  }

  const byPath = new Map<string, Set<string>>();
  for (const route of REST_ROUTES) byPath.set(route.path, (byPath.get(route.path) ?? new Set()).add(route.method));
  for (const [path, methods] of byPath) {
    if (methods.has('ANY')) continue;
    const wrong = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'].find((m) => !methods.has(m)) ?? 'PATCH';
    test(`${wrong} ${path} is 405 naming the methods it takes`, async () => {
      const res = await pgo.call(wrong, url(path), BODY);
      assert.equal(res.status, 405);
      assert.deepEqual(new Set(String(res.headers.allow).split(', ')), methods);
    });
  }

  for (const path of ['/no-such-route', '/version/extra', '/workflow', '/clusters/scale']) {
    test(`an unknown path ${path} is 404`, async () => {
      const res = await pgo.call('GET', path, BODY);
      assert.equal(res.status, 404, res.text);
    });
  }
});
