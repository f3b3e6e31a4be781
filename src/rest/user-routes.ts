/**
 * PostgreSQL users and data loads (pgo 4.2.4's userservice and loadservice). Quirks kept: showing
 * users needs ShowSecrets, the create route checks the namespace before the client version, and a
 * refusal before the service ran answers `Results: null` where a refusal by it answers `[]`.
 */
import type { Pgcluster } from '../domain/custom-resources.js';
import { DomainError } from '../domain/errors.js';
import type { ClusterUsers, UserTarget } from '../domain/user-service.js';
import { errorStatus, okStatus, resultsResponse } from './route.js';
import type { RestRequest, RestRoute } from './route.js';

/** The service's refusals, answered with the `[]` its 4.2.4 counterpart had made before failing. */
async function serviceResults(run: () => Promise<string[]>) {
  try {
    return resultsResponse(await run(), okStatus());
  } catch (error) {
    if (error instanceof DomainError) return resultsResponse([], errorStatus(error.message));
    throw error;
  }
}

function target(req: RestRequest, namespace: string): UserTarget {
  return { namespace, clusters: req.body.strings('Clusters'), selector: req.body.string('Selector'), all: req.body.bool('AllFlag') };
}

/** crv1.Pgcluster as Go encoded it: TypeMeta inline, metadata, spec, and a status that is never omitted. */
const goCluster = (cluster: Pgcluster) => ({ kind: cluster.kind, apiVersion: cluster.apiVersion, metadata: cluster.metadata, spec: cluster.spec, status: cluster.status ?? {} });

/** apiservermsgs.ShowUserDetail; the expired fields stay zero as this server refuses `--expired`. */
const showDetail = (users: ClusterUsers) => ({
  Cluster: goCluster(users.cluster),
  Secrets: users.secrets.map((s) => ({ Name: s.name, Username: s.username, Password: s.password })),
  ExpiredOutput: false,
  ExpiredDays: 0,
  ExpiredMsgs: [],
});

export const userRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/usercreate',
    permission: 'CreateUser',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      const namespace = req.namespace(req.body.string('Namespace'));
      req.requireVersion(req.body.string('ClientVersion'));
      const input = {
        ...target(req, namespace),
        username: req.body.string('Username'),
        password: req.body.string('Password'),
        managed: req.body.bool('ManagedUser'),
        passwordAgeDays: req.body.int('PasswordAgeDays'),
        passwordLength: req.body.int('PasswordLength'),
      };
      return serviceResults(async () => (await req.services.users.create(req.caller, input)).map((cluster) => `adding new user ${input.username} to ${cluster}`));
    },
  },
  {
    method: 'POST',
    path: '/usershow',
    permission: 'ShowSecrets',
    failure: (status) => resultsResponse([], status),
    handle: (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const users = req.services.users.show(req.caller, { ...target(req, namespace), expired: req.body.string('Expired') });
      return resultsResponse(users.map(showDetail), okStatus());
    },
  },
  {
    method: 'POST',
    path: '/userupdate',
    permission: 'UpdateUser',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const input = {
        ...target(req, namespace),
        username: req.body.string('Username'),
        password: req.body.string('Password'),
        expired: req.body.string('Expired'),
        expireUser: req.body.bool('ExpireUser'),
        passwordAgeDays: req.body.int('PasswordAgeDays'),
        passwordAgeDaysUpdate: req.body.bool('PasswordAgeDaysUpdate'),
      };
      return serviceResults(async () =>
        (await req.services.users.update(req.caller, input)).flatMap((u) => {
          if (u.change === 'password') return [`changing password of user ${input.username} on ${u.deployment}`];
          if (u.change === 'validDays') return [`updating valid days for password of user ${input.username} on ${u.deployment}`];
          return [];
        }),
      );
    },
  },
  {
    method: 'POST',
    path: '/userdelete',
    permission: 'DeleteUser',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const input = { ...target(req, namespace), username: req.body.string('Username') };
      return serviceResults(async () => (await req.services.users.delete(req.caller, input)).map((d) => `${input.username} on ${d.cluster} removed managed=${d.managed}`));
    },
  },
  {
    method: 'POST',
    path: '/load',
    permission: 'Load',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const input = { namespace, clusters: req.body.strings('Args'), selector: req.body.string('Selector'), loadConfig: req.body.string('LoadConfig'), policies: req.body.string('Policies') };
      return serviceResults(async () => (await req.services.loads.load(req.caller, input)).map((l) => `created Job ${l.job}`));
    },
  },
];
