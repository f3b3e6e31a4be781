/** pgo users and roles through the legacy REST routes, as pgo 4.2.4 answered them. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SECRETS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { addPgoUser, basic, CLIENT_VERSION, json, pgoClient } from '../support/rest.js';
import type { PgoClient } from '../support/rest.js';

const MISMATCH = 'pgo client and server version mismatch';
const OK = '{"Code":"ok","Msg":""}\n';

interface UserInfo {
  Username: string;
  Role: string[];
  Namespace: string[];
}

describe('pgo pgouser and pgorole routes', () => {
  let t: TestApp;
  let pgo: PgoClient;

  const createRole = (name: string, permissions: string) => pgo.call('POST', '/pgorolecreate', { PgoroleName: name, PgorolePermissions: permissions, Namespace: 'pgouser1', ClientVersion: CLIENT_VERSION });
  const createUser = (fields: Record<string, unknown>) => pgo.call('POST', '/pgousercreate', { Namespace: 'pgouser1', ClientVersion: CLIENT_VERSION, ...fields });
  const version = (user: string, password: string) => pgo.call('GET', '/version', undefined, basic(user, password));
  const decoded = (secret: KubeObject | undefined, key: string) => Buffer.from(String((secret?.data as Record<string, string>)[key]), 'base64').toString();
  const cached = (name: string) => t.app.cache.get(SECRETS, 'pgo', name);

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    pgo = pgoClient(t);
    assert.equal((await createRole('reader', 'ShowCluster,Version')).text, OK);
  });
  after(() => t.dispose());

  test('a user created through /pgousercreate can authenticate as soon as the call answers', async () => {
    const res = await createUser({ PgouserName: 'alice', PgouserPassword: 'alice-pw', PgouserRoles: 'reader', PgouserNamespaces: 'pgouser1' });
    assert.deepEqual([res.status, res.text], [200, OK]);
    const login = await version('alice', 'alice-pw');
    assert.equal(login.status, 200);
    assert.equal(json(login).Version, '4.2.4');
  });

  test('/pgousercreate writes 4.2.4\'s Secret: labels, data keys and the creator', async () => {
    await createUser({ PgouserName: 'bob', PgouserPassword: 'bob-pw', PgouserRoles: 'reader', AllNamespaces: true });
    const secret = cached('pgouser-bob');
    assert.deepEqual(secret?.metadata.labels, { vendor: 'crunchydata', 'pgo-created-by': t.app.admin.username, 'pgo-pgouser': 'true', username: 'bob' });
    assert.deepEqual(Object.keys(secret?.data ?? {}).sort(), ['namespaces', 'password', 'roles', 'username']);
    assert.deepEqual(['username', 'roles', 'namespaces', 'password'].map((k) => decoded(secret, k)), ['bob', 'reader', '', 'bob-pw']);
  });

  test('/pgousercreate refuses a name that is not a DNS-1035 label', async () => {
    const res = await createUser({ PgouserName: 'Not_Valid', PgouserPassword: 'x', PgouserRoles: 'reader', AllNamespaces: true });
    assert.equal(json(res).Code, 'error');
    assert.match(String(json(res).Msg), /^invalid pgouser name format /);
  });

  test('/pgousercreate refuses a role that does not exist and writes nothing', async () => {
    const before = t.app.writer.requests;
    const res = await createUser({ PgouserName: 'carol', PgouserPassword: 'x', PgouserRoles: 'reader,ghost', AllNamespaces: true });
    assert.equal(res.text, '{"Code":"error","Msg":"ghost pgorole was not found"}\n');
    assert.equal(t.app.writer.requests, before);
    assert.equal(cached('pgouser-carol'), undefined);
  });

  test('/pgousercreate refuses a namespace the server does not manage with 4.2.4\'s message', async () => {
    const res = await createUser({ PgouserName: 'carol', PgouserPassword: 'x', PgouserRoles: 'reader', PgouserNamespaces: 'pgouser1,elsewhere' });
    assert.equal(json(res).Msg, 'elsewhere was not found in the watched namespaces [pgouser1 pgouser2]');
  });

  test('/pgousercreate refuses namespaces with AllNamespaces before writing anything', async () => {
    const res = await createUser({ PgouserName: 'carol', PgouserPassword: 'x', PgouserRoles: 'reader', PgouserNamespaces: 'pgouser1', AllNamespaces: true });
    assert.equal(json(res).Msg, '--all-namespaces and --pgouser-namespaces are mutually exclusive.');
    assert.equal(cached('pgouser-carol'), undefined);
  });

  test('/pgousercreate refuses an empty password', async () => {
    const res = await createUser({ PgouserName: 'carol', PgouserRoles: 'reader', AllNamespaces: true });
    assert.equal(json(res).Msg, 'a pgouser password is required');
  });

  test('/pgousercreate of an existing user answers an error and keeps its password', async () => {
    await createUser({ PgouserName: 'dave', PgouserPassword: 'first', PgouserRoles: 'reader', AllNamespaces: true });
    const res = await createUser({ PgouserName: 'dave', PgouserPassword: 'second', PgouserRoles: 'reader', AllNamespaces: true });
    assert.equal(json(res).Msg, 'pgouser dave already exists');
    assert.equal((await version('dave', 'first')).status, 200);
  });

  test('/pgousercreate with another client version answers the mismatch Status', async () => {
    const res = await createUser({ PgouserName: 'erin', PgouserPassword: 'x', PgouserRoles: 'reader', AllNamespaces: true, ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('/pgousercreate with a list where a string belongs is a 400 naming the field', async () => {
    const res = await createUser({ PgouserName: 'erin', PgouserPassword: 'x', PgouserRoles: ['reader'] });
    assert.equal(res.status, 400);
    assert.equal(res.text, '{"Code":"error","Msg":"field PgouserRoles must be a string, not array"}\n');
  });

  test('/pgousershow by name answers roles and namespaces as one string each, in Go key order', async () => {
    await createUser({ PgouserName: 'frank', PgouserPassword: 'x', PgouserRoles: 'reader', PgouserNamespaces: 'pgouser1,pgouser2' });
    const res = await pgo.call('POST', '/pgousershow', { PgouserName: ['frank', 'ghost'], ClientVersion: CLIENT_VERSION });
    const body = json<{ UserInfo: UserInfo[] }>(res);
    assert.deepEqual(Object.keys(body), ['UserInfo', 'Code', 'Msg']);
    assert.deepEqual(Object.keys(body.UserInfo[0]), ['Username', 'Role', 'Namespace']);
    assert.deepEqual(body.UserInfo, [
      { Username: 'frank', Role: ['reader'], Namespace: ['pgouser1,pgouser2'] },
      { Username: 'ghost was not found', Role: [], Namespace: [] },
    ]);
  });

  test('/pgousershow with AllFlag lists every user by name, the administrator with all namespaces', async () => {
    const body = json<{ UserInfo: UserInfo[] }>(await pgo.call('POST', '/pgousershow', { AllFlag: true, ClientVersion: CLIENT_VERSION }));
    const names = body.UserInfo.map((u) => u.Username);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(body.UserInfo.find((u) => u.Username === t.app.admin.username), { Username: t.app.admin.username, Role: ['pgoadmin'], Namespace: [''] });
  });

  test('/pgousershow without names or AllFlag answers a null UserInfo', async () => {
    const res = await pgo.call('POST', '/pgousershow', { ClientVersion: CLIENT_VERSION });
    assert.equal(res.text, OK.replace('{', '{"UserInfo":null,'));
  });

  test('/pgousershow with another client version answers a null UserInfo and the mismatch Status', async () => {
    const res = await pgo.call('POST', '/pgousershow', { AllFlag: true, ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"UserInfo":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('/pgouserupdate changes the password at once: the old one stops working, the new one works', async () => {
    await createUser({ PgouserName: 'gina', PgouserPassword: 'old-pw', PgouserRoles: 'reader', AllNamespaces: true });
    const res = await pgo.call('POST', '/pgouserupdate', { PgouserName: 'gina', PgouserPassword: 'new-pw', ClientVersion: CLIENT_VERSION });
    assert.equal(res.text, OK);
    assert.equal((await version('gina', 'old-pw')).status, 401);
    assert.equal((await version('gina', 'new-pw')).status, 200);
    assert.equal(cached('pgouser-gina')?.metadata.labels?.['pgo-updated-by'], t.app.admin.username);
  });

  test('/pgouserupdate replaces roles and namespaces, and AllNamespaces clears the namespaces', async () => {
    await createRole('writer', 'CreateCluster');
    await createUser({ PgouserName: 'hank', PgouserPassword: 'x', PgouserRoles: 'reader', PgouserNamespaces: 'pgouser1' });
    await pgo.call('POST', '/pgouserupdate', { PgouserName: 'hank', PgouserRoles: 'reader,writer', PgouserNamespaces: 'pgouser2', ClientVersion: CLIENT_VERSION });
    assert.deepEqual(['roles', 'namespaces', 'password'].map((k) => decoded(cached('pgouser-hank'), k)), ['reader,writer', 'pgouser2', 'x']);
    await pgo.call('POST', '/pgouserupdate', { PgouserName: 'hank', AllNamespaces: true, ClientVersion: CLIENT_VERSION });
    assert.equal(decoded(cached('pgouser-hank'), 'namespaces'), '');
  });

  test('/pgouserupdate of an unknown user answers the Kubernetes not-found message', async () => {
    const res = await pgo.call('POST', '/pgouserupdate', { PgouserName: 'ghost', PgouserPassword: 'x', ClientVersion: CLIENT_VERSION });
    assert.equal(res.text, '{"Code":"error","Msg":"secrets \\"pgouser-ghost\\" not found"}\n');
  });

  test('/pgouserupdate refuses an unknown role', async () => {
    const res = await pgo.call('POST', '/pgouserupdate', { PgouserName: 'hank', PgouserRoles: 'ghost', ClientVersion: CLIENT_VERSION });
    assert.equal(json(res).Msg, 'ghost pgorole was not found');
  });

  test('/pgouserupdate does not check the client version, as 4.2.4 did not', async () => {
    const res = await pgo.call('POST', '/pgouserupdate', { PgouserName: 'hank', PgouserPassword: 'y', ClientVersion: '4.1.0' });
    assert.equal(res.text, OK);
  });

  test('/pgouserdelete answers a line per name, and a deleted user cannot authenticate at once', async () => {
    await createUser({ PgouserName: 'ivan', PgouserPassword: 'ivan-pw', PgouserRoles: 'reader', AllNamespaces: true });
    assert.equal((await version('ivan', 'ivan-pw')).status, 200);
    const res = await pgo.call('POST', '/pgouserdelete', { PgouserName: ['ivan', 'ghost'], ClientVersion: CLIENT_VERSION });
    assert.equal(res.text, '{"Results":["deleted pgouser ivan","pgouser-ghost not found"],"Code":"ok","Msg":""}\n');
    assert.equal((await version('ivan', 'ivan-pw')).status, 401);
  });

  test('/pgouserdelete with another client version answers null Results and the mismatch Status', async () => {
    const res = await pgo.call('POST', '/pgouserdelete', { PgouserName: ['alice'], ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
    assert.ok(cached('pgouser-alice'));
  });

  test('/pgouserdelete with a string where a list belongs is a 400 naming the field', async () => {
    const res = await pgo.call('POST', '/pgouserdelete', { PgouserName: 'alice', ClientVersion: CLIENT_VERSION });
    assert.equal(res.status, 400);
    assert.equal(json(res).Msg, 'field PgouserName must be an array of strings, not string');
  });

  test('/pgorolecreate writes 4.2.4\'s Secret and refuses an unknown permission', async () => {
    assert.deepEqual(cached('pgorole-reader')?.metadata.labels, { vendor: 'crunchydata', 'pgo-created-by': t.app.admin.username, 'pgo-pgorole': 'true', rolename: 'reader' });
    assert.deepEqual(['rolename', 'permissions'].map((k) => decoded(cached('pgorole-reader'), k)), ['reader', 'ShowCluster,Version']);
    const res = await createRole('bogus', 'ShowCluster,Bogus');
    assert.equal(res.text, '{"Code":"error","Msg":"Bogus not a valid Permission"}\n');
    assert.equal(cached('pgorole-bogus'), undefined);
  });

  test('/pgorolecreate refuses an invalid name, an existing role and another client version', async () => {
    assert.match(String(json(await createRole('Bad_Name', 'Cat')).Msg), /^invalid pgorole name format /);
    assert.equal(json(await createRole('reader', 'Cat')).Msg, 'pgorole reader already exists');
    const res = await pgo.call('POST', '/pgorolecreate', { PgoroleName: 'late', PgorolePermissions: 'Cat', ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('/pgoroleshow by name and with AllFlag answers names and permission strings in Go key order', async () => {
    const res = await pgo.call('POST', '/pgoroleshow', { PgoroleName: ['reader', 'ghost'], ClientVersion: CLIENT_VERSION });
    assert.equal(res.text, '{"RoleInfo":[{"Name":"reader","Permissions":"ShowCluster,Version"},{"Name":"ghost was not found","Permissions":""}],"Code":"ok","Msg":""}\n');
    const all = json<{ RoleInfo: { Name: string; Permissions: string }[] }>(await pgo.call('POST', '/pgoroleshow', { AllFlag: true, ClientVersion: CLIENT_VERSION }));
    assert.deepEqual(all.RoleInfo.find((r) => r.Name === 'pgoadmin'), { Name: 'pgoadmin', Permissions: '*' });
  });

  test('/pgoroleshow without names answers an empty RoleInfo, and null with another client version', async () => {
    assert.equal((await pgo.call('POST', '/pgoroleshow', { ClientVersion: CLIENT_VERSION })).text, '{"RoleInfo":[],"Code":"ok","Msg":""}\n');
    assert.equal((await pgo.call('POST', '/pgoroleshow', { ClientVersion: '4.1.0' })).text, `{"RoleInfo":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('/pgoroleupdate changes what the role\'s users may do at once', async () => {
    await createRole('grower', 'Version');
    await createUser({ PgouserName: 'judy', PgouserPassword: 'judy-pw', PgouserRoles: 'grower', AllNamespaces: true });
    const showUsers = () => pgo.call('POST', '/pgousershow', { AllFlag: true, ClientVersion: CLIENT_VERSION }, basic('judy', 'judy-pw'));
    assert.equal((await showUsers()).status, 403);
    assert.equal((await pgo.call('POST', '/pgoroleupdate', { PgoroleName: 'grower', PgorolePermissions: 'Version,ShowPgouser', ClientVersion: CLIENT_VERSION })).text, OK);
    assert.equal((await showUsers()).status, 200);
  });

  test('/pgoroleupdate refuses an unknown permission and an unknown role', async () => {
    assert.equal(json(await pgo.call('POST', '/pgoroleupdate', { PgoroleName: 'grower', PgorolePermissions: 'Nope', ClientVersion: CLIENT_VERSION })).Msg, 'Nope not a valid Permission');
    assert.equal(json(await pgo.call('POST', '/pgoroleupdate', { PgoroleName: 'ghost', PgorolePermissions: 'Cat', ClientVersion: CLIENT_VERSION })).Msg, 'secrets "pgorole-ghost" not found');
  });

  test('/pgoroledelete deletes the role and takes it off every user that held it', async () => {
    await createRole('temp', 'Version');
    await createUser({ PgouserName: 'kate', PgouserPassword: 'kate-pw', PgouserRoles: 'reader,temp', AllNamespaces: true });
    const res = await pgo.call('POST', '/pgoroledelete', { PgoroleName: ['temp', 'ghost'], ClientVersion: CLIENT_VERSION });
    assert.equal(res.text, '{"Results":["deleted role temp","pgorole-ghost not found"],"Code":"ok","Msg":""}\n');
    assert.equal(cached('pgorole-temp'), undefined);
    assert.equal(decoded(cached('pgouser-kate'), 'roles'), 'reader');
  });

  test('/pgoroledelete with another client version answers null Results', async () => {
    const res = await pgo.call('POST', '/pgoroledelete', { PgoroleName: ['reader'], ClientVersion: '4.1.0' });
    assert.equal(res.text, `{"Results":null,"Code":"error","Msg":"${MISMATCH}"}\n`);
  });

  test('the pgorole routes check the Pgouser permissions, as 4.2.4 did', async () => {
    const roleAdmin = await addPgoUser(t, 'roleadmin', 'CreatePgorole,ShowPgorole');
    const userAdmin = await addPgoUser(t, 'useradmin', 'CreatePgouser,ShowPgouser');
    const body = { PgoroleName: 'quirk', PgorolePermissions: 'Cat', ClientVersion: CLIENT_VERSION };
    assert.equal((await pgo.call('POST', '/pgorolecreate', body, roleAdmin.authorization)).status, 403);
    assert.equal((await pgo.call('POST', '/pgoroleshow', { AllFlag: true, ClientVersion: CLIENT_VERSION }, roleAdmin.authorization)).status, 403);
    assert.equal((await pgo.call('POST', '/pgorolecreate', body, userAdmin.authorization)).text, OK);
  });
});
