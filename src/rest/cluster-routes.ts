/**
 * The cluster lifecycle routes of the seed: create, show, delete, update (autofail) and test, with
 * the request keys, result lines and messages of pgo 4.2.4's clusterservice.
 */
import { ALL } from '../domain/constants.js';
import { clusterDetails } from '../domain/cluster-details.js';
import type { ClusterDetails } from '../domain/cluster-details.js';
import { seriesNames } from '../domain/cluster-service.js';
import type { ClusterTarget, CreateClusterInput } from '../domain/cluster-service.js';
import type { Pgcluster } from '../domain/custom-resources.js';
import { DomainError } from '../domain/errors.js';
import type { GoRequest } from './go-json.js';
import { okStatus, PgoFailure, resultsResponse } from './route.js';
import type { RestRequest, RestRoute } from './route.js';

/** apiservermsgs.UpdateClusterAutofailStatus. */
const AUTOFAIL = { doNothing: 0, enable: 1, disable: 2 } as const;

/** `key=value,key=value` as pgo's --labels flag sent it. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parts = pair.split('=');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new PgoFailure('invalid labels format');
    labels[parts[0]] = parts[1];
  }
  return labels;
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);
const optional = (text: string): string | undefined => (text === '' ? undefined : text);

function createInput(body: GoRequest, namespace: string, name: string): CreateClusterInput {
  const replicaCount = body.int('ReplicaCount');
  const input: CreateClusterInput = {
    namespace,
    name,
    // 4.2.4: 0 means "the pgo.yaml default", not "no replicas".
    replicaCount: replicaCount === 0 ? undefined : replicaCount,
    ccpImage: optional(body.string('CCPImage')),
    ccpImageTag: optional(body.string('CCPImageTag')),
    password: optional(body.string('Password')),
    secretFrom: optional(body.string('SecretFrom')),
    userLabels: parseLabels(body.string('UserLabels')),
    policies: list(body.string('Policies')),
    nodeLabel: optional(body.string('NodeLabel')),
    serviceType: optional(body.string('ServiceType')),
    metrics: body.bool('MetricsFlag'),
    badger: body.bool('BadgerFlag'),
    autofail: body.bool('AutofailFlag'),
    backrestStorageType: optional(body.string('BackrestStorageType')),
    pgbouncer: body.bool('PgbouncerFlag'),
    pgbouncerUser: optional(body.string('PgbouncerUser')),
    pgbouncerPassword: optional(body.string('PgbouncerPass')),
    customConfig: optional(body.string('CustomConfig')),
    storageConfig: optional(body.string('StorageConfig')),
    replicaStorageConfig: optional(body.string('ReplicaStorageConfig')),
    resourcesConfig: optional(body.string('ContainerResources')),
    podAntiAffinity: optional(body.string('PodAntiAffinity')),
    syncReplication: body.optionalBool('SyncReplication'),
    backrestS3Bucket: optional(body.string('BackrestS3Bucket')),
    backrestS3Region: optional(body.string('BackrestS3Region')),
    backrestS3Endpoint: optional(body.string('BackrestS3Endpoint')),
    backrestS3Key: optional(body.string('BackrestS3Key')),
    backrestS3KeySecret: optional(body.string('BackrestS3KeySecret')),
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as unknown as CreateClusterInput;
}

/** The messages pgo 4.2.4 answered for the checks the domain makes. */
function createFailure(error: unknown, name: string): unknown {
  if (!(error instanceof DomainError)) return error;
  if (error.kind === 'AlreadyExists') return new PgoFailure(`pgcluster ${name} was found so we will not create it`);
  if (error.field === 'name') return new PgoFailure(name === ALL ? "invalid cluster name 'all' is not allowed as a cluster name" : `invalid cluster name format ${error.message}`);
  if (error.field === 'series') return new PgoFailure(`invalid series, ${error.message}`);
  if (error.field === 'replicaCount') return new PgoFailure('invalid replica-count , should be greater than or equal to 0');
  return error;
}

async function createClusters(req: RestRequest) {
  req.requireVersion(req.body.string('ClientVersion'));
  const namespace = req.namespace(req.body.string('Namespace'));
  const base = req.body.string('Name');
  // pgo always sent 1 or more; 0 from another client means one cluster, not none.
  const series = Math.max(req.body.int('Series'), 1);
  let names;
  try {
    names = seriesNames(base, series);
  } catch (error) {
    throw createFailure(error, base);
  }
  // Checked name by name first, so a refusal names the cluster at fault with 4.2.4's message.
  for (const name of names) {
    try {
      req.services.clusters.assertCreatable(req.caller, namespace, name);
    } catch (error) {
      throw createFailure(error, name);
    }
  }
  let created;
  try {
    created = await req.services.clusters.createSeries(req.caller, createInput(req.body, namespace, base), series);
  } catch (error) {
    throw createFailure(error, base);
  }
  const results = created.flatMap((c) => [`created Pgcluster ${c.cluster.metadata.name}`, `workflow id ${c.workflowId}`]);
  return { results, status: okStatus() };
}

/** crv1.Pgcluster as Go encoded it: TypeMeta inline, then metadata, spec, status. */
function goCluster(cluster: Pgcluster) {
  const { kind, apiVersion, metadata, spec, status } = cluster;
  return { kind, apiVersion, metadata, spec, ...(status === undefined ? {} : { status }) };
}

