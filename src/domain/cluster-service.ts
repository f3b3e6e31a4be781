/**
 * Clusters: what pgo 4.2.4's API did for create, show, update, delete, labels and scale, as
 * custom resources and Secrets. The controllers carry the requests out.
 */
import { parseLabelSelector, LabelSelectorError } from '../kube/label-selector.js';
import { labelValueProblem, qualifiedNameProblem } from '../kube/label-syntax.js';
import { CONFIGMAPS, DEPLOYMENTS, PODS, SECRETS } from '../kube/resources.js';
import type { KubeObject, ResourceHandle } from '../kube/resources.js';
import { KubeApiError } from '../kube/writer.js';
import {
  ALL,
  BACKREST_STORAGE_TYPES,
  CLUSTER_STATES,
  CREATED_MESSAGE,
  GLOBAL_CUSTOM_CONFIG,
  LABELS,
  PGO_VERSION,
  POD_ANTI_AFFINITY_TYPES,
  POD_ROLES,
  SERVICE_TYPES,
  SPEC_STATUS,
  TASK_TYPES,
  USER_LABELS,
  VENDOR,
  WORKFLOW_STEPS,
  WORKFLOW_TYPES,
} from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace, fromKubeError, timestamp } from './context.js';
import { customResource, emptyResources, emptyStorage, PGCLUSTER, PGPOLICY, PGREPLICA, PGTASK } from './custom-resources.js';
import type { PgContainerResources, Pgcluster, PgclusterSpec, Pgreplica, PgStorageSpec, Pgtask } from './custom-resources.js';
import { alreadyExists, conflict, invalid } from './errors.js';
import { assertClusterName, generatePassword, names, newWorkflowId, rand4 } from './naming.js';
import { backrestRepoSecret } from './backrest-repo-secret.js';
import type { S3Credentials } from './backrest-repo-secret.js';
import { WriteBatch } from './write-batch.js';
import { requireCluster } from './lookups.js';
import { podReady } from './pods.js';
import { replaceTask, taskObject } from './task-factory.js';

export interface CreateClusterInput {
  namespace: string;
  name: string;
  replicaCount?: number;
  ccpImage?: string;
  ccpImageTag?: string;
  port?: string;
  database?: string;
  username?: string;
  /** One password for the postgres, primaryuser and application users; generated when absent. */
  password?: string;
  storageConfig?: string;
  replicaStorageConfig?: string;
  backrestStorageConfig?: string;
  resourcesConfig?: string;
  userLabels?: Record<string, string>;
  policies?: string[];
  /** `key=value`: the node label the primary must run on. */
  nodeLabel?: string;
  serviceType?: string;
  /** `local`, `s3` or `local,s3`. */
  backrestStorageType?: string;
  backrestS3Bucket?: string;
  backrestS3Region?: string;
  backrestS3Endpoint?: string;
  /** S3 access key and its secret for the cluster's repository; both or neither. */
  backrestS3Key?: string;
  backrestS3KeySecret?: string;
  podAntiAffinity?: string;
  syncReplication?: boolean;
  autofail?: boolean;
  metrics?: boolean;
  badger?: boolean;
  pgbouncer?: boolean;
  pgbouncerUser?: string;
  pgbouncerPassword?: string;
  customConfig?: string;
  secretFrom?: string;
}


/** More clusters than this in one series is a typo, not a plan. */
export const MAX_CLUSTER_SERIES = 32;

/** The names of a series as 4.2.4 numbered them: the name itself for one, `<name>0` … for more. */
export function seriesNames(name: string, series: number): string[] {
  if (!Number.isInteger(series) || series < 1 || series > MAX_CLUSTER_SERIES) throw invalid('series', `must be a whole number from 1 to ${MAX_CLUSTER_SERIES}`);
  return series === 1 ? [name] : Array.from({ length: series }, (_, i) => `${name}${i}`);
}

/** Both parts of an S3 credential, or neither: a key alone would silently fall back to the defaults. */
function s3Credentials(input: CreateClusterInput): S3Credentials | undefined {
  const key = input.backrestS3Key ?? '';
  const keySecret = input.backrestS3KeySecret ?? '';
  if (key === '' && keySecret === '') return undefined;
  if (keySecret === '') throw invalid('backrestS3KeySecret', 'is required with backrestS3Key');
  if (key === '') throw invalid('backrestS3Key', 'is required with backrestS3KeySecret');
  return { key, keySecret };
}

export interface CreatedCluster {
  cluster: Pgcluster;
  workflowId: string;
}

