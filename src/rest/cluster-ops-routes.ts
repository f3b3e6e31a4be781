/**
 * Operations on existing clusters, as pgo 4.2.4's clusterservice (scale), labelservice,
 * failoverservice, pgbouncerservice, upgradeservice and cloneservice answered them: their query
 * parameters and request keys, result lines and Status messages.
 *
 * 4.2.4 wrote two shapes per response: the zero response when the version or namespace check
 * failed (nil Results, the route's `failure`), and the one its implementation had started (usually
 * an empty list) for every refusal after that; `refusable` answers the second.
 */
import { ALL, BACKREST_STORAGE_TYPES } from '../domain/constants.js';
import type { ClusterTarget } from '../domain/cluster-service.js';
import type { Pgcluster } from '../domain/custom-resources.js';
import { DomainError } from '../domain/errors.js';
import type { FailoverTarget } from '../domain/failover-service.js';
import { dns1035LabelProblem } from '../domain/naming.js';
import { errorStatus, okStatus, PgoFailure, refusable, resultsResponse } from './route.js';
import type { PgoStatus, RestRequest, RestRoute } from './route.js';

/** apiservermsgs.CreateFailoverResponse: `Targets` was never filled in. */
const failoverResponse = (results: string[] | null, status: PgoStatus) => ({ Results: results, Targets: '', ...status });

/** apiservermsgs.CloneResponse: the Status comes first. */
const cloneResponse = (status: PgoStatus, targetClusterName = '', workflowId = '') => ({ ...status, TargetClusterName: targetClusterName, WorkflowID: workflowId });

/** client-go's NotFound text for a Pgcluster, which 4.2.4 passed on as its message. */
const clusterNotFound = (name: string) => `pgclusters.crunchydata.com "${name}" not found`;

const PRIMARY_TARGET = 'The primary database cannot be selected as a failover target';
const QUOTED_STORAGE_TYPES = BACKREST_STORAGE_TYPES.map((t) => `"${t}"`).join(', ');

/** strconv.Atoi, with its error text: an optional sign and decimal digits within a 64-bit int. */
function goAtoi(text: string): number {
  const fail = (why: string) => new PgoFailure(`strconv.Atoi: parsing ${JSON.stringify(text)}: ${why}`);
  if (!/^[+-]?\d+$/.test(text)) throw fail('invalid syntax');
  const value = BigInt(text);
  if (value > 2n ** 63n - 1n || value < -(2n ** 63n)) throw fail('value out of range');
  return Number(value);
}

/** strconv.ParseBool, with its error text. */
function goParseBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new PgoFailure(`strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
}

/** pgo label's `key=value,key=value`, each part a DNS-1035 label as 4.2.4 required. */
function parseLabelArgument(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const parts = pair.split('=');
    if (parts.length !== 2 || parts.some((p) => dns1035LabelProblem(p) !== undefined)) throw new PgoFailure('labels not formatted correctly');
    labels[parts[0]] = parts[1];
  }
  return labels;
}

const optional = (text: string): string | undefined => (text === '' ? undefined : text);

/** The clusters a label request names: `all` first, else a selector, else each name. */
function labelTargets(req: RestRequest, namespace: string): Pgcluster[] {
  const args = req.body.strings('Args');
  const selector = req.body.string('Selector');
  const clusters = req.services.clusters;
  if (args[0] === ALL || selector !== '') {
    let found: Pgcluster[];
    try {
      found = clusters.select(req.caller, args[0] === ALL ? { namespace, names: [ALL] } : { namespace, selector });
    } catch (error) {
      if (error instanceof DomainError) throw new PgoFailure(`error getting list of clusters${error.message}`);
      throw error;
    }
    if (found.length === 0) throw new PgoFailure('no clusters found');
    return found;
  }
  return args.map((name) => {
    try {
      return clusters.get(req.caller, namespace, name);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'NotFound') throw new PgoFailure(`error getting list of clusters${clusterNotFound(name)}`);
      throw error;
    }
  });
}

/** The clusters a pgbouncer request names: those a selector matches, then each name given. */
function pgbouncerTargets(req: RestRequest, namespace: string, missing: (name: string) => string): Pgcluster[] {
  const args = req.body.strings('Args');
  const selector = req.body.string('Selector');
  if (selector === '' && args.length === 0) throw new PgoFailure('either a cluster list or a selector needs to be supplied for this command');
  const found = selector === '' ? [] : req.services.clusters.select(req.caller, { namespace, selector });
  for (const name of args) {
    try {
      found.push(req.services.clusters.get(req.caller, namespace, name));
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'NotFound') throw new PgoFailure(missing(name));
      throw error;
    }
  }
  if (found.length === 0) throw new PgoFailure('no clusters found that match request selector or arguments');
  return [...new Map(found.map((c) => [c.metadata.name, c])).values()];
}

/**
 * Applies a pgbouncer operation cluster by cluster. The domain's refusal of one cluster (already
 * has, or has no, pgBouncer) is a result line and an error code, and the others go on, as 4.2.4 did.
 */
async function eachPgbouncer(req: RestRequest, clusters: Pgcluster[], operate: (cluster: string) => Promise<unknown>, done: string, refusal: (error: DomainError, cluster: string) => string) {
  const results: string[] = [];
  let status = okStatus();
  for (const cluster of clusters.map((c) => c.metadata.name)) {
    try {
      await operate(cluster);
      results.push(`${cluster} ${done}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.kind !== 'Invalid' || error.field !== 'cluster') return resultsResponse(results, errorStatus(error.message));
      results.push(refusal(error, cluster));
      status = errorStatus('');
    }
  }
  return resultsResponse(results, status);
}

