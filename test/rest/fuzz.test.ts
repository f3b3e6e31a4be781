/**
 * Random and malformed requests to every legacy REST route as the administrator: whatever comes
 * in, the answer is never a 5xx, always a pgo JSON body or one of Go's plain-text refusals, and the
 * server keeps answering. The seed is printed; FUZZ_SEED=<seed> replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PGO_MESSAGES, PGO_STATUS } from '../../src/protocol.js';
import type { RestRoute } from '../../src/rest/route.js';
import { REST_ROUTES } from '../../src/rest/routes.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { fuzzSeed, hostileQuery, hostileSegment, mutateBody, Random, randomString, rawClient, sendAll } from '../support/fuzz.js';
import type { RawResponse } from '../support/fuzz.js';
import { basic, CLIENT_VERSION } from '../support/rest.js';

/** Requests per run and how many are in flight at once; about 15 s on two cores. */
const REQUESTS = 10_000;
const IN_FLIGHT = 8;
/** Node's HTTP parser refuses request heads over 16 KiB (431) before any route sees them. */
const MAX_URL = 12_000;

/** Request keys of pgo 4.2.4's apiservermsgs, for bodies that are right in shape but wrong in value. */
const BODY_KEYS = [
  'ClientVersion', 'Namespace', 'Name', 'Clustername', 'ClusterName', 'Args', 'Selector', 'AllFlag', 'Policies', 'Policy', 'PolicyName', 'SQL', 'URL',
  'Username', 'Password', 'PgouserName', 'PgouserPassword', 'PgouserRoles', 'PgouserNamespaces', 'AllNamespaces', 'PgoroleName', 'PgorolePermissions',
  'ReplicaCount', 'CCPImage', 'CCPImageTag', 'StorageConfig', 'ReplicaStorageConfig', 'ResourcesConfig', 'NodeLabel', 'ServiceType', 'Labels', 'LabelCmdLabel',
  'DeleteData', 'DeleteBackups', 'Autofail', 'Target', 'Query', 'BackupType', 'BackupOpts', 'FromCluster', 'FromPVC', 'ToPVC', 'PITRTarget', 'RestoreOpts',
  'SrcClusterName', 'TgtClusterName', 'ScheduleName', 'Schedule', 'ScheduleType', 'PVCName', 'DryRun', 'Options', 'Database', 'Clients', 'Jobs', 'Scale',
  'Transactions', 'PasswordAgeDays', 'PasswordLength', 'ManagedUser', 'SetPassword', 'UserDBAccess', 'Replica', 'Pgbouncer', 'Metrics', 'Badger',
];
const QUERY_KEYS = ['version', 'namespace', 'selector', 'name', 'replica-count', 'replica-name', 'delete-data', 'ccp-image-tag', 'storage-config', 'resources-config', 'node-label', 'service-type', 'target'];
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'];
const VALID_BODY = { ClientVersion: CLIENT_VERSION, Namespace: 'pgouser1' };
const VALID_QUERY = `?version=${CLIENT_VERSION}&namespace=pgouser1`;

interface Case {
  method: string;
  path: string;
  body: Buffer;
  authorization: string;
}

const GO_TEXTS: Readonly<Record<number, readonly string[]>> = {
  401: [`${PGO_MESSAGES.credentialsMissing}\n`, `${PGO_MESSAGES.notAuthenticated}\n`],
  403: [`${PGO_MESSAGES.notAuthorized}\n`],
};

function pathOf(r: Random, route: RestRoute): string {
  const path = route.path.replace(/\{\w+\}/g, () => (r.chance(0.4) ? hostileSegment(r) : 'fuzz-probe'));
  const url = `${path}${r.chance(0.5) ? VALID_QUERY : hostileQuery(r, QUERY_KEYS)}`;
  return url.slice(0, MAX_URL);
}

/** Credentials that are not the administrator's, or are not credentials at all. */
function badAuthorization(r: Random, admin: string): string {
  return r.pick([
    'Basic', 'Basic ', 'Bearer abc', 'basic Zm9vOmJhcg==', `Basic ${'A'.repeat(4000)}`, 'Basic !!!!', 'Basic Og==', 'Basic OjpwYXNz',
    basic(admin, randomString(r).slice(0, 100)), basic(randomString(r).slice(0, 100), 'x'), `Basic ${Buffer.from(randomString(r).slice(0, 100)).toString('base64')}`,
  ]);
}

