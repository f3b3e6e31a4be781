/**
 * Namespaces (pgo 4.2.4's namespaceservice). What each operation can do over this server's fixed
 * list of managed namespaces is decided in src/domain/namespace-service.ts; a refusal there is
 * answered as 4.2.4 answered a failed operation, with the results of the namespaces done before it.
 */
import type { NamespaceAccess } from '../domain/namespace-service.js';
import { DomainError } from '../domain/errors.js';
import { errorStatus, okStatus, resultsResponse } from './route.js';
import type { PgoStatus, RestRequest, RestRoute } from './route.js';

/** apiservermsgs.ShowNamespaceResponse. */
const showResponse = (username: string, results: NamespaceAccess[] | null, status: PgoStatus) => ({
  Username: username,
  Results: results === null ? null : results.map((r) => ({ Namespace: r.namespace, InstallationAccess: r.installationAccess, UserAccess: r.userAccess })),
  ...status,
});

/** Runs the operation namespace by namespace; the first refusal ends the request, keeping earlier results. */
async function eachNamespace(req: RestRequest, operate: (name: string) => Promise<void>, done: (name: string) => string) {
  req.requireVersion(req.body.string('ClientVersion'));
  const results: string[] = [];
  for (const name of req.body.strings('Args')) {
    try {
      await operate(name);
    } catch (error) {
      if (error instanceof DomainError) return resultsResponse(results, errorStatus(error.message));
      throw error;
    }
    results.push(done(name));
  }
  return resultsResponse(results, okStatus());
}

export const namespaceRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/namespace',
    permission: 'ShowNamespace',
    failure: (status) => showResponse('', null, status),
    handle: (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      try {
        return showResponse(req.caller.username, req.services.namespaces.show(req.caller, req.body.strings('Args'), req.body.bool('AllFlag')), okStatus());
      } catch (error) {
        if (error instanceof DomainError) return showResponse(req.caller.username, [], errorStatus(error.message));
        throw error;
      }
    },
  },
  {
    method: 'POST',
    path: '/namespacecreate',
    permission: 'CreateNamespace',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => eachNamespace(req, (name) => req.services.namespaces.create(req.caller, name), (name) => `created namespace ${name}`),
  },
  {
    method: 'POST',
    path: '/namespaceupdate',
    permission: 'UpdateNamespace',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => eachNamespace(req, (name) => req.services.namespaces.update(name), (name) => `updated namespace ${name}`),
  },
  {
    method: 'POST',
    path: '/namespacedelete',
    permission: 'DeleteNamespace',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => eachNamespace(req, (name) => req.services.namespaces.delete(name), (name) => `deleted namespace ${name}`),
  },
];