export interface ClusterTarget {
  namespace: string;
  /** Cluster names; `all` selects every cluster of the namespace. */
  names?: string[];
  selector?: string;
}

export interface DeleteClusterOptions {
  deleteData?: boolean;
  deleteBackups?: boolean;
}

export interface ScaleInput {
  namespace: string;
  cluster: string;
  replicaCount: number;
  storageConfig?: string;
  resourcesConfig?: string;
  nodeLabel?: string;
  ccpImageTag?: string;
  serviceType?: string;
}

export interface ScaleDownInput {
  namespace: string;
  cluster: string;
  replica: string;
  deleteData?: boolean;
}

export interface UpdateClusterInput {
  autofail?: boolean;
}

export interface BenchmarkInput {
  namespace: string;
  cluster: string;
  clients?: number;
  jobs?: number;
  scale?: number;
  transactions?: number;
  database?: string;
  /** A policy whose SQL is the custom transaction script. */
  policy?: string;
  benchmarkOptions?: string;
  initOptions?: string;
}

export interface ConnectivitySummary {
  cluster: Pgcluster;
  /** Pods of the cluster's PostgreSQL Deployments with their readiness and role. */
  instances: { pod: string; role: string; ready: boolean; deployment: string }[];
  /** True when every instance pod is ready. */
  available: boolean;
}

