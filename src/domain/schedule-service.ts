/**
 * Schedules, stored as pgo 4.2.4 stored them: one ConfigMap per schedule, labelled
 * `crunchy-scheduler=true` and `pg-cluster=<cluster>`, holding under its own name the JSON of the
 * schedule (apiserver/scheduleservice PgScheduleSpec). controllers/schedule-controller.ts runs them
 * as pgo-scheduler did. Deleting a cluster deletes its schedules with its
 * other ConfigMaps.
 *
 * Where 4.2.4 left a check to pgo-scheduler (which skipped what it could not run) this service
 * refuses up front with the scheduler's words: the cron expression, the schedule type, a
 * pgBackRest backup type, a policy's name and database.
 */
import { CONFIGMAPS, PVCS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { KubeApiError } from '../kube/writer.js';
import { LabelSelectorError, parseLabelSelector } from '../kube/label-selector.js';
import type { LabelSelector } from '../kube/label-selector.js';
import { backrestStorageTypeProblem, backupOptionsProblem, optionsSyntaxProblem } from './backup-options.js';
import type { ClusterService, ClusterTarget } from './cluster-service.js';
import { ALL, LABELS, USER_LABELS } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace, fromKubeError, timestamp } from './context.js';
import { cronProblem } from './cron.js';
import { PGPOLICY } from './custom-resources.js';
import { compact, decodeScheduleSpec, goMarshal, isSchedule, SCHEDULE_LABEL } from './schedule-spec.js';
import type { ScheduleSpec } from './schedule-spec.js';
import type { Pgcluster } from './custom-resources.js';
import { alreadyExists, invalid, notFound } from './errors.js';
import { WriteBatch } from './write-batch.js';

const SCHEDULE_TYPES = ['pgbackrest', 'pgbasebackup', 'policy'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];
const BACKREST_BACKUP_TYPES = ['full', 'incr', 'diff'];
/** PgScheduleSpec.version. */
const SCHEDULE_VERSION = 'v1';
/** The container pgo-scheduler ran pgBackRest in. */
const DATABASE_CONTAINER = 'database';

export interface CreateScheduleInput {
  namespace: string;
  /** The cluster labelled `pg-cluster=<cluster>`; else those `selector` matches; else every cluster of the namespace, as 4.2.4 chose. */
  cluster?: string;
  selector?: string;
  /** A five-field cron expression. */
  schedule: string;
  type: string;
  /** pgbackrest: full, incr or diff. */
  backrestType?: string;
  /** pgbackrest: local, s3 or both, as the cluster's repository allows. */
  storageType?: string;
  /** pgbasebackup: an existing PVC to back up to. */
  pvcName?: string;
  /** pgbackrest: extra pgBackRest backup options. */
  options?: string;
  /** policy: the policy to run, the database to run it in and the Secret to log in with (the cluster's primary user by default). */
  policy?: string;
  database?: string;
  secret?: string;
}

/** Which schedules: one by name, else those of a cluster (`all` for every one) and/or a selector. */
export interface ScheduleQuery {
  namespace: string;
  name?: string;
  cluster?: string;
  selector?: string;
}

const isScheduleType = (type: string): type is ScheduleType => (SCHEDULE_TYPES as readonly string[]).includes(type);

/** 4.2.4 checked the options' syntax for every type but had an option set for pgBackRest only. */
function optionsProblem(type: ScheduleType, options: string): string | undefined {
  if (type === 'pgbackrest') return backupOptionsProblem('pgbackrest-backup', options);
  if (options.trim() === '') return undefined;
  return optionsSyntaxProblem(options) ?? 'Request type not recognized. Unable to create struct for backup opts';
}

