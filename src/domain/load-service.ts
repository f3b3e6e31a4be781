/**
 * Data loads (pgo 4.2.4's loadservice): a YAML load config names a file on a PVC and the table to
 * copy it into; each selected cluster gets the policies asked for and then a `pgo-load` Job. The
 * Job is started by the cluster's SQL queue (sql-tasks.ts) once those policies are applied, as
 * 4.2.4 applied them before it created the Job.
 */
import { parse as parseYaml } from 'yaml';
import { PVCS } from '../kube/resources.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace } from './context.js';
import type { ClusterService } from './cluster-service.js';
import { PGCLUSTER, PGPOLICY } from './custom-resources.js';
import type { Pgcluster } from './custom-resources.js';
import { invalid, notFound } from './errors.js';
import { rand4 } from './naming.js';
import { readyPrimaryPod } from './pods.js';
import type { PolicyService } from './policy-service.js';
import { freeTaskName, queueSqlTask, SQL_TASK_PARAMS, SQL_TASK_TYPES } from './sql-tasks.js';
import { WriteBatch } from './write-batch.js';

/** The load config's keys (apiserver/loadservice LoadConfig), each also a parameter of the load task. */
export const LOAD_CONFIG_FIELDS = ['PGOImagePrefix', 'PGOImageTag', 'DbDatabase', 'DbUser', 'DbPort', 'TableToLoad', 'FilePath', 'FileType', 'PVCName', 'FSGroup', 'SupplementalGroup'] as const;
export type LoadConfigField = (typeof LOAD_CONFIG_FIELDS)[number];
export type LoadConfig = Record<LoadConfigField, string>;

/** What 4.2.4 refused to run without, in the order it checked. */
const REQUIRED_FIELDS: readonly LoadConfigField[] = ['PGOImagePrefix', 'PGOImageTag', 'DbDatabase', 'DbUser', 'DbPort', 'TableToLoad', 'FilePath', 'PVCName'];
/** The Job's name, also its `job-name` label, must stay a label value. */
const MAX_JOB_NAME = 63;
export const LOAD_LABEL = 'pgo-load';

export interface LoadInput {
  namespace: string;
  /** Cluster names (the CLI's arguments); ignored when a selector is given. */
  clusters: string[];
  selector: string;
  /** The load config file's YAML. */
  loadConfig: string;
  /** Policies to apply before loading, comma separated. */
  policies: string;
}

export interface QueuedLoad {
  cluster: string;
  job: string;
}

function scalar(field: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid('loadConfig', `yaml: load config field ${field} must be a single value, not a ${Array.isArray(value) ? 'list' : 'mapping'}`);
}

/** Reads the YAML as yaml.v2 read it into 4.2.4's struct (unknown keys ignored) and validates it. */
export function parseLoadConfig(text: string): LoadConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw invalid('loadConfig', `yaml: ${(error as Error).message}`);
  }
  const fields = document ?? {};
  if (typeof fields !== 'object' || Array.isArray(fields)) throw invalid('loadConfig', 'yaml: the load config must be a mapping of LoadConfig fields');
  const values = fields as Record<string, unknown>;
  const config = Object.fromEntries(LOAD_CONFIG_FIELDS.map((f) => [f, scalar(f, values[f])])) as LoadConfig;
  for (const field of REQUIRED_FIELDS) if (config[field] === '') throw invalid('loadConfig', `${field} is not supplied`);
  // 4.2.4 pasted these into the pod's securityContext as JSON numbers.
  if (config.FSGroup !== '' && !/^\d+$/.test(config.FSGroup)) throw invalid('loadConfig', `FSGroup must be a group id, not '${config.FSGroup}'`);
  if (config.SupplementalGroup !== '' && !/^\d+(,\d+)*$/.test(config.SupplementalGroup)) throw invalid('loadConfig', `SupplementalGroup must be group ids separated by commas, not '${config.SupplementalGroup}'`);
  return config;
}

export class LoadService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly clusters: ClusterService,
    private readonly policies: PolicyService,
  ) {}

  async load(caller: Caller, input: LoadInput): Promise<QueuedLoad[]> {
    const { namespace } = input;
    assertNamespace(this.ctx, caller, namespace);
    const config = parseLoadConfig(input.loadConfig);
    if (input.clusters.length === 0 && input.selector === '') throw invalid('clusters', 'args or --selector required');
    const clusters = this.select(caller, input);
    const policies = input.policies === '' ? [] : input.policies.split(',');
    for (const policy of policies) if (!this.ctx.cache.get(PGPOLICY, namespace, policy)) throw notFound(`policy ${policy} is not found, cancelling request`);
    // A missing claim would leave the Job's pod pending for ever; 4.2.4 created it all the same.
    if (clusters.length > 0 && !this.ctx.cache.get(PVCS, namespace, config.PVCName)) throw notFound(`PersistentVolumeClaim ${config.PVCName} not found in namespace ${namespace}`);
    // 4.2.4's name for the Job: pgo-load-<cluster>-<three letters>.
    const loads = clusters.map((c) => ({ cluster: c.metadata.name, job: freeTaskName(this.ctx, namespace, () => `pgo-load-${c.metadata.name}-${rand4().slice(0, 3)}`) }));
    for (const load of loads) {
      if (load.job.length > MAX_JOB_NAME) throw invalid('clusters', `cluster name ${load.cluster} is too long for a load Job name (${load.job} is over ${MAX_JOB_NAME} characters)`);
      if (policies.length > 0) readyPrimaryPod(this.ctx, namespace, load.cluster);
    }
    for (const load of loads) {
      for (const policy of policies) await this.policies.apply(caller, { policy, target: { namespace, names: [load.cluster] } });
    }
    const batch = new WriteBatch(this.ctx);
    for (const load of loads) {
      await queueSqlTask(this.ctx, caller, batch, {
        namespace,
        cluster: load.cluster,
        name: load.job,
        tasktype: SQL_TASK_TYPES.load,
        labels: { [LOAD_LABEL]: 'true' },
        parameters: { ...config, [SQL_TASK_PARAMS.policies]: policies.join(',') },
      });
    }
    return loads;
  }

  /** 4.2.4's selection: a selector (matching nothing is no error), else each named cluster. */
  private select(caller: Caller, input: LoadInput): Pgcluster[] {
    const { namespace } = input;
    if (input.selector !== '') return this.clusters.select(caller, { namespace, selector: input.selector }).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    return input.clusters.map((name) => {
      const cluster = this.ctx.cache.get(PGCLUSTER, namespace, name);
      if (!cluster) throw notFound(`pgclusters.crunchydata.com "${name}" not found`);
      return cluster;
    });
  }
}
