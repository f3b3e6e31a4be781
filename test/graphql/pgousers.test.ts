/** pgo users and roles through GraphQL: the same rules and permissions as the REST routes, no password ever readable. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SECRETS } from '../../src/kube/resources.js';
import { startTestApp } from '../support/app.js';
import type { GraphqlResponse, TestApp } from '../support/app.js';
import { addPgoUser, basic } from '../support/rest.js';

interface PgoUser {
  username: string;
  roles: string[];
  namespaces: string[];
  allNamespaces: boolean;
}

const USER_FIELDS = 'username roles namespaces allNamespaces';
const CREATE_USER = `mutation($input: CreatePgoUserInput!) { createPgoUser(input: $input) { ${USER_FIELDS} } }`;
const UPDATE_USER = `mutation($input: UpdatePgoUserInput!) { updatePgoUser(input: $input) { ${USER_FIELDS} } }`;
const DELETE_USER = `mutation($name: String!) { deletePgoUser(name: $name) { ${USER_FIELDS} } }`;
const CREATE_ROLE = 'mutation($input: PgoRoleInput!) { createPgoRole(input: $input) { name permissions } }';
const UPDATE_ROLE = 'mutation($input: PgoRoleInput!) { updatePgoRole(input: $input) { name permissions } }';
const DELETE_ROLE = 'mutation($name: String!) { deletePgoRole(name: $name) { name permissions } }';

const code = (res: GraphqlResponse) => res.errors?.[0]?.extensions?.code;

describe('pgo users and roles through GraphQL', () => {
  let t: TestApp;

  const createUser = (input: Record<string, unknown>, auth?: string) => t.gql<{ createPgoUser: PgoUser }>(CREATE_USER, { input }, auth);
  /** A query any user with the reader role may run: proves the credentials work. */
  const canLogIn = async (user: string, password: string) => (await t.gql('{ version { pgoVersion } }', {}, basic(user, password))).status === 200;

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    const res = await t.gql(CREATE_ROLE, { input: { name: 'reader', permissions: ['Version', 'ShowNamespace'] } });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  });
  after(() => t.dispose());

  test('createPgoUser answers the user, who can authenticate as soon as the mutation answers', async () => {
    const res = await createUser({ name: 'alice', password: 'alice-pw', roles: ['reader'], namespaces: ['pgouser1'] });
    assert.deepEqual(res.data?.createPgoUser, { username: 'alice', roles: ['reader'], namespaces: ['pgouser1'], allNamespaces: false });
    assert.equal(await canLogIn('alice', 'alice-pw'), true);
    const visible = await t.gql<{ namespaces: string[] }>('{ namespaces }', {}, basic('alice', 'alice-pw'));
    assert.deepEqual(visible.data?.namespaces, ['pgouser1']);
  });

  test('no password is readable: PgoUser has no such field and asking for one fails validation', async () => {
    const type = await t.gql<{ __type: { fields: { name: string }[] } }>('{ __type(name: "PgoUser") { fields { name } } }');
    assert.deepEqual(type.data?.__type.fields.map((f) => f.name), ['username', 'roles', 'namespaces', 'allNamespaces']);
    const res = await t.gql('{ pgoUsers { username password } }');
    assert.equal(res.status, 400);
    assert.equal(res.errors?.[0]?.message, 'Cannot query field "password" on type "PgoUser".');
  });

  test('a refused input never echoes the password back', async () => {
    const secret = `s3cret-${'x'.repeat(1100)}`;
    const res = await createUser({ name: 'leaky', password: secret, roles: ['reader'], allNamespaces: true });
    assert.equal(code(res), 'BAD_USER_INPUT');
    assert.equal(JSON.stringify(res).includes('s3cret'), false);
  });

  test('pgoUsers lists every user by name, or only those named', async () => {
    await createUser({ name: 'bob', password: 'bob-pw', roles: ['reader'], allNamespaces: true });
    const all = await t.gql<{ pgoUsers: PgoUser[] }>(`{ pgoUsers { ${USER_FIELDS} } }`);
    const names = all.data?.pgoUsers.map((u) => u.username) ?? [];
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(all.data?.pgoUsers.find((u) => u.username === t.app.admin.username), { username: t.app.admin.username, roles: ['pgoadmin'], namespaces: [], allNamespaces: true });
    const some = await t.gql<{ pgoUsers: PgoUser[] }>('{ pgoUsers(names: ["bob", "ghost"]) { username allNamespaces } }');
    assert.deepEqual(some.data?.pgoUsers, [{ username: 'bob', allNamespaces: true }]);
  });

  test('pgoRoles lists roles with their permissions, * for the administrator role', async () => {
    const res = await t.gql<{ pgoRoles: { name: string; permissions: string[] }[] }>('{ pgoRoles(names: ["pgoadmin", "reader"]) { name permissions } }');
    assert.deepEqual(res.data?.pgoRoles, [
      { name: 'pgoadmin', permissions: ['*'] },
      { name: 'reader', permissions: ['Version', 'ShowNamespace'] },
    ]);
  });

  test('createPgoUser refuses an unknown role, an unmanaged namespace and a duplicate, with the field at fault', async () => {
    const unknownRole = await createUser({ name: 'carol', password: 'x', roles: ['ghost'], allNamespaces: true });
    assert.deepEqual([code(unknownRole), unknownRole.errors?.[0]?.extensions?.field], ['BAD_USER_INPUT', 'roles']);
    const unmanaged = await createUser({ name: 'carol', password: 'x', roles: ['reader'], namespaces: ['elsewhere'] });
    assert.equal(unmanaged.errors?.[0]?.message, 'namespaces: elsewhere was not found in the watched namespaces [pgouser1 pgouser2]');
    const both = await createUser({ name: 'carol', password: 'x', roles: ['reader'], namespaces: ['pgouser1'], allNamespaces: true });
    assert.equal(code(both), 'BAD_USER_INPUT');
    assert.equal(t.app.cache.get(SECRETS, 'pgo', 'pgouser-carol'), undefined);
    const duplicate = await createUser({ name: 'alice', password: 'other', roles: ['reader'], allNamespaces: true });
    assert.equal(code(duplicate), 'ALREADY_EXISTS');
  });

  test('updatePgoUser changes the password at once and can widen the namespaces', async () => {
    await createUser({ name: 'dave', password: 'old-pw', roles: ['reader'], namespaces: ['pgouser1'] });
    const res = await t.gql<{ updatePgoUser: PgoUser }>(UPDATE_USER, { input: { name: 'dave', password: 'new-pw', allNamespaces: true } });
    assert.deepEqual(res.data?.updatePgoUser, { username: 'dave', roles: ['reader'], namespaces: [], allNamespaces: true });
    assert.equal(await canLogIn('dave', 'old-pw'), false);
    assert.equal(await canLogIn('dave', 'new-pw'), true);
  });

  test('updatePgoUser of an unknown user is NOT_FOUND', async () => {
    const res = await t.gql(UPDATE_USER, { input: { name: 'ghost', password: 'x' } });
    assert.equal(code(res), 'NOT_FOUND');
  });

  test('deletePgoUser answers the user, whose credentials stop working at once', async () => {
    await createUser({ name: 'erin', password: 'erin-pw', roles: ['reader'], allNamespaces: true });
    assert.equal(await canLogIn('erin', 'erin-pw'), true);
    const res = await t.gql<{ deletePgoUser: PgoUser }>(DELETE_USER, { name: 'erin' });
    assert.equal(res.data?.deletePgoUser.username, 'erin');
    assert.equal(await canLogIn('erin', 'erin-pw'), false);
    assert.equal(code(await t.gql(DELETE_USER, { name: 'erin' })), 'NOT_FOUND');
  });

  test('createPgoRole refuses an unknown permission and * mixed with others', async () => {
    const unknown = await t.gql(CREATE_ROLE, { input: { name: 'bad', permissions: ['ShowCluster', 'Bogus'] } });
    assert.equal(unknown.errors?.[0]?.message, 'permissions: Bogus not a valid Permission');
    const mixed = await t.gql(CREATE_ROLE, { input: { name: 'bad', permissions: ['*', 'Cat'] } });
    assert.equal(code(mixed), 'BAD_USER_INPUT');
  });

  test('updatePgoRole changes what its users may do at once', async () => {
    await t.gql(CREATE_ROLE, { input: { name: 'growing', permissions: ['Version'] } });
    await createUser({ name: 'frank', password: 'frank-pw', roles: ['growing'], allNamespaces: true });
    const asFrank = basic('frank', 'frank-pw');
    assert.equal(code(await t.gql('{ namespaces }', {}, asFrank)), 'FORBIDDEN');
    const res = await t.gql<{ updatePgoRole: { permissions: string[] } }>(UPDATE_ROLE, { input: { name: 'growing', permissions: ['Version', 'ShowNamespace'] } });
    assert.deepEqual(res.data?.updatePgoRole.permissions, ['Version', 'ShowNamespace']);
    assert.deepEqual((await t.gql<{ namespaces: string[] }>('{ namespaces }', {}, asFrank)).data?.namespaces, ['pgouser1', 'pgouser2']);
  });

  test('deletePgoRole takes the role off its users', async () => {
    await t.gql(CREATE_ROLE, { input: { name: 'brief', permissions: ['Version'] } });
    await createUser({ name: 'gina', password: 'gina-pw', roles: ['reader', 'brief'], allNamespaces: true });
    const res = await t.gql<{ deletePgoRole: { name: string } }>(DELETE_ROLE, { name: 'brief' });
    assert.equal(res.data?.deletePgoRole.name, 'brief');
    const gina = await t.gql<{ pgoUsers: PgoUser[] }>('{ pgoUsers(names: ["gina"]) { roles } }');
    assert.deepEqual(gina.data?.pgoUsers, [{ roles: ['reader'] }]);
  });

  test('each operation needs the permission of its REST route: the role ones the Pgouser permissions', async () => {
    const viewer = await addPgoUser(t, 'userviewer', 'ShowPgouser');
    const roleAdmin = await addPgoUser(t, 'roleadmin', 'CreatePgorole,UpdatePgorole,DeletePgorole,ShowPgorole');
    assert.ok((await t.gql<{ pgoUsers: PgoUser[] }>('{ pgoUsers { username } }', {}, viewer.authorization)).data?.pgoUsers.length);
    const before = t.app.writer.requests;
    assert.equal(code(await createUser({ name: 'hank', password: 'x', roles: ['reader'], allNamespaces: true }, viewer.authorization)), 'FORBIDDEN');
    assert.equal(code(await t.gql('{ pgoRoles { name } }', {}, roleAdmin.authorization)), 'FORBIDDEN');
    assert.equal(code(await t.gql(CREATE_ROLE, { input: { name: 'nope', permissions: ['Cat'] } }, roleAdmin.authorization)), 'FORBIDDEN');
    assert.equal(code(await t.gql(DELETE_ROLE, { name: 'reader' }, roleAdmin.authorization)), 'FORBIDDEN');
    assert.equal(t.app.writer.requests, before);
  });
});