export class ScheduleService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly clusters: ClusterService,
  ) {}

  /** Validates everything, then writes one ConfigMap per selected cluster; a failed write removes the ones written before it. */
  async create(caller: Caller, input: CreateScheduleInput): Promise<ScheduleSpec[]> {
    const { namespace, type } = input;
    assertNamespace(this.ctx, caller, namespace);
    if (!isScheduleType(type)) throw invalid('type', `Schedule type unknown: ${type}`);
    const cron = cronProblem(input.schedule);
    if (cron !== undefined) throw invalid('schedule', `${input.schedule} is not a valid schedule: ${cron}`);
    const backrestType = input.backrestType ?? '';
    if (type === 'pgbackrest' && backrestType === '') throw invalid('backrestType', 'Backup Type required for pgBackRest schedules');
    if (type === 'pgbackrest' && !BACKREST_BACKUP_TYPES.includes(backrestType)) throw invalid('backrestType', `pgBackRest Backup Type invalid: ${backrestType}`);
    if (type === 'policy' && !input.database) throw invalid('database', 'Database name required for policy schedules');
    if (type === 'policy' && !input.policy) throw invalid('policy', 'Policy name required for policy schedules');

    const selector = input.cluster ? `${LABELS.pgCluster}=${input.cluster}` : (input.selector ?? '');
    const target: ClusterTarget = selector === '' ? { namespace, names: [ALL] } : { namespace, selector };
    const clusters = this.clusters.select(caller, target);
    const options = input.options ?? '';
    const problem = optionsProblem(type, options);
    if (problem !== undefined) throw invalid('options', problem);

    const specs = clusters.map((cluster) => this.spec(cluster, input, type));
    for (const spec of specs) {
      if (this.ctx.cache.get(CONFIGMAPS, namespace, spec.name)) throw alreadyExists(`Schedule ${spec.name} already exists`);
    }
    const batch = new WriteBatch(this.ctx);
    for (const spec of specs) {
      await batch.create(CONFIGMAPS, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: spec.name, namespace, labels: { [LABELS.pgCluster]: spec.cluster, [SCHEDULE_LABEL]: 'true' } },
        data: { [spec.name]: goMarshal(spec) },
      });
    }
    return specs;
  }

  /** The stored schedules, read back as pgo-scheduler read them. */
  show(caller: Caller, query: ScheduleQuery): ScheduleSpec[] {
    return this.find(caller, query).map((configMap) => {
      const name = configMap.metadata.name;
      const stored = ((configMap.data ?? {}) as Record<string, unknown>)[name];
      try {
        return decodeScheduleSpec(typeof stored === 'string' ? stored : '');
      } catch (error) {
        throw invalid('schedule', `Could not parse schedule json ${name}: ${(error as Error).message}`);
      }
    });
  }

  /** Deletes the schedules the query names; answers their names. */
  async delete(caller: Caller, query: ScheduleQuery): Promise<string[]> {
    const deleted: string[] = [];
    for (const configMap of this.find(caller, query)) {
      const name = configMap.metadata.name;
      try {
        // One deleted meanwhile is as good as deleted.
        await this.ctx.writer.deleteIfExists(CONFIGMAPS, query.namespace, name);
      } catch (error) {
        throw error instanceof KubeApiError ? fromKubeError(error, `schedule ${name}`) : error;
      }
      deleted.push(name);
    }
    return deleted;
  }

  /** A named schedule must be one (only ConfigMaps labelled as schedules are); otherwise those the labels select, by name. */
  private find(caller: Caller, query: ScheduleQuery): KubeObject[] {
    const { namespace } = query;
    assertNamespace(this.ctx, caller, namespace);
    if (!query.name && !query.cluster && !query.selector) throw invalid('name', 'Cluster name, schedule name or selector must be provided');
    if (query.name) {
      const configMap = this.ctx.cache.get(CONFIGMAPS, namespace, query.name);
      if (!isSchedule(configMap)) throw notFound(`schedule ${query.name} not found in namespace ${namespace}`);
      return [configMap];
    }
    let text = `${SCHEDULE_LABEL}=true`;
    if (query.cluster && query.cluster !== ALL) text += `,${LABELS.pgCluster}=${query.cluster}`;
    if (query.selector) text += `,${query.selector}`;
    let selector: LabelSelector;
    try {
      selector = parseLabelSelector(text);
    } catch (error) {
      if (error instanceof LabelSelectorError) throw invalid('selector', `No schedules found for selector: ${text}`);
      throw error;
    }
    return this.ctx.cache
      .list(CONFIGMAPS, namespace)
      .filter((c) => selector.matches(c.metadata.labels))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  }

  private spec(cluster: Pgcluster, input: CreateScheduleInput, type: ScheduleType): ScheduleSpec {
    const section = this.section(cluster, input, type);
    return {
      version: SCHEDULE_VERSION,
      name: section.name,
      cluster: cluster.metadata.name,
      created: timestamp(this.ctx),
      schedule: input.schedule,
      namespace: input.namespace,
      type,
      pgbackrest: section.pgbackrest ?? {},
      pgbasebackup: section.pgbasebackup ?? { securityContext: {} },
      policy: section.policy ?? {},
    };
  }

  /** The schedule's name and the part of it its type fills in. */
  private section(cluster: Pgcluster, input: CreateScheduleInput, type: ScheduleType): Partial<ScheduleSpec> & { name: string } {
    const name = cluster.metadata.name;
    const settings = this.ctx.settings;
    const primarySecret = cluster.spec.primarysecretname ?? '';
    switch (type) {
      case 'pgbackrest': {
        const storageType = input.storageType ?? '';
        const problem = backrestStorageTypeProblem(storageType, cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] ?? '', false);
        if (problem !== undefined) throw invalid('storageType', problem);
        const backrestType = input.backrestType ?? '';
        return {
          name: `${name}-${type}-${backrestType}`,
          pgbackrest: compact({
            label: `${LABELS.pgCluster}=${name},${LABELS.name}=${name},${LABELS.deploymentName}=${name}`,
            container: DATABASE_CONTAINER,
            type: backrestType,
            storageType,
            options: input.options ?? '',
          }),
        };
      }
      case 'pgbasebackup': {
        const pvc = input.pvcName ?? '';
        if (pvc !== '' && !this.ctx.cache.get(PVCS, input.namespace, pvc)) throw invalid('pvcName', `PVC does not exist for backup: ${pvc}`);
        return {
          name: `backup-${name}`,
          pgbasebackup: { ...compact({ backupVolume: pvc, imagePrefix: settings.ccpImagePrefix, imageTag: settings.ccpImageTag, secret: primarySecret }), securityContext: {} },
        };
      }
      case 'policy': {
        const policy = input.policy ?? '';
        if (!this.ctx.cache.get(PGPOLICY, input.namespace, policy)) throw notFound(`policy ${policy} not found`);
        return {
          name: `${name}-${type}-${policy}`,
          // Each cluster's own primary user unless a Secret is named (4.2.4 reused the first cluster's for the rest).
          policy: compact({ name: policy, database: input.database ?? '', secret: input.secret || primarySecret, imagePrefix: settings.pgoImagePrefix, imageTag: settings.pgoImageTag }),
        };
      }
    }
  }
}
