/**
 * pgo users and roles (pgo 4.2.4's pgouserservice and pgoroleservice). Quirks kept: the role
 * routes check the *Pgouser* permissions, the update routes do not check the client version, and
 * a user's roles and namespaces are shown as one comma-joined string each.
 */
import type { PgoUserRecord } from '../auth/pgouser-service.js';
import { pgoroleSecretName, pgouserSecretName } from '../auth/pgouser-service.js';
import { DomainError } from '../domain/errors.js';
import { okStatus, resultsResponse } from './route.js';
import type { PgoStatus, RestRequest, RestRoute } from './route.js';

const statusOnly = (status: PgoStatus) => ({ ...status });
/** strings.Split as the 4.2.4 handlers split a comma list: every item kept, blanks included. */
const goSplit = (text: string): string[] => text.split(',');
const optionalList = (text: string): string[] | undefined => (text === '' ? undefined : goSplit(text));

/** apiservermsgs.PgouserInfo. */
const userInfo = (user: PgoUserRecord) => ({ Username: user.username, Role: [user.roles.join(',')], Namespace: [user.namespaces.join(',')] });

/** 4.2.4 reported each name's outcome as a result line; only the version check fails the request. */
async function deleteEach(names: string[], remove: (name: string) => Promise<unknown>, secretName: (name: string) => string, done: (name: string) => string): Promise<string[]> {
  const results: string[] = [];
  for (const name of names) {
    try {
      await remove(name);
      results.push(done(name));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push(error.kind === 'NotFound' ? `${secretName(name)} not found` : `error deleting secret ${secretName(name)}`);
    }
  }
  return results;
}

function showUsers(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const users = req.services.pgousers;
  const info = req.body.bool('AllFlag')
    ? users.users().map(userInfo)
    : req.body.strings('PgouserName').map((name) => {
        const user = users.user(name);
        return user ? userInfo(user) : { Username: `${name} was not found`, Role: [], Namespace: [] };
      });
  return { UserInfo: info.length > 0 ? info : null, ...okStatus() };
}

function showRoles(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const roles = req.services.pgousers;
  const info = req.body.bool('AllFlag')
    ? roles.roles().map((role) => ({ Name: role.name, Permissions: role.permissions.join(',') }))
    : req.body.strings('PgoroleName').map((name) => {
        const role = roles.role(name);
        return role ? { Name: name, Permissions: role.permissions.join(',') } : { Name: `${name} was not found`, Permissions: '' };
      });
  return { RoleInfo: info, ...okStatus() };
}

export const pgouserRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/pgousercreate',
    permission: 'CreatePgouser',
    failure: statusOnly,
    handle: async (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespaces = req.body.string('PgouserNamespaces');
      await req.services.pgousers.createUser(req.caller, {
        name: req.body.string('PgouserName'),
        password: req.body.string('PgouserPassword'),
        roles: goSplit(req.body.string('PgouserRoles')),
        namespaces: namespaces === '' ? [] : goSplit(namespaces),
        allNamespaces: req.body.bool('AllNamespaces'),
      });
      return statusOnly(okStatus());
    },
  },
  {
    method: 'POST',
    path: '/pgousershow',
    permission: 'ShowPgouser',
    failure: (status) => ({ UserInfo: null, ...status }),
    handle: showUsers,
  },
  {
    method: 'POST',
    path: '/pgouserupdate',
    permission: 'UpdatePgouser',
    failure: statusOnly,
    handle: async (req) => {
      const roles = optionalList(req.body.string('PgouserRoles'));
      const namespaces = optionalList(req.body.string('PgouserNamespaces'));
      await req.services.pgousers.updateUser(req.caller, {
        name: req.body.string('PgouserName'),
        password: req.body.string('PgouserPassword'),
        ...(roles ? { roles } : {}),
        ...(namespaces ? { namespaces } : {}),
        allNamespaces: req.body.bool('AllNamespaces'),
      });
      return statusOnly(okStatus());
    },
  },
  {
    method: 'POST',
    path: '/pgouserdelete',
    permission: 'DeletePgouser',
    failure: (status) => resultsResponse(null, status),
    handle: async (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const users = req.services.pgousers;
      const results = await deleteEach(req.body.strings('PgouserName'), (name) => users.deleteUser(name), pgouserSecretName, (name) => `deleted pgouser ${name}`);
      return resultsResponse(results, okStatus());
    },
  },
  {
    method: 'POST',
    path: '/pgorolecreate',
    permission: 'CreatePgouser',
    failure: statusOnly,
    handle: async (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      await req.services.pgousers.createRole(req.caller, { name: req.body.string('PgoroleName'), permissions: goSplit(req.body.string('PgorolePermissions')) });
      return statusOnly(okStatus());
    },
  },
  {
    method: 'POST',
    path: '/pgoroleshow',
    permission: 'ShowPgouser',
    failure: (status) => ({ RoleInfo: null, ...status }),
    handle: showRoles,
  },
  {
    method: 'POST',
    path: '/pgoroleupdate',
    permission: 'UpdatePgouser',
    failure: statusOnly,
    handle: async (req) => {
      await req.services.pgousers.updateRole(req.caller, { name: req.body.string('PgoroleName'), permissions: goSplit(req.body.string('PgorolePermissions')) });
      return statusOnly(okStatus());
    },
  },
  {
    method: 'POST',
    path: '/pgoroledelete',
    permission: 'DeletePgouser',
    failure: (status) => resultsResponse(null, status),
    handle: async (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const roles = req.services.pgousers;
      const results = await deleteEach(req.body.strings('PgoroleName'), (name) => roles.deleteRole(req.caller, name), pgoroleSecretName, (name) => `deleted role ${name}`);
      return resultsResponse(results, okStatus());
    },
  },
];