/** Patroni's view of a replica cannot be read here (it was `patronictl list` run inside a pod): its lag and timeline are reported as 0. */
const replicaState = (target: FailoverTarget) => (target.ready ? 'running' : 'unknown');

/** 4.2.4's messages for the storage source of a clone, by what was asked for. */
function cloneStorageMessage(source: string): string {
  const types = source.split(',');
  if (!types.every((t) => (BACKREST_STORAGE_TYPES as readonly string[]).includes(t))) return `Invalid value provided for pgBackRest storage type. The following values are allowed: ${QUOTED_STORAGE_TYPES}`;
  if (types.length > 1) return `Multiple storage types cannot be selected cannot be select when performing a restore. Please select one of the following: ${QUOTED_STORAGE_TYPES}`;
  if (source === 's3') return "Storage type 's3' not allowed. S3 storage is not enabled for pgBackRest in thiscluster";
  return "Storage type 'local' not allowed. Local storage is not enabled for pgBackRest in this cluster. If this cluster uses S3 storage only, specify 's3' for the pgBackRest storage type.";
}

async function scale(req: RestRequest) {
  const query = (key: string) => req.query.get(key) ?? '';
  req.requireVersion(query('version'));
  const namespace = req.namespace(query('namespace'));
  const name = req.params.name;
  const nodeLabel = query('node-label');
  return refusable(
    async () => {
      if (name === ALL) throw new PgoFailure('all is not allowed for the scale command');
      req.services.clusters.get(req.caller, namespace, name);
      const replicaCount = goAtoi(query('replica-count'));
      if (replicaCount < 1) throw new PgoFailure('replica-count must be greater than 0');
      const replicas = await req.services.clusters.scale(req.caller, {
        namespace,
        cluster: name,
        replicaCount,
        storageConfig: optional(query('storage-config')),
        resourcesConfig: optional(query('resources-config')),
        nodeLabel: optional(nodeLabel),
        ccpImageTag: optional(query('ccp-image-tag')),
        serviceType: optional(query('service-type')),
      });
      return resultsResponse(replicas.map((r) => `created Pgreplica ${r.metadata.name}`), okStatus());
    },
    (message) => resultsResponse(null, errorStatus(message)),
    (error) => {
      if (error.kind === 'NotFound') return clusterNotFound(name);
      if (error.field === 'serviceType') return 'error --service-type should be either ClusterIP, NodePort, or LoadBalancer ';
      if (error.field === 'nodeLabel') return `${nodeLabel} node label does not follow key=value format`;
      return undefined;
    },
  );
}

async function label(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  return refusable(
    async () => {
      if (req.body.strings('Args').length === 0 && req.body.string('Selector') === '') throw new PgoFailure('no clusters specified');
      const labels = parseLabelArgument(req.body.string('LabelCmdLabel'));
      const clusters = labelTargets(req, namespace);
      if (!req.body.bool('DryRun')) await req.services.clusters.label(req.caller, { namespace, names: clusters.map((c) => c.metadata.name) }, labels);
      return resultsResponse(clusters.map((c) => c.spec.name), okStatus());
    },
    (message) => resultsResponse([], errorStatus(message)),
  );
}