function parseKeyValue(field: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) throw invalid(field, `'${text}' is not of the form key=value`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function assertLabel(field: string, key: string, value: string): void {
  const problem = qualifiedNameProblem(key) ?? labelValueProblem(value);
  if (problem) throw invalid(field, `label ${key}=${value}: ${problem}`);
}

function secretObject(namespace: string, cluster: string, name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { [LABELS.pgCluster]: cluster, [LABELS.vendor]: VENDOR } },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

function secretValue(secret: KubeObject | undefined, key: string): string | undefined {
  const data = secret?.data as Record<string, string> | undefined;
  return data?.[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8');
}


export class ClusterService {
  constructor(private readonly ctx: ServiceContext) {}

  get(caller: Caller, namespace: string, name: string): Pgcluster {
    return requireCluster(this.ctx, caller, namespace, name);
  }

  /** The clusters a target names: explicit names, `all`, or a label selector. */
  select(caller: Caller, target: ClusterTarget): Pgcluster[] {
    assertNamespace(this.ctx, caller, target.namespace);
    const all = this.ctx.cache.list(PGCLUSTER, target.namespace);
    if (target.selector !== undefined && target.selector !== '') {
      let selector;
      try {
        selector = parseLabelSelector(target.selector);
      } catch (error) {
        if (error instanceof LabelSelectorError) throw invalid('selector', error.message);
        throw error;
      }
      return all.filter((c) => selector.matches(c.metadata.labels));
    }
    const wanted = target.names ?? [];
    if (wanted.includes(ALL)) return all;
    return wanted.map((name) => this.get(caller, target.namespace, name));
  }

  /** Refuses a name a new cluster cannot take: not a cluster name, or taken. */
  assertCreatable(caller: Caller, namespace: string, name: string): void {
    assertNamespace(this.ctx, caller, namespace);
    assertClusterName('name', name);
    if (this.ctx.cache.get(PGCLUSTER, namespace, name)) throw alreadyExists(`cluster ${name} already exists in namespace ${namespace}`);
  }

  /**
   * Creates `series` clusters with the same options, numbered as 4.2.4 numbered them. Every name is
   * checked before the first is written, so a clash leaves nothing half-created.
   */
  async createSeries(caller: Caller, input: CreateClusterInput, series: number): Promise<CreatedCluster[]> {
    const clusterNames = seriesNames(input.name, series);
    for (const name of clusterNames) this.assertCreatable(caller, input.namespace, name);
    const created: CreatedCluster[] = [];
    for (const name of clusterNames) created.push(await this.create(caller, { ...input, name }));
    return created;
  }

  async create(caller: Caller, input: CreateClusterInput): Promise<CreatedCluster> {
    const ctx = this.ctx;
    const s = ctx.settings;
    const { namespace, name } = input;
    this.assertCreatable(caller, namespace, name);
    const replicaCount = input.replicaCount ?? Number(s.replicas);
    if (!Number.isInteger(replicaCount) || replicaCount < 0) throw invalid('replicaCount', 'must be a whole number, 0 or more');

    const userLabels: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.userLabels ?? {})) {
      assertLabel('userLabels', key, value);
      userLabels[key] = value;
    }
    if (input.customConfig) {
      if (!ctx.cache.get(CONFIGMAPS, namespace, input.customConfig)) throw invalid('customConfig', `ConfigMap ${input.customConfig} does not exist in ${namespace}`);
      userLabels[USER_LABELS.customConfig] = input.customConfig;
    }
    const serviceType = input.serviceType ?? '';
    if (serviceType && !(SERVICE_TYPES as readonly string[]).includes(serviceType)) throw invalid('serviceType', `must be one of ${SERVICE_TYPES.join(', ')}`);
    if (serviceType) userLabels[USER_LABELS.serviceType] = serviceType;

    const credentials = s3Credentials(input);
    const s3 = {
      bucket: input.backrestS3Bucket ?? '',
      region: input.backrestS3Region ?? '',
      endpoint: input.backrestS3Endpoint ?? '',
    };
    if (input.backrestStorageType) {
      const types = input.backrestStorageType.split(',').map((t) => t.trim());
      for (const t of types) if (!(BACKREST_STORAGE_TYPES as readonly string[]).includes(t)) throw invalid('backrestStorageType', `'${t}' is not one of ${BACKREST_STORAGE_TYPES.join(', ')}`);
      if (types.includes('s3')) {
        for (const [key, value] of [['backrestS3Bucket', s3.bucket || s.backrestS3Bucket], ['backrestS3Region', s3.region || s.backrestS3Region], ['backrestS3Endpoint', s3.endpoint || s.backrestS3Endpoint]] as const) {
          if (!value) throw invalid(key, 'is required when backrestStorageType includes s3 and pgo.yaml sets none');
        }
      }
      userLabels[USER_LABELS.backrestStorageType] = types.join(',');
    }
    const primaryStorage = this.storage('storageConfig', input.storageConfig ?? s.primaryStorage);
    const replicaStorage = this.storage('replicaStorageConfig', input.replicaStorageConfig ?? s.replicaStorage);
    const backrestStorage = this.storage('backrestStorageConfig', input.backrestStorageConfig ?? s.backrestStorage);
    const resources = this.resources('resourcesConfig', input.resourcesConfig ?? s.defaultContainerResources);

    const nodeLabel = input.nodeLabel ?? s.primaryNodeLabel;
    if (nodeLabel) {
      const [key, value] = parseKeyValue('nodeLabel', nodeLabel);
      userLabels[USER_LABELS.nodeLabelKey] = key;
      userLabels[USER_LABELS.nodeLabelValue] = value;
    }
    const antiAffinity = input.podAntiAffinity ?? '';
    if (antiAffinity && !(POD_ANTI_AFFINITY_TYPES as readonly string[]).includes(antiAffinity)) {
      throw invalid('podAntiAffinity', "Invalid pod anti-affinity type.  Valid values are 'required', 'preferred' or 'disabled'");
    }
    userLabels[USER_LABELS.podAntiAffinity] = antiAffinity;

    let passwords: { root: string; primary: string; user: string } | undefined;
    if (input.secretFrom) {
      const from = input.secretFrom;
      const user = ctx.cache.get(PGCLUSTER, namespace, from)?.spec.user ?? s.user;
      const root = secretValue(ctx.cache.get(SECRETS, namespace, names.rootSecret(from)), 'password');
      const primary = secretValue(ctx.cache.get(SECRETS, namespace, names.primarySecret(from)), 'password');
      const app = secretValue(ctx.cache.get(SECRETS, namespace, names.userSecret(from, user)), 'password');
      if (root === undefined || primary === undefined || app === undefined) throw invalid('secretFrom', `cluster ${from} does not have its three user secrets`);
      passwords = { root, primary, user: app };
    }

    userLabels[USER_LABELS.collect] = String(input.metrics ?? s.metrics);
    userLabels[USER_LABELS.archiveTimeout] = s.archiveTimeout;
    if (input.syncReplication !== undefined) userLabels[USER_LABELS.syncReplication] = String(input.syncReplication);
    userLabels[USER_LABELS.pgoVersion] = PGO_VERSION;
    if (input.pgbouncer) {
      userLabels[USER_LABELS.pgbouncerPassword] = input.pgbouncerPassword ?? generatePassword(10);
      userLabels[USER_LABELS.pgbouncerUser] = input.pgbouncerUser ?? 'pgbouncer';
      userLabels[USER_LABELS.pgbouncerSecret] = '';
    }

    // As in 4.2.4 the namespace default wins the label; spec.customconfig keeps what was asked for.
    if (ctx.cache.get(CONFIGMAPS, namespace, GLOBAL_CUSTOM_CONFIG)) userLabels[USER_LABELS.customConfig] = GLOBAL_CUSTOM_CONFIG;

    const policies = input.policies ?? (s.policies ? s.policies.split(',').filter(Boolean) : []);
    for (const policy of policies) {
      if (!ctx.cache.get(PGPOLICY, namespace, policy)) throw invalid('policies', `policy ${policy} does not exist in ${namespace}`);
    }

    const user = input.username ?? s.user;
    const workflowId = newWorkflowId();
    userLabels[USER_LABELS.workflowId] = workflowId;
    const now = timestamp(ctx);
    const spec: PgclusterSpec = {
      namespace,
      name,
      clustername: name,
      policies: policies.join(','),
      ccpimage: input.ccpImage ?? 'crunchy-postgres-ha',
      ccpimagetag: input.ccpImageTag ?? s.ccpImageTag,
      port: input.port ?? s.port,
      pgbadgerport: s.pgBadgerPort,
      exporterport: s.exporterPort,
      nodename: '',
      PrimaryStorage: primaryStorage,
      ArchiveStorage: emptyStorage(),
      ReplicaStorage: replicaStorage,
      BackrestStorage: backrestStorage,
      ContainerResources: resources,
      primaryhost: name,
      user,
      database: input.database ?? s.database,
      replicas: String(replicaCount),
      strategy: '1',
      secretfrom: input.secretFrom ?? '',
      usersecretname: names.userSecret(name, user),
      rootsecretname: names.rootSecret(name),
      primarysecretname: names.primarySecret(name),
      collectSecretName: names.collectSecret(name),
      status: '',
      pswlastupdate: now,
      customconfig: input.customConfig ?? '',
      userlabels: userLabels,
      podPodAntiAffinity: antiAffinity,
      syncReplication: input.syncReplication ?? null,
      backrestS3Bucket: s3.bucket,
      backrestS3Region: s3.region,
      backrestS3Endpoint: s3.endpoint,
    };
    const labels: Record<string, string> = {
      [LABELS.name]: name,
      [LABELS.autofail]: String(input.autofail ?? !s.disableAutofail),
      [LABELS.badger]: String(input.badger ?? s.badger),
      [LABELS.backrest]: 'true',
      [LABELS.pgouser]: caller.username,
    };
    if (input.pgbouncer) labels[LABELS.pgbouncer] = 'true';

    const batch = new WriteBatch(ctx);
    if (policies.length > 0) {
      await batch.create(PGTASK, taskObject({ namespace, name: names.policiesTask(name), tasktype: TASK_TYPES.addPolicies, labels: { [LABELS.pgCluster]: name }, parameters: Object.fromEntries(policies.map((p) => [p, p])), status: SPEC_STATUS.requested }));
    }
    if (!ctx.cache.get(SECRETS, namespace, names.rootSecret(name))) {
      const password = input.password;
      const pw = passwords ?? { root: password ?? generatePassword(s.passwordLength), primary: password ?? generatePassword(s.passwordLength), user: password ?? generatePassword(s.passwordLength) };
      await batch.create(SECRETS, secretObject(namespace, name, names.rootSecret(name), { username: 'postgres', password: pw.root }));
      await batch.create(SECRETS, secretObject(namespace, name, names.primarySecret(name), { username: 'primaryuser', password: pw.primary }));
      await batch.create(SECRETS, secretObject(namespace, name, names.userSecret(name, user), { username: user, password: pw.user }));
    }
    if (!ctx.cache.get(SECRETS, namespace, names.backrestRepoSecret(name))) {
      await batch.create(SECRETS, await backrestRepoSecret(ctx, namespace, name, credentials));
    }
    await batch.create(
      PGTASK,
      taskObject({
        namespace,
        name: names.workflowTask(name, WORKFLOW_TYPES.createCluster),
        tasktype: TASK_TYPES.workflow,
        labels: { [LABELS.pgouser]: caller.username, [LABELS.pgCluster]: name, [LABELS.workflowId]: workflowId },
        parameters: { [WORKFLOW_STEPS.submitted]: now, [LABELS.pgCluster]: name, [LABELS.workflowId]: workflowId },
      }),
    );
    const created = await batch.create(PGCLUSTER, customResource(PGCLUSTER, namespace, name, labels, spec));
    // The status subresource ignores status sent with a create: 4.2.4's initial state is written separately.
    const withStatus = await this.writeStatus(created, { state: CLUSTER_STATES.created, message: CREATED_MESSAGE });
    return { cluster: withStatus, workflowId };
  }

  /** Deleting a cluster is a request: an rmdata task the controllers carry out. */
  async delete(caller: Caller, target: ClusterTarget, options: DeleteClusterOptions = {}): Promise<Pgcluster[]> {
    const clusters = this.select(caller, target);
    for (const cluster of clusters) {
      const name = cluster.metadata.name;
      await replaceTask(this.ctx, {
        namespace: target.namespace,
        name: names.rmdataTask(name),
        tasktype: TASK_TYPES.deleteData,
        labels: { [LABELS.pgCluster]: name, [LABELS.rmdata]: 'true', [LABELS.pgouser]: caller.username },
        parameters: {
          'delete-data': String(options.deleteData ?? true),
          'delete-backups': String(options.deleteBackups ?? true),
          'is-replica': 'false',
          'is-backup': 'false',
          'pg-cluster': name,
          'replica-name': '',
          'crunchy-pgha-scope': cluster.metadata.labels?.[LABELS.pghaScope] ?? '',
        },
      });
    }
    return clusters;
  }

  async update(caller: Caller, target: ClusterTarget, input: UpdateClusterInput): Promise<Pgcluster[]> {
    const clusters = this.select(caller, target);
    const out: Pgcluster[] = [];
    for (const cluster of clusters) {
      if (input.autofail === undefined) {
        out.push(cluster);
        continue;
      }
      out.push(await this.patch(cluster, { metadata: { labels: { [LABELS.autofail]: String(input.autofail) } } }));
    }
    return out;
  }

  /** Adds labels to the Pgcluster and to every Deployment of the cluster, as 4.2.4's `pgo label` did. */
  async label(caller: Caller, target: ClusterTarget, labels: Record<string, string>): Promise<Pgcluster[]> {
    if (Object.keys(labels).length === 0) throw invalid('labels', 'at least one label is required');
    for (const [key, value] of Object.entries(labels)) assertLabel('labels', key, value);
    return this.relabel(caller, target, labels);
  }

  async unlabel(caller: Caller, target: ClusterTarget, keys: string[]): Promise<Pgcluster[]> {
    if (keys.length === 0) throw invalid('keys', 'at least one label key is required');
    return this.relabel(caller, target, Object.fromEntries(keys.map((k) => [k, null])));
  }

  /** Creates Pgreplicas for a running cluster; the replica controller builds them. */
  async scale(caller: Caller, input: ScaleInput): Promise<Pgreplica[]> {
    const ctx = this.ctx;
    const cluster = this.get(caller, input.namespace, input.cluster);
    if (!Number.isInteger(input.replicaCount) || input.replicaCount < 1) throw invalid('replicaCount', 'must be a whole number, 1 or more');
    const storage = input.storageConfig ? this.storage('storageConfig', input.storageConfig) : cluster.spec.ReplicaStorage;
    const resources = this.resources('resourcesConfig', input.resourcesConfig ?? ctx.settings.defaultContainerResources);
    if (input.serviceType && !(SERVICE_TYPES as readonly string[]).includes(input.serviceType)) throw invalid('serviceType', `must be one of ${SERVICE_TYPES.join(', ')}`);
    const userLabels = { ...cluster.spec.userlabels };
    if (input.ccpImageTag) userLabels[USER_LABELS.ccpImageTag] = input.ccpImageTag;
    if (input.serviceType) userLabels[USER_LABELS.serviceType] = input.serviceType;
    const nodeLabel = input.nodeLabel ?? ctx.settings.replicaNodeLabel;
    if (nodeLabel) [userLabels[USER_LABELS.nodeLabelKey], userLabels[USER_LABELS.nodeLabelValue]] = parseKeyValue('nodeLabel', nodeLabel);
    else {
      userLabels[USER_LABELS.nodeLabelKey] = '';
      userLabels[USER_LABELS.nodeLabelValue] = '';
    }
    const batch = new WriteBatch(ctx);
    const created: Pgreplica[] = [];
    for (let i = 0; i < input.replicaCount; i++) {
      const name = this.freeReplicaName(input.namespace, cluster.metadata.name);
      const labels: Record<string, string> = { [LABELS.pgCluster]: cluster.metadata.name, [LABELS.name]: name, [LABELS.pgouser]: caller.username };
      const id = cluster.metadata.labels?.[LABELS.pgClusterId];
      if (id) labels[LABELS.pgClusterId] = id;
      const replica = await batch.create(
        PGREPLICA,
        customResource(PGREPLICA, input.namespace, name, labels, { namespace: input.namespace, name, clustername: cluster.metadata.name, replicastorage: storage, containerresources: resources, status: '', userlabels: userLabels }),
      );
      created.push(replica);
    }
    const out: Pgreplica[] = [];
    for (const replica of created) out.push(await this.writeStatus(replica, { state: 'pgreplica Created', message: CREATED_MESSAGE }));
    return out;
  }

  /** Removes one replica: an rmdata task in replica mode. */
  async scaleDown(caller: Caller, input: ScaleDownInput): Promise<Pgtask> {
    const cluster = this.get(caller, input.namespace, input.cluster);
    const pods = this.ctx.cache.byCluster(PODS, input.namespace, cluster.metadata.name).filter((p) => p.metadata.labels?.[LABELS.role] === POD_ROLES.replica);
    if (pods.length === 0) throw invalid('cluster', 'no replicas found for this cluster');
    if (!pods.some((p) => p.metadata.labels?.[LABELS.deploymentName] === input.replica)) throw invalid('replica', `Unable to find replica with name ${input.replica}`);
    return replaceTask(this.ctx, {
      namespace: input.namespace,
      name: names.rmdataTask(input.replica),
      tasktype: TASK_TYPES.deleteData,
      labels: { [LABELS.pgCluster]: cluster.metadata.name, [LABELS.rmdata]: 'true', [LABELS.pgouser]: caller.username },
      parameters: {
        'delete-data': String(input.deleteData ?? true),
        'delete-backups': 'false',
        'is-replica': 'true',
        'is-backup': 'false',
        'pg-cluster': cluster.metadata.name,
        'replica-name': input.replica,
        'crunchy-pgha-scope': cluster.metadata.labels?.[LABELS.pghaScope] ?? '',
      },
    });
  }

  /**
   * Clones a cluster into a new one through its pgBackRest repository (4.2.4 `pgo clone`): a
   * clone workflow and the first of three clone tasks; the controllers do the rest.
   */
  async clone(caller: Caller, input: { namespace: string; source: string; target: string; storageSource?: string }): Promise<{ target: string; workflowId: string; task: Pgtask }> {
    const { namespace, source, target } = input;
    const sourceCluster = this.get(caller, namespace, source);
    assertClusterName('target', target);
    if (this.ctx.cache.get(PGCLUSTER, namespace, target)) throw alreadyExists(`cluster ${target} already exists in namespace ${namespace}`);
    const ongoing = this.ctx.cache.byCluster(PGTASK, namespace, target).find((t) => t.metadata.labels?.['pgo-clone'] === 'true' && t.spec.status !== SPEC_STATUS.completed);
    if (ongoing) throw conflict(`there exists an ongoing clone task: [${ongoing.metadata.name}]`);
    const storageSource = input.storageSource ?? '';
    if (storageSource && !(BACKREST_STORAGE_TYPES as readonly string[]).includes(storageSource)) throw invalid('storageSource', `must be one of ${BACKREST_STORAGE_TYPES.join(', ')}`);
    // The clone restores from the source's repository: it can only read a storage type the source writes to.
    const sourceTypes = (sourceCluster.spec.userlabels?.[USER_LABELS.backrestStorageType] || 'local').split(',');
    if (storageSource && !sourceTypes.includes(storageSource)) throw invalid('storageSource', `cluster ${source} does not use storage type ${storageSource} (it uses ${sourceTypes.join(',')})`);
    const workflowId = newWorkflowId();
    const suffix = rand4();
    const now = timestamp(this.ctx);
    const batch = new WriteBatch(this.ctx);
    await batch.create(
      PGTASK,
      taskObject({
        namespace,
        name: `${target}-${suffix}-${WORKFLOW_TYPES.clone}`,
        tasktype: TASK_TYPES.workflow,
        labels: { [LABELS.pgCluster]: target, [LABELS.workflowId]: workflowId },
        parameters: { [WORKFLOW_STEPS.submitted]: now, [LABELS.pgCluster]: target, [LABELS.workflowId]: workflowId },
      }),
    );
    const taskName = `${TASK_TYPES.cloneStep1}-${target}-${suffix}`;
    const task = await batch.create(
      PGTASK,
      taskObject({
        namespace,
        name: taskName,
        tasktype: TASK_TYPES.cloneStep1,
        labels: { [LABELS.pgCluster]: target, [LABELS.pgouser]: caller.username, 'pgo-clone': 'true', 'pgo-clone-step-1': 'true' },
        parameters: { sourceClusterName: source, targetClusterName: target, taskName, timestamp: now, workflowid: workflowId, backrestStorageType: storageSource },
      }),
    );
    return { target, workflowId, task };
  }

  /** Runs pgbench against a cluster (4.2.4 `pgo benchmark`): a workflow and a benchmark task. */
  async benchmark(caller: Caller, input: BenchmarkInput): Promise<{ task: Pgtask; workflowId: string }> {
    const cluster = this.get(caller, input.namespace, input.cluster);
    const { namespace } = input;
    const name = cluster.metadata.name;
    const positive = (field: keyof BenchmarkInput, value: number | undefined, fallback: number): string => {
      const v = value ?? fallback;
      if (!Number.isInteger(v) || v < 1) throw invalid(field, 'must be a whole number, 1 or more');
      return String(v);
    };
    const clients = positive('clients', input.clients, 1);
    const jobs = positive('jobs', input.jobs, 1);
    const scale = positive('scale', input.scale, 1);
    const transactions = positive('transactions', input.transactions, 1);
    let sql: string | undefined;
    if (input.policy) {
      const policy = this.ctx.cache.get(PGPOLICY, namespace, input.policy);
      if (!policy) throw invalid('policy', `policy ${input.policy} does not exist in ${namespace}`);
      if (!policy.spec.sql) throw invalid('policy', `policy ${input.policy} has no inline SQL`);
      sql = policy.spec.sql;
    }
    const suffix = rand4();
    const workflowId = newWorkflowId();
    const workflowName = `${name}-${suffix}-${WORKFLOW_TYPES.createBenchmark}`;
    const taskName = `benchmark-${name}-${suffix}`;
    const configmapName = sql === undefined ? '' : `benchmark-${name}-${suffix}-tx`;
    const now = timestamp(this.ctx);
    const batch = new WriteBatch(this.ctx);
    await batch.create(PGTASK, taskObject({ namespace, name: workflowName, tasktype: TASK_TYPES.workflow, labels: { [LABELS.pgCluster]: name, [LABELS.workflowId]: workflowId }, parameters: { [WORKFLOW_STEPS.submitted]: now, [LABELS.pgCluster]: name, [LABELS.workflowId]: workflowId } }));
    if (sql !== undefined) {
      await batch.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configmapName, namespace, labels: { 'pgo-benchmark': 'true', [LABELS.pgCluster]: name } }, data: { 'transactions.sql': sql } });
    }
    const labels: Record<string, string> = { [LABELS.pgCluster]: name, 'pgo-benchmark': 'true', [LABELS.pgouser]: caller.username };
    if (cluster.metadata.labels?.[LABELS.pgClusterId]) labels[LABELS.pgClusterId] = cluster.metadata.labels[LABELS.pgClusterId];
    const task = await batch.create(
      PGTASK,
      taskObject({
        namespace,
        name: taskName,
        tasktype: TASK_TYPES.benchmark,
        labels,
        parameters: {
          benchmarkOpts: input.benchmarkOptions ?? '',
          ccpImagePrefix: this.ctx.settings.ccpImagePrefix,
          ccpImageTag: cluster.spec.ccpimagetag,
          clients,
          clusterName: name,
          configmapName,
          database: input.database ?? 'postgres',
          host: name,
          initOpts: input.initOptions ?? '',
          jobs,
          port: cluster.spec.port,
          scale,
          secret: cluster.spec.rootsecretname,
          taskName,
          timestamp: now,
          transactions,
          workflowID: workflowId,
          workflowName,
        },
      }),
    );
    return { task, workflowId };
  }

  /** Requests a minor upgrade of the database image (4.2.4 `pgo upgrade`). */
  async upgrade(caller: Caller, input: { namespace: string; cluster: string; imageTag?: string }): Promise<Pgtask> {
    const cluster = this.get(caller, input.namespace, input.cluster);
    const tag = input.imageTag ?? this.ctx.settings.ccpImageTag;
    if (tag === cluster.spec.ccpimagetag) throw invalid('imageTag', `can not upgrade to the same image tag ${tag}`);
    return replaceTask(this.ctx, {
      namespace: input.namespace,
      name: `${input.cluster}-minor-upgrade`,
      tasktype: TASK_TYPES.minorUpgrade,
      labels: { [LABELS.pgCluster]: input.cluster, [LABELS.pgouser]: caller.username },
      parameters: { 'pg-cluster': input.cluster, CCPImageTag: tag },
      status: SPEC_STATUS.requested,
    });
  }

  /** Requests a pgBouncer for a running cluster (4.2.4 `pgo create pgbouncer`). */
  async addPgbouncer(caller: Caller, input: { namespace: string; cluster: string; username?: string; password?: string }): Promise<Pgtask> {
    const cluster = this.get(caller, input.namespace, input.cluster);
    if (cluster.metadata.labels?.[LABELS.pgbouncer] === 'true') throw invalid('cluster', `cluster ${input.cluster} already has a pgBouncer`);
    const parameters: Record<string, string> = { 'pgbouncer-cluster': input.cluster, 'pgbouncer-user': input.username ?? '', 'pgbouncer-password': input.password ?? '' };
    return replaceTask(this.ctx, {
      namespace: input.namespace,
      name: `pgbouncer-add-${input.cluster}`,
      tasktype: TASK_TYPES.addPgbouncer,
      labels: { [LABELS.pgCluster]: input.cluster, [LABELS.pgbouncerAdd]: 'true', [LABELS.pgouser]: caller.username },
      parameters,
    });
  }

  /** Removes a cluster's pgBouncer (4.2.4 `pgo delete pgbouncer`). */
  async deletePgbouncer(caller: Caller, namespace: string, clusterName: string): Promise<Pgtask> {
    const cluster = this.get(caller, namespace, clusterName);
    if (cluster.metadata.labels?.[LABELS.pgbouncer] !== 'true') throw invalid('cluster', `cluster ${clusterName} has no pgBouncer`);
    return replaceTask(this.ctx, {
      namespace,
      name: `pgbouncer-delete-${clusterName}`,
      tasktype: TASK_TYPES.deletePgbouncer,
      labels: { [LABELS.pgCluster]: clusterName, [LABELS.pgbouncerDelete]: 'true', [LABELS.pgouser]: caller.username },
      parameters: { 'pgbouncer-cluster': clusterName },
    });
  }

  /** What `pgo test` reported, from the cache: each instance pod's readiness and role. */
  connectivity(caller: Caller, namespace: string, name: string): ConnectivitySummary {
    const cluster = this.get(caller, namespace, name);
    const pods = this.ctx.cache.byCluster(PODS, namespace, name).filter((p) => p.metadata.labels?.[LABELS.pgDatabase] === 'true');
    const instances = pods.map((p) => ({ pod: p.metadata.name, role: p.metadata.labels?.[LABELS.role] ?? '', ready: podReady(p), deployment: p.metadata.labels?.[LABELS.deploymentName] ?? '' }));
    return { cluster, instances, available: instances.length > 0 && instances.every((i) => i.ready) };
  }

  private freeReplicaName(namespace: string, cluster: string): string {
    for (;;) {
      const name = names.replica(cluster);
      if (!this.ctx.cache.get(PGREPLICA, namespace, name) && !this.ctx.cache.get(DEPLOYMENTS, namespace, name)) return name;
    }
  }

  private storage(field: string, configName: string): PgStorageSpec {
    const config = this.ctx.settings.storage[configName];
    if (!config) throw invalid(field, `storage config ${configName} is not defined (known: ${Object.keys(this.ctx.settings.storage).join(', ')})`);
    return { ...config, name: '' };
  }

  private resources(field: string, configName: string): PgContainerResources {
    if (!configName) return emptyResources();
    const config = this.ctx.settings.containerResources[configName];
    if (!config) throw invalid(field, `container resources config ${configName} is not defined`);
    return { ...config };
  }

  private async relabel(caller: Caller, target: ClusterTarget, labels: Record<string, string | null>): Promise<Pgcluster[]> {
    const clusters = this.select(caller, target);
    const out: Pgcluster[] = [];
    for (const cluster of clusters) {
      out.push(await this.patch(cluster, { metadata: { labels } }));
      for (const deployment of this.ctx.cache.byCluster(DEPLOYMENTS, target.namespace, cluster.metadata.name)) {
        await this.ctx.writer.mergePatch(DEPLOYMENTS, target.namespace, deployment.metadata.name, { metadata: { labels } }).catch((error: unknown) => {
          throw error instanceof KubeApiError ? fromKubeError(error, `Deployment ${deployment.metadata.name}`) : error;
        });
      }
    }
    return out;
  }

  private async patch(cluster: Pgcluster, patch: unknown): Promise<Pgcluster> {
    try {
      return await this.ctx.writer.mergePatch(PGCLUSTER, cluster.metadata.namespace ?? '', cluster.metadata.name, patch);
    } catch (error) {
      throw error instanceof KubeApiError ? fromKubeError(error, `cluster ${cluster.metadata.name}`) : error;
    }
  }

  private async writeStatus<T extends Pgcluster | Pgreplica>(object: T, status: { state: string; message: string }): Promise<T> {
    const handle: ResourceHandle = object.kind === 'Pgreplica' ? PGREPLICA : PGCLUSTER;
    try {
      return (await this.ctx.writer.patchStatus(handle, object.metadata.namespace ?? '', object.metadata.name, status)) as T;
    } catch (error) {
      throw error instanceof KubeApiError ? fromKubeError(error, `${object.kind} ${object.metadata.name}`) : error;
    }
  }
}
