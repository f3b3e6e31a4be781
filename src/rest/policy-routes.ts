/**
 * The policy routes of pgo 4.2.4's policyservice — create, show, delete, apply — with its request
 * keys, response shapes and messages, over the PolicyService.
 *
 * Applying a policy is recorded in the cluster's policies task and run by the controllers (a Job
 * runs the SQL, then the cluster and its primary Deployment are labelled); 4.2.4 ran it through
 * pods/exec before answering. The answer names the same Deployments.
 */
import { ALL } from '../domain/constants.js';
import type { ClusterTarget } from '../domain/cluster-service.js';
import { PGPOLICY } from '../domain/custom-resources.js';
import type { Pgpolicy } from '../domain/custom-resources.js';
import { DomainError } from '../domain/errors.js';
import { dns1035LabelProblem } from '../domain/naming.js';
import type { KubeObjectMeta } from '../kube/resources.js';
import { errorStatus, okStatus, PgoFailure } from './route.js';
import type { PgoStatus, RestRequest, RestRoute } from './route.js';

const DNS1035_MAX = 63;
/** apimachinery 1.9's IsDNS1035Label text, which 4.2.4 put after "invalid policy name format ". */
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** The first of IsDNS1035Label's errors: the length is checked before the pattern. */
function nameProblem(name: string): string | undefined {
  if (name.length > DNS1035_MAX) return `must be no more than ${DNS1035_MAX} characters`;
  return dns1035LabelProblem(name) === undefined ? undefined : DNS1035_MESSAGE;
}

/** metav1.ObjectMeta of apimachinery 1.9: its fields in order; fields it did not have are dropped, as decoding dropped them. */
const OBJECT_META_KEYS = [
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds',
  'labels', 'annotations', 'ownerReferences', 'initializers', 'finalizers', 'clusterName',
] as const;

function goObjectMeta(metadata: KubeObjectMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of OBJECT_META_KEYS) {
    // metav1.Time is a struct: never omitted, null when zero.
    if (key === 'creationTimestamp') out[key] = metadata[key] ?? null;
    else if (metadata[key] !== undefined) out[key] = metadata[key];
  }
  return out;
}

/**
 * crv1.Pgpolicy as 4.2.4 encoded it. Items of a list kept `kind` and `apiVersion`; a policy read on
 * its own lost them (its REST client's decoder cleared them).
 */
function goPolicy(policy: Pgpolicy, withType: boolean) {
  const spec = policy.spec ?? {};
  const status = (policy.status ?? {}) as { state?: string; message?: string };
  return {
    ...(withType ? { kind: PGPOLICY.kind, apiVersion: PGPOLICY.apiVersion } : {}),
    metadata: goObjectMeta(policy.metadata),
    spec: { namespace: spec.namespace ?? '', name: spec.name ?? '', url: spec.url ?? '', sql: spec.sql ?? '', status: spec.status ?? '' },
    status: { ...(status.state ? { state: status.state } : {}), ...(status.message ? { message: status.message } : {}) },
  };
}

/** crv1.PgpolicyList: the list's own metadata is empty (the watch cache has no list resourceVersion). */
const policyList = (items: ReturnType<typeof goPolicy>[] | null) => ({ metadata: {}, items });

const createResponse = (status: PgoStatus) => ({ ...status });
const showResponse = (items: ReturnType<typeof goPolicy>[] | null, status: PgoStatus) => ({ PolicyList: policyList(items), ...status });
const resultsResponse = (results: string[] | null, status: PgoStatus) => ({ Results: results, ...status });
const applyResponse = (names: string[] | null, status: PgoStatus) => ({ Name: names, ...status });

async function createPolicy(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  const name = req.body.string('Name');
  const problem = nameProblem(name);
  if (problem !== undefined) throw new PgoFailure(`invalid policy name format ${problem}`);
  const sql = req.body.string('SQL');
  const url = req.body.string('URL');
  try {
    await req.services.policies.create(req.caller, { namespace, name, ...(sql ? { sql } : {}), ...(url ? { url } : {}) });
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'AlreadyExists') throw new PgoFailure('policy already exists with that name');
    throw error;
  }
  return createResponse(okStatus());
}

function showPolicies(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  const policies = req.services.policies;
  if (req.body.bool('AllFlag')) return showResponse([...policies.list(req.caller, namespace)].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)).map((p) => goPolicy(p, true)), okStatus());
  try {
    return showResponse([goPolicy(policies.get(req.caller, namespace, req.body.string('Policyname')), false)], okStatus());
  } catch (error) {
    // 4.2.4 answered a policy it could not read with an empty list and no error.
    if (error instanceof DomainError && error.kind === 'NotFound') return showResponse(null, okStatus());
    throw error;
  }
}

async function deletePolicies(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  const name = req.body.string('PolicyName');
  const notFound = resultsResponse([], errorStatus(`policy ${name} not found`));
  let deleted: Pgpolicy[];
  try {
    deleted = await req.services.policies.delete(req.caller, namespace, name);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return error.kind === 'NotFound' ? notFound : resultsResponse([], errorStatus(error.message));
  }
  // `all` in a namespace without policies found none either.
  if (deleted.length === 0) return notFound;
  return resultsResponse(deleted.map((p) => `deleted policy ${p.spec.name}`), okStatus());
}

async function applyPolicy(req: RestRequest) {
  // 4.2.4's apply handler did not check the client version.
  const namespace = req.namespace(req.body.string('Namespace'));
  const name = req.body.string('Name');
  const selector = req.body.string('Selector');
  // An empty selector selected every cluster of the namespace.
  const target: ClusterTarget = selector === '' ? { namespace, names: [ALL] } : { namespace, selector };
  try {
    const applied = await req.services.policies.apply(req.caller, { policy: name, target, dryRun: req.body.bool('DryRun') });
    return applyResponse(applied.map((a) => a.deployment), okStatus());
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Every cluster of a namespace or a selector's: only the policy can be missing.
    return applyResponse([], errorStatus(error.kind === 'NotFound' ? `policy ${name} is not found, cancelling request` : error.message));
  }
}

export const policyRoutes: RestRoute[] = [
  {
    method: 'ANY',
    path: '/policies',
    permission: 'CreatePolicy',
    failure: createResponse,
    handle: createPolicy,
  },
  {
    method: 'POST',
    path: '/showpolicies',
    permission: 'ShowPolicy',
    failure: (status) => showResponse(null, status),
    handle: showPolicies,
  },
  {
    method: 'POST',
    path: '/policiesdelete',
    permission: 'DeletePolicy',
    failure: (status) => resultsResponse(null, status),
    handle: deletePolicies,
  },
  {
    method: 'POST',
    path: '/policies/apply',
    permission: 'ApplyPolicy',
    failure: (status) => applyResponse(null, status),
    handle: applyPolicy,
  },
];