async function deleteLabel(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  return refusable(
    async () => {
      if (req.body.strings('Args').length === 0 && req.body.string('Selector') === '') throw new PgoFailure('no clusters specified');
      const keys = Object.keys(parseLabelArgument(req.body.string('LabelCmdLabel')));
      const clusters = labelTargets(req, namespace);
      const results = clusters.map((c) => `deleting label from ${c.spec.name}`);
      const target: ClusterTarget = { namespace, names: clusters.map((c) => c.metadata.name) };
      // 4.2.4 had listed the clusters before it removed anything, and kept them when that failed.
      return refusable(
        async () => {
          await req.services.clusters.unlabel(req.caller, target, keys);
          return resultsResponse(results, okStatus());
        },
        (message) => resultsResponse(results, errorStatus(message)),
      );
    },
    (message) => resultsResponse([], errorStatus(message)),
  );
}

async function failover(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  const cluster = req.body.string('ClusterName');
  const target = req.body.string('Target');
  return refusable(
    async () => {
      req.services.clusters.get(req.caller, namespace, cluster);
      // 4.2.4 recorded a failover without a target, which promoted nothing; its CLI required --target.
      if (target === '') throw new PgoFailure('Target is required: the name of the replica Deployment to promote');
      await req.services.failover.failover(req.caller, namespace, cluster, target);
      return failoverResponse([`created Pgtask (failover) for cluster ${cluster}`], okStatus());
    },
    (message) => failoverResponse([], errorStatus(message)),
    (error) => {
      if (error.kind === 'NotFound') return `no cluster found named ${cluster}`;
      if (error.field === 'target' && error.message !== PRIMARY_TARGET) return `no target found named ${target}`;
      return undefined;
    },
  );
}

/** The replicas of a cluster as `pgo failover --query` and `pgo scaledown --query` listed them. */
function replicaQuery<T>(req: RestRequest, notFound: (name: string) => string, spec: (target: FailoverTarget) => T) {
  req.requireVersion(req.query.get('version') ?? '');
  const namespace = req.namespace(req.query.get('namespace') ?? '');
  const name = req.params.name;
  return refusable(
    () => resultsResponse(req.services.failover.targets(req.caller, namespace, name).map(spec), okStatus()),
    (message) => resultsResponse<T>([], errorStatus(message)),
    (error) => (error.kind === 'NotFound' ? notFound(name) : undefined),
  );
}

async function createPgbouncer(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  const username = optional(req.body.string('PgbouncerUser'));
  const password = optional(req.body.string('PgbouncerPass'));
  return refusable(
    () =>
      eachPgbouncer(
        req,
        pgbouncerTargets(req, namespace, (name) => `${name} not found`),
        (cluster) => req.services.clusters.addPgbouncer(req.caller, { namespace, cluster, username, password }),
        'pgbouncer added',
        (_error, cluster) => `${cluster} already has pgbouncer added`,
      ),
    (message) => resultsResponse([], errorStatus(message)),
  );
}

async function deletePgbouncer(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  return refusable(
    () =>
      eachPgbouncer(
        req,
        pgbouncerTargets(req, namespace, clusterNotFound),
        (cluster) => req.services.clusters.deletePgbouncer(req.caller, namespace, cluster),
        'pgbouncer deleted',
        (error) => error.message,
      ),
    (message) => resultsResponse([], errorStatus(message)),
  );
}

async function upgrade(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  const selector = req.body.string('Selector');
  const imageTag = req.body.string('CCPImageTag');
  // 4.2.4 made its result list with one empty line already in it.
  const results = [''];
  return refusable(
    async () => {
      let names = req.body.strings('Args');
      if (selector !== '') {
        names = req.services.clusters.select(req.caller, { namespace, selector }).map((c) => c.spec.name);
        if (names.length === 0) return resultsResponse(results, okStatus('no clusters found'));
      }
      for (const name of names) {
        try {
          await req.services.clusters.upgrade(req.caller, { namespace, cluster: name, imageTag: optional(imageTag) });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          if (error.kind === 'NotFound') throw new PgoFailure(`${name} is not a valid pgcluster`);
          if (error.field === 'imageTag') {
            const tag = imageTag || req.services.ctx.settings.ccpImageTag;
            throw new PgoFailure(`can not upgrade to the same image tag ${tag} ${tag}`);
          }
          throw error;
        }
        results.push(`created minor upgrade task for ${name}`);
      }
      return resultsResponse(results, okStatus());
    },
    (message) => resultsResponse(results, errorStatus(message)),
  );
}

