/**
 * Policies: SQL (inline or fetched from a URL at apply time) kept as Pgpolicy resources and
 * applied to clusters. An apply is recorded in the cluster's policies task; the controllers run the
 * SQL and then label the cluster and its primary Deployment `<policy>=pgpolicy`, the record 4.2.4
 * kept of what was applied.
 */
import { DEPLOYMENTS } from '../kube/resources.js';
import { KubeApiError } from '../kube/writer.js';
import { ALL, CREATED_MESSAGE, LABELS, POLICY_STATES, SPEC_STATUS, TASK_TYPES } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace, fromKubeError } from './context.js';
import { customResource, PGPOLICY, PGTASK } from './custom-resources.js';
import type { Pgcluster, Pgpolicy } from './custom-resources.js';
import { alreadyExists, invalid, notFound } from './errors.js';
import { assertObjectName, names } from './naming.js';
import { taskObject } from './task-factory.js';
import { readyPrimaryPod } from './pods.js';
import { WriteBatch } from './write-batch.js';
import type { ClusterService, ClusterTarget } from './cluster-service.js';

export const POLICY_LABEL_VALUE = 'pgpolicy';
/** Policy SQL is applied through psql; keep it to what a request body can reasonably carry. */
export const MAX_POLICY_SQL_BYTES = 1024 * 1024;

export interface CreatePolicyInput {
  namespace: string;
  name: string;
  sql?: string;
  url?: string;
}

export interface ApplyPolicyInput {
  policy: string;
  target: ClusterTarget;
  dryRun?: boolean;
}

export interface AppliedPolicy {
  cluster: Pgcluster;
  /** The Deployment the policy is applied through and labelled on (the cluster's primary). */
  deployment: string;
}

export class PolicyService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly clusters: ClusterService,
  ) {}

  list(caller: Caller, namespace: string): Pgpolicy[] {
    assertNamespace(this.ctx, caller, namespace);
    return this.ctx.cache.list(PGPOLICY, namespace);
  }

  get(caller: Caller, namespace: string, name: string): Pgpolicy {
    assertNamespace(this.ctx, caller, namespace);
    const policy = this.ctx.cache.get(PGPOLICY, namespace, name);
    if (!policy) throw notFound(`policy ${name} not found in namespace ${namespace}`);
    return policy;
  }

  async create(caller: Caller, input: CreatePolicyInput): Promise<Pgpolicy> {
    assertNamespace(this.ctx, caller, input.namespace);
    assertObjectName('name', input.name);
    const sql = input.sql ?? '';
    const url = input.url ?? '';
    if ((sql === '') === (url === '')) throw invalid(sql ? 'url' : 'sql', 'give exactly one of sql and url');
    if (Buffer.byteLength(sql) > MAX_POLICY_SQL_BYTES) throw invalid('sql', `must be at most ${MAX_POLICY_SQL_BYTES} bytes`);
    if (url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw invalid('url', `'${url}' is not a URL`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid('url', 'must be an http or https URL');
    }
    if (this.ctx.cache.get(PGPOLICY, input.namespace, input.name)) throw alreadyExists(`policy ${input.name} already exists in namespace ${input.namespace}`);
    const batch = new WriteBatch(this.ctx);
    await batch.create(PGPOLICY, customResource(PGPOLICY, input.namespace, input.name, { [LABELS.pgouser]: caller.username }, { namespace: input.namespace, name: input.name, url, sql, status: '' }));
    return this.write(() => this.ctx.writer.patchStatus(PGPOLICY, input.namespace, input.name, { state: POLICY_STATES.created, message: CREATED_MESSAGE }), input.name);
  }

  /** Deletes one policy, or every policy of the namespace for `all`. */
  async delete(caller: Caller, namespace: string, name: string): Promise<Pgpolicy[]> {
    const policies = name === ALL ? this.list(caller, namespace) : [this.get(caller, namespace, name)];
    for (const policy of policies) {
      // Re-labelled first so the delete event names who deleted it, as 4.2.4 did.
      await this.write(() => this.ctx.writer.mergePatch(PGPOLICY, namespace, policy.metadata.name, { metadata: { labels: { [LABELS.pgouser]: caller.username } } }), policy.metadata.name);
      await this.write(() => this.ctx.writer.delete(PGPOLICY, namespace, policy.metadata.name), policy.metadata.name);
    }
    return policies;
  }

  async apply(caller: Caller, input: ApplyPolicyInput): Promise<AppliedPolicy[]> {
    const namespace = input.target.namespace;
    const policy = this.get(caller, namespace, input.policy);
    const clusters = this.clusters.select(caller, input.target);
    const plan: AppliedPolicy[] = [];
    for (const cluster of clusters) {
      const name = cluster.metadata.name;
      const primary = this.ctx.cache.byCluster(DEPLOYMENTS, namespace, name).find((d) => d.metadata.labels?.[LABELS.serviceName] === name);
      if (!primary) continue;
      plan.push({ cluster, deployment: primary.metadata.name });
    }
    if (input.dryRun) return plan;
    for (const step of plan) readyPrimaryPod(this.ctx, namespace, step.cluster.metadata.name);
    // The request is recorded in the cluster's `<cluster>-policies` task (4.2.4's creation-time
    // record); the controllers run the SQL through a Job and label the cluster when it succeeded.
    for (const step of plan) {
      const taskName = names.policiesTask(step.cluster.metadata.name);
      const existing = this.ctx.cache.get(PGTASK, namespace, taskName);
      if (existing) {
        await this.write(() => this.ctx.writer.mergePatch(PGTASK, namespace, taskName, { spec: { parameters: { [policy.metadata.name]: policy.metadata.name } } }), taskName);
      } else {
        await new WriteBatch(this.ctx).create(
          PGTASK,
          taskObject({ namespace, name: taskName, tasktype: TASK_TYPES.addPolicies, labels: { [LABELS.pgCluster]: step.cluster.metadata.name, [LABELS.pgouser]: caller.username }, parameters: { [policy.metadata.name]: policy.metadata.name }, status: SPEC_STATUS.requested }),
        );
      }
    }
    return plan;
  }

  private async write<T>(call: () => Promise<T>, what: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw error instanceof KubeApiError ? fromKubeError(error, what) : error;
    }
  }
}