function showDetail(cluster: Pgcluster, details: ClusterDetails) {
  return {
    cluster: goCluster(cluster),
    Deployments: details.deployments.map((d) => ({ Name: d.name, PolicyLabels: d.policyLabels })),
    Pods: details.pods.map((p) => ({ Name: p.name, Phase: p.phase, NodeName: p.nodeName, PVCName: p.pvcNames, ReadyStatus: p.readyStatus, Ready: p.ready, Primary: p.type === 'primary', Type: p.type })),
    Services: details.services.map((s) => ({ Name: s.name, Data: '', ClusterIP: s.clusterIP, ExternalIP: s.externalIP, ClusterName: s.pgbouncer || s.backrestRepo ? cluster.metadata.name : '', Pgbouncer: s.pgbouncer, BackrestRepo: s.backrestRepo })),
    Replicas: details.replicas.map((name) => ({ Name: name })),
  };
}

/** 4.2.4's selection: a selector wins; else AllFlag means every cluster; else the `name` label. */
function byNameOrSelector(namespace: string, name: string, selector: string, all: boolean): ClusterTarget {
  if (selector === '' && all) return { namespace, names: [ALL] };
  return { namespace, selector: selector === '' ? `name=${name}` : selector };
}

function testResult(req: RestRequest, cluster: Pgcluster) {
  const details = clusterDetails(req.services.ctx, cluster);
  const instances = details.pods
    .filter((p) => p.type === 'primary' || p.type === 'replica')
    .map((p) => ({ Available: p.ready, Message: p.name, InstanceType: p.type }));
  const endpoints = details.services.map((s) => ({
    Available: s.available,
    Message: `${s.clusterIP}:${cluster.spec.port ?? ''}`,
    InstanceType: s.name.includes('replica') ? 'replica' : s.pgbouncer ? 'pgbouncer' : s.backrestRepo ? 'backups' : 'primary',
  }));
  return {
    ClusterName: cluster.metadata.name,
    Endpoints: endpoints,
    Instances: instances.length > 0 ? instances : [{ Available: false, Message: '', InstanceType: 'primary' }],
  };
}

export const clusterRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/clusters',
    permission: 'CreateCluster',
    failure: (status) => ({ results: null, status }),
    handle: createClusters,
  },
  {
    method: 'POST',
    path: '/showclusters',
    permission: 'ShowCluster',
    failure: (status) => resultsResponse([], status),
    handle: (req) => {
      req.requireVersion(req.body.string('clientversion'));
      const namespace = req.namespace(req.body.string('namespace'));
      const target = byNameOrSelector(namespace, req.body.string('clustername'), req.body.string('selector'), req.body.bool('allflag'));
      const imageTag = req.body.string('ccpimagetag');
      const clusters = req.services.clusters.select(req.caller, target).filter((c) => imageTag === '' || c.spec.ccpimagetag === imageTag);
      return resultsResponse(clusters.map((c) => showDetail(c, clusterDetails(req.services.ctx, c))), okStatus());
    },
  },
  {
    method: 'POST',
    path: '/clustersdelete',
    permission: 'DeleteCluster',
    failure: (status) => resultsResponse([], status),
    handle: async (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const name = req.body.string('Clustername');
      const selector = req.body.string('Selector');
      const target: ClusterTarget = name === ALL && selector === '' ? { namespace, names: [ALL] } : { namespace, selector: selector === '' ? `name=${name}` : selector };
      if (req.services.clusters.select(req.caller, target).length === 0) throw new PgoFailure('no clusters found');
      const deleted = await req.services.clusters.delete(req.caller, target, { deleteData: req.body.bool('DeleteData'), deleteBackups: req.body.bool('DeleteBackups') });
      return resultsResponse(deleted.map((c) => `deleted pgcluster ${c.metadata.name}`), okStatus());
    },
  },
  {
    method: 'POST',
    path: '/clustersupdate',
    permission: 'UpdateCluster',
    failure: (status) => resultsResponse([], status),
    handle: async (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const selector = req.body.string('Selector');
      const target: ClusterTarget = req.body.bool('AllFlag') ? { namespace, names: [ALL] } : selector !== '' ? { namespace, selector } : { namespace, names: req.body.strings('Clustername') };
      if (req.services.clusters.select(req.caller, target).length === 0) throw new PgoFailure('no clusters found');
      const autofail = req.body.int('Autofail');
      const input = autofail === AUTOFAIL.enable ? { autofail: true } : autofail === AUTOFAIL.disable ? { autofail: false } : {};
      const updated = await req.services.clusters.update(req.caller, target, input);
      return resultsResponse(updated.map((c) => `updated pgcluster ${c.metadata.name}`), okStatus());
    },
  },
  {
    method: 'POST',
    path: '/testclusters',
    permission: 'TestCluster',
    failure: (status) => resultsResponse([], status),
    handle: (req) => {
      req.requireVersion(req.body.string('ClientVersion'));
      const namespace = req.namespace(req.body.string('Namespace'));
      const target = byNameOrSelector(namespace, req.body.string('Clustername'), req.body.string('Selector'), req.body.bool('AllFlag'));
      return resultsResponse(req.services.clusters.select(req.caller, target).map((c) => testResult(req, c)), okStatus());
    },
  },
];