async function clone(req: RestRequest) {
  // 4.2.4's clone handler did not check the client version.
  const namespace = req.namespace(req.body.string('Namespace'));
  const source = req.body.string('SourceClusterName');
  const target = req.body.string('TargetClusterName');
  const storageSource = req.body.string('BackrestStorageSource');
  return refusable(
    async () => {
      if (source === '') throw new PgoFailure('Invalid clone request: the source cluster name must be set');
      if (target === '') throw new PgoFailure('Invalid clone request: the target cluster name must be set');
      const cloned = await req.services.clusters.clone(req.caller, { namespace, source, target, storageSource: optional(storageSource) });
      return cloneResponse(okStatus(), cloned.target, cloned.workflowId);
    },
    (message) => cloneResponse(errorStatus(message)),
    (error) => {
      if (error.kind === 'NotFound') return `Could not get cluster: ${clusterNotFound(source)}`;
      if (error.kind === 'AlreadyExists') return `Could not clone cluster: ${target} already exists`;
      if (error.kind === 'Conflict') return `Could not clone cluster: ${error.message}. If you believe this is an error, try deleting this pgtask CRD.`;
      if (error.field === 'storageSource') return cloneStorageMessage(storageSource);
      return undefined;
    },
  );
}

export const clusterOpsRoutes: RestRoute[] = [
  {
    method: 'ANY',
    path: '/clusters/scale/{name}',
    permission: 'ScaleCluster',
    failure: (status) => resultsResponse(null, status),
    handle: scale,
  },
  {
    method: 'GET',
    path: '/scale/{name}',
    permission: 'ScaleCluster',
    failure: (status) => resultsResponse(null, status),
    handle: (req) =>
      replicaQuery(req, (name) => `No cluster found for "${name}"`, (t) => ({ Name: t.deployment, Node: t.node, ReplicationLag: 0, Status: replicaState(t), Timeline: 0 })),
  },
  {
    method: 'GET',
    path: '/scaledown/{name}',
    permission: 'ScaleCluster',
    failure: (status) => resultsResponse(null, status),
    handle: (req) => {
      // 4.2.4 read the flag before it checked the client version.
      const deleteData = goParseBool(req.query.get('delete-data') ?? '');
      req.requireVersion(req.query.get('version') ?? '');
      const namespace = req.namespace(req.query.get('namespace') ?? '');
      const name = req.params.name;
      const replica = req.query.get('replica-name') ?? '';
      return refusable(
        async () => {
          await req.services.clusters.scaleDown(req.caller, { namespace, cluster: name, replica, deleteData });
          return resultsResponse([`deleted Pgreplica ${replica}`], okStatus());
        },
        (message) => resultsResponse([], errorStatus(message)),
        (error) => (error.kind === 'NotFound' ? clusterNotFound(name) : undefined),
      );
    },
  },
  {
    method: 'POST',
    path: '/label',
    permission: 'Label',
    failure: (status) => resultsResponse(null, status),
    handle: label,
  },
  {
    method: 'POST',
    path: '/labeldelete',
    permission: 'Label',
    failure: (status) => resultsResponse(null, status),
    handle: deleteLabel,
  },
  {
    method: 'POST',
    path: '/failover',
    permission: 'CreateFailover',
    failure: (status) => failoverResponse(null, status),
    handle: failover,
  },
  {
    method: 'GET',
    path: '/failover/{name}',
    permission: 'CreateFailover',
    failure: (status) => resultsResponse(null, status),
    handle: (req) =>
      replicaQuery(req, (name) => `no cluster found named ${name}`, (t) => ({ Name: t.deployment, Node: t.node, PreferredNode: false, ReplicationLag: 0, Status: replicaState(t), Timeline: 0 })),
  },
  {
    method: 'POST',
    path: '/pgbouncer',
    permission: 'CreatePgbouncer',
    failure: (status) => resultsResponse(null, status),
    handle: createPgbouncer,
  },
  {
    method: 'DELETE',
    path: '/pgbouncer',
    permission: 'DeletePgbouncer',
    failure: (status) => resultsResponse(null, status),
    handle: deletePgbouncer,
  },
  {
    method: 'POST',
    path: '/pgbouncerdelete',
    permission: 'DeletePgbouncer',
    failure: (status) => resultsResponse(null, status),
    handle: deletePgbouncer,
  },
  {
    method: 'POST',
    path: '/upgrades',
    permission: 'CreateUpgrade',
    failure: (status) => resultsResponse(null, status),
    handle: upgrade,
  },
  {
    method: 'POST',
    path: '/clone',
    permission: 'Clone',
    failure: (status) => cloneResponse(status),
    handle: clone,
  },
];