function makeCase(r: Random, admin: { username: string; authorization: string }): Case {
  const route = r.pick(REST_ROUTES);
  const method = r.chance(0.05) ? r.pick(METHODS) : route.method === 'ANY' ? r.pick(['GET', 'POST', 'DELETE']) : route.method;
  const path = r.chance(0.05) ? `${r.pick(['/', '//', '/../'])}${Array.from({ length: 1 + r.int(4) }, () => hostileSegment(r)).join('/')}`.slice(0, MAX_URL) : pathOf(r, route);
  const body = r.chance(0.05) ? Buffer.alloc(0) : mutateBody(r, VALID_BODY, BODY_KEYS);
  return { method, path, body, authorization: r.chance(0.05) ? badAuthorization(r, admin.username) : admin.authorization };
}

/** What an answer may be: a pgo JSON body with a Status, Go's plain-text refusals, or an empty 405. */
function problemWith(res: RawResponse): string | undefined {
  const text = res.body.toString('utf8');
  if (res.status >= 500) return `server error ${res.status}`;
  if (GO_TEXTS[res.status]) return GO_TEXTS[res.status].includes(text) && String(res.headers['content-type']).startsWith('text/plain') ? undefined : `unexpected ${res.status} text`;
  if (res.status === 405) return res.body.length === 0 && res.headers.allow ? undefined : '405 without Allow or with a body';
  if (res.headers['content-type'] !== 'application/json') return `content type ${res.headers['content-type']}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  // Paths that are no route get the server's own not-found object.
  if (res.status === 404) return 'message' in body ? undefined : '404 without a message';
  const object = body as Record<string, unknown>;
  const status = (object.Status ?? object.status ?? object) as Record<string, unknown>;
  // Some 4.2.4 handlers never set Code on success, leaving Go's zero value.
  const codes: unknown[] = [PGO_STATUS.ok, PGO_STATUS.error, ''];
  if (!codes.includes(status.Code) || typeof status.Msg !== 'string') return 'no pgo Status (Code, Msg)';
  if (res.status !== 200 && status.Code !== PGO_STATUS.error) return `${res.status} with an ok Status`;
  return undefined;
}

/** Request targets that once made the server answer 500 (`//x` read as a host), kept as fixed cases. */
const HOSTILE_TARGETS = ['//%D1%93%E6%AF%BF%EF%BF%BD/%2C', '//x/y', '//version', '/..//x', '//[::1/version', '//:99999/version'];

describe('REST fuzz over every route', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
  });
  after(() => t.dispose());

  test(`${REQUESTS} random and malformed requests are never a 5xx and always a pgo answer`, async (ctx) => {
    const seed = fuzzSeed();
    ctx.diagnostic(`FUZZ_SEED=${seed}`);
    console.log(`REST fuzz: FUZZ_SEED=${seed}`);
    const r = new Random(seed);
    const admin = { username: t.app.admin.username, authorization: t.authorization };
    const cases = Array.from({ length: REQUESTS }, () => makeCase(r, admin));
    const { failures, statuses } = await sendAll(t, cases.map((c) => ({ method: c.method, path: c.path, body: c.body, headers: { 'Content-Type': 'application/json', Authorization: c.authorization } })), IN_FLIGHT, problemWith);
    ctx.diagnostic(`statuses: ${JSON.stringify(statuses)}`);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${REQUESTS} answers were wrong (seed ${seed})`);
  });

  for (const target of HOSTILE_TARGETS) {
    test(`the request target ${target} is answered without a server error`, async () => {
      const client = rawClient(t);
      try {
        const res = await client.send('GET', target, Buffer.alloc(0), { Authorization: t.authorization });
        assert.equal(problemWith(res), undefined, `${res.status} ${res.body.toString('utf8')}`);
      } finally {
        client.close();
      }
    });
  }

  test('the server still answers /version after the fuzz', async () => {
    const client = rawClient(t);
    try {
      const res = await client.send('GET', '/version', Buffer.alloc(0), { Authorization: t.authorization });
      assert.deepEqual([res.status, res.body.toString('utf8')], [200, '{"Version":"4.2.4","Code":"ok","Msg":"apiserver version"}\n']);
    } finally {
      client.close();
    }
  });
});
