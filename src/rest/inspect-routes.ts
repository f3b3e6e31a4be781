/**
 * The inspection routes of pgo 4.2.4: status, df, ls, cat, reload, show config and show pvc, with
 * the request keys, result shapes and messages of its status, df, ls, cat, reload, config and pvc
 * services. Where 4.2.4 ran a command inside a pod, the route says why this server cannot, except
 * reload, which a Job does.
 */
import { ALL } from '../domain/constants.js';
import type { ClusterTarget } from '../domain/cluster-service.js';
import { DomainError } from '../domain/errors.js';
import { pgoYaml } from '../domain/pgo-config.js';
import type { PgoYaml } from '../domain/pgo-config.js';
import { binaryQuantity } from '../domain/quantity.js';
import { defaultSettings } from '../domain/settings.js';
import { errorStatus, okStatus, PgoFailure, resultsResponse } from './route.js';
import type { RestRequest, RestRoute } from './route.js';

/**
 * A failure past the handler's own checks: 4.2.4's services had already made their empty Results
 * (`[]`), where the handler's refusals (version, namespace) answered a zero response (`null`).
 */
async function withEmptyResults(run: () => object | Promise<object>): Promise<object> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof PgoFailure || error instanceof DomainError) return resultsResponse([], errorStatus(error.message));
    throw error;
  }
}

/** metav1.Time's String(): Go's default time layout, at the seconds a pod's start time carries. */
const goTime = (date: Date): string => date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' +0000 UTC');

const ZERO_STATUS_DETAIL = { OperatorStartTime: '', NumDatabases: 0, NumClaims: 0, VolumeCap: '', DbTags: null, NotReady: null, Nodes: null, Labels: null };

/** Go's zero value of a struct: empty strings, zeros, false, and nil for maps. */
function zeroed<T extends object>(struct: T): T {
  return Object.fromEntries(Object.entries(struct).map(([k, v]) => [k, typeof v === 'string' ? '' : typeof v === 'number' ? 0 : typeof v === 'boolean' ? false : null])) as T;
}

/** config.PgoConfig{}: its nested structs are zeroed too, not nil. */
function zeroPgoYaml(): PgoYaml {
  const shape = pgoYaml(defaultSettings());
  return { ...zeroed(shape), Cluster: zeroed(shape.Cluster), Pgo: zeroed(shape.Pgo) };
}

/** 4.2.4's df: a selector wins; else `all` means every cluster; else the cluster's `name` label. */
function dfTarget(namespace: string, name: string, selector: string): ClusterTarget {
  if (selector === '' && name === ALL) return { namespace, names: [ALL] };
  return { namespace, selector: selector === '' ? `name=${name}` : selector };
}

/** ls and cat ran their command in the cluster's primary pod; nothing here can. */
function podCommand(command: 'ls' | 'cat') {
  return (req: RestRequest) => {
    const namespace = req.namespace(req.body.string('Namespace'));
    const args = req.body.strings('Args');
    return withEmptyResults(() => {
      const pod = req.services.inspect.commandPod(req.caller, namespace, args);
      throw new PgoFailure(`${command} would run in pod ${pod} through pods/exec, which this server does not use (the embedded Kubernetes API serves no pods/exec)`);
    });
  };
}

export const inspectRoutes: RestRoute[] = [
  {
    method: 'ANY',
    path: '/status',
    permission: 'Status',
    failure: (status) => ({ Result: ZERO_STATUS_DETAIL, ...status }),
    handle: (req) => {
      req.requireVersion(req.query.get('version') ?? '');
      const namespace = req.namespace(req.query.get('namespace') ?? '');
      const s = req.services.inspect.status(req.caller, namespace);
      const result = {
        OperatorStartTime: goTime(s.operatorStart),
        NumDatabases: s.databases,
        NumClaims: s.claims,
        VolumeCap: binaryQuantity(s.claimBytes),
        DbTags: s.images,
        NotReady: s.notReady,
        // Nodes are not in the watch cache: the empty list 4.2.4 answered when it could not list them.
        Nodes: [],
        Labels: s.deploymentLabels.length === 0 ? null : s.deploymentLabels.map((l) => ({ Key: l.label, Value: l.count })),
      };
      return { Result: result, ...okStatus() };
    },
  },
  {
    method: 'ANY',
    path: '/df/{name}',
    permission: 'DfCluster',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      const selector = req.query.get('selector') ?? '';
      req.requireVersion(req.query.get('version') ?? '');
      const namespace = req.namespace(req.query.get('namespace') ?? '');
      return withEmptyResults(() => {
        const primaries = req.services.inspect.primaryData(req.caller, dfTarget(namespace, req.params.name, selector));
        if (primaries.length === 0) return resultsResponse([], okStatus());
        // PGSize and the percentage used are the point of df; a row without them would read as an empty database.
        const { pod, claim, capacity } = primaries[0];
        throw new PgoFailure(`cannot report the database size of pod ${pod} (claim ${claim}${capacity ? `, capacity ${capacity}` : ''}): 4.2.4 read it with pg_database_size over a PostgreSQL connection to the pod, and this server does not connect to PostgreSQL`);
      });
    },
  },
  {
    method: 'POST',
    path: '/ls',
    permission: 'Ls',
    failure: (status) => resultsResponse(null, status),
    handle: podCommand('ls'),
  },
  {
    method: 'POST',
    path: '/cat',
    permission: 'Cat',
    failure: (status) => resultsResponse(null, status),
    handle: podCommand('cat'),
  },
  {
    method: 'POST',
    path: '/reload',
    permission: 'Reload',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      const args = req.body.strings('Args');
      const selector = req.body.string('Selector');
      const namespace = req.namespace(req.body.string('Namespace'));
      return withEmptyResults(async () => {
        const reloaded = await req.services.inspect.reload(req.caller, namespace, args, selector);
        if (selector !== '' && reloaded.length === 0) return resultsResponse(['no clusters found with that selector'], okStatus());
        return resultsResponse(reloaded.map((name) => `reload performed on ${name}`), okStatus());
      });
    },
  },
  {
    method: 'ANY',
    path: '/config',
    permission: 'ShowConfig',
    failure: (status) => ({ Result: zeroPgoYaml(), ...status }),
    handle: (req) => {
      req.requireVersion(req.query.get('version') ?? '');
      req.namespace(req.query.get('namespace') ?? '');
      return { Result: req.services.inspect.config(), ...okStatus() };
    },
  },
  {
    method: 'POST',
    path: '/showpvc',
    permission: 'ShowPVC',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      const all = req.body.bool('AllFlag');
      const clusterName = req.body.string('ClusterName');
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const claims = req.services.inspect.claims(req.caller, namespace, all ? undefined : clusterName);
      // 4.2.4 never set the Status of a successful answer here: Code and Msg stay empty.
      return { Results: claims.map((c) => ({ ClusterName: c.cluster, PVCName: c.claim })), Code: '', Msg: '' };
    },
  },
];
