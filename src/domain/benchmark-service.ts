/**
 * The benchmarks ClusterService.benchmark starts, found and removed as pgo 4.2.4 found them: by
 * the label `pgo-benchmark=true` with the cluster's `pg-cluster` label or a caller's selector. A
 * benchmark is its task (`benchmark-<cluster>-<rand4>`), the pgbench Job the task controller runs
 * under the same name, and the ConfigMap of custom transactions when a policy gave them.
 */
import { CONFIGMAPS, JOBS } from '../kube/resources.js';
import type { KubeObject, ResourceHandle } from '../kube/resources.js';
import { LabelSelectorError, parseLabelSelector } from '../kube/label-selector.js';
import type { LabelSelector } from '../kube/label-selector.js';
import { KubeApiError } from '../kube/writer.js';
import { LABELS } from './constants.js';
import { jobOutcome } from './job-outcome.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace } from './context.js';
import { PGTASK } from './custom-resources.js';
import { DomainError, invalid } from './errors.js';

const BENCHMARK_LABEL = 'pgo-benchmark';

export interface BenchmarkQuery {
  namespace: string;
  /** Wins over the selector, as in 4.2.4. */
  cluster?: string;
  selector?: string;
}

export type BenchmarkState = 'running' | 'completed' | 'failed';

export interface BenchmarkRun {
  /** The pgbench Job, named like its task. */
  job: string;
  state: BenchmarkState;
}

const byName = (a: KubeObject, b: KubeObject): number => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

function jobState(job: KubeObject): BenchmarkState {
  const { state } = jobOutcome(job);
  return state === 'succeeded' ? 'completed' : state;
}

export class BenchmarkService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The pgbench Jobs of the benchmarks the query selects, by name. */
  list(caller: Caller, query: BenchmarkQuery): BenchmarkRun[] {
    const selector = this.selector(caller, query);
    return this.jobs(query.namespace, selector).map((job) => ({ job: job.metadata.name, state: jobState(job) }));
  }

  /**
   * Deletes the selected benchmarks and answers the names of their Jobs. The tasks go first: the
   * task controller re-creates the Job of a task that still exists (4.2.4 deleted the Jobs first).
   */
  async delete(caller: Caller, query: BenchmarkQuery): Promise<string[]> {
    const { namespace } = query;
    const selector = this.selector(caller, query);
    const jobs = this.jobs(namespace, selector);
    const owners = new Set(jobs.flatMap((job) => (job.metadata.ownerReferences ?? []).filter((r) => r.kind === PGTASK.kind).map((r) => r.name)));
    const tasks = this.ctx.cache.list(PGTASK, namespace).filter((task) => selector.matches(task.metadata.labels) || owners.has(task.metadata.name));
    for (const task of tasks) await this.remove(PGTASK, namespace, task.metadata.name, (m) => `Could not delete benchmark pgtasks: ${m}`);
    for (const task of tasks) {
      const configMap = task.spec.parameters?.configmapName;
      if (configMap) await this.remove(CONFIGMAPS, namespace, configMap, (m) => `Could not delete the transactions ConfigMap ${configMap}: ${m}`);
    }
    for (const job of jobs) await this.remove(JOBS, namespace, job.metadata.name, (m) => `Could not delete benchmark job ${job.metadata.name}: ${m}`);
    return jobs.map((job) => job.metadata.name);
  }

  /** 4.2.4's selector: `pgo-benchmark=true,` then `pg-cluster=<cluster>` or the caller's selector. */
  private selector(caller: Caller, query: BenchmarkQuery): LabelSelector {
    assertNamespace(this.ctx, caller, query.namespace);
    if (!query.cluster && !query.selector) throw invalid('cluster', 'cluster name or selector not set');
    const text = `${BENCHMARK_LABEL}=true,${query.cluster ? `${LABELS.pgCluster}=${query.cluster}` : query.selector}`;
    try {
      return parseLabelSelector(text);
    } catch (error) {
      if (error instanceof LabelSelectorError) throw invalid('selector', error.message);
      throw error;
    }
  }

  private jobs(namespace: string, selector: LabelSelector): KubeObject[] {
    return this.ctx.cache
      .list(JOBS, namespace)
      .filter((job) => selector.matches(job.metadata.labels))
      .sort(byName);
  }

  /** Deletes an object with its dependents; one already gone is no failure. */
  private async remove(handle: ResourceHandle, namespace: string, name: string, failure: (message: string) => string): Promise<void> {
    try {
      await this.ctx.writer.deleteIfExists(handle, namespace, name);
    } catch (error) {
      if (error instanceof KubeApiError) throw new DomainError('Unavailable', failure(error.message));
      throw error;
    }
  }
}
