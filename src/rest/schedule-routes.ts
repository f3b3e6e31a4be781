/**
 * The schedule and benchmark routes of pgo 4.2.4 (scheduleservice, benchmarkservice), with their
 * request keys, result lines and messages. Neither service checked the client version, and every
 * answer, refusals included, carries a Results list (empty, never null). As in 4.2.4, the
 * benchmark routes are guarded by the schedule permissions.
 *
 * Schedules are stored as 4.2.4 stored them; controllers/schedule-controller.ts runs them.
 */
import type { ClusterTarget } from '../domain/cluster-service.js';
import { DomainError } from '../domain/errors.js';
import type { ScheduleQuery } from '../domain/schedule-service.js';
import type { ScheduleSpec } from '../domain/schedule-spec.js';
import type { BenchmarkQuery, BenchmarkRun } from '../domain/benchmark-service.js';
import { ALL, LABELS } from '../domain/constants.js';
import { PGPOLICY } from '../domain/custom-resources.js';
import { errorStatus, okStatus, PgoFailure } from './route.js';
import type { PgoStatus, RestRequest, RestRoute } from './route.js';

const resultsResponse = (results: string[], status: PgoStatus) => ({ Results: results, ...status });

type Wording = (error: DomainError) => string | undefined;

/** Runs a handler's work, answering a domain refusal in 4.2.4's words where `wording` has them. */
async function worded<T>(run: () => T | Promise<T>, wording: Wording): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw new PgoFailure(wording(error) ?? error.message);
    throw error;
  }
}

const optional = (text: string): string | undefined => (text === '' ? undefined : text);

/** 4.2.4's selection of clusters: `pg-cluster=<ClusterName>`, else the selector, else every cluster. */
function clusterTarget(namespace: string, cluster: string, selector: string): ClusterTarget {
  const text = cluster !== '' ? `${LABELS.pgCluster}=${cluster}` : selector;
  return text === '' ? { namespace, names: [ALL] } : { namespace, selector: text };
}

const viaSelector: Wording = (error) => (error.field === 'selector' ? `Could not get cluster via selector: ${error.message}` : undefined);

function scheduleQuery(req: RestRequest, namespace: string): ScheduleQuery {
  return { namespace, name: optional(req.body.string('ScheduleName')), cluster: optional(req.body.string('ClusterName')), selector: optional(req.body.string('Selector')) };
}

/** `pgo show schedule`'s lines for one schedule. */
function describeSchedule(spec: ScheduleSpec): string {
  let text = `${spec.name}:\n\tschedule: ${spec.schedule}\n\tschedule-type: ${spec.type}`;
  if (spec.type === 'pgbackrest') text += `\n\tbackup-type: ${spec.pgbackrest.type ?? ''}`;
  else if (spec.type === 'pgbasebackup') text += `\n\tbackup-volume: ${spec.pgbasebackup.backupVolume ?? ''}`;
  return text;
}

async function createSchedule(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const created = await worded(
    () =>
      req.services.schedules.create(req.caller, {
        namespace,
        cluster: optional(req.body.string('ClusterName')),
        selector: optional(req.body.string('Selector')),
        schedule: req.body.string('Schedule'),
        type: req.body.string('ScheduleType'),
        backrestType: optional(req.body.string('PGBackRestType')),
        storageType: optional(req.body.string('BackrestStorageType')),
        pvcName: optional(req.body.string('PVCName')),
        options: optional(req.body.string('ScheduleOptions')),
        policy: optional(req.body.string('PolicyName')),
        database: optional(req.body.string('Database')),
        secret: optional(req.body.string('Secret')),
      }),
    viaSelector,
  );
  return resultsResponse(created.map((s) => `created schedule ${s.name} for cluster ${s.cluster}`), okStatus());
}

async function deleteSchedules(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const query = scheduleQuery(req, namespace);
  // A missing schedule was Kubernetes' NotFound for its ConfigMap.
  const deleted = await worded(() => req.services.schedules.delete(req.caller, query), (error) => (error.kind === 'NotFound' ? `Could not delete ConfigMap ${query.name}: configmaps "${query.name}" not found` : undefined));
  return resultsResponse(deleted.map((name) => `deleted schedule ${name}`), okStatus());
}

function showSchedules(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const query = scheduleQuery(req, namespace);
  // 4.2.4 printed a nil error into its not-found message (and called it a delete): kept, as clients see it.
  return worded(
    () => resultsResponse(req.services.schedules.show(req.caller, query).map(describeSchedule), okStatus()),
    (error) => (error.kind === 'NotFound' ? `Could not delete ConfigMap ${query.name}: %!s(<nil>)` : undefined),
  );
}

const BENCHMARK_COUNTS = ['Clients', 'Jobs', 'Scale', 'Transactions'] as const;

async function createBenchmark(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const cluster = req.body.string('ClusterName');
  const selector = req.body.string('Selector');
  const policy = req.body.string('Policy');
  const database = req.body.string('Database');
  const counts = Object.fromEntries(BENCHMARK_COUNTS.map((key) => [key, req.body.int(key)])) as Record<(typeof BENCHMARK_COUNTS)[number], number>;
  if (cluster === '' && selector === '') throw new PgoFailure('Invalid create benchmark request: cluster name or selector not set');
  const clusters = await worded(() => req.services.clusters.select(req.caller, clusterTarget(namespace, cluster, selector)), viaSelector);
  const results: string[] = [];
  for (const found of clusters) {
    let workflowId: string;
    try {
      ({ workflowId } = await worded(
        () =>
          req.services.clusters.benchmark(req.caller, {
            namespace,
            cluster: found.metadata.name,
            // 0 meant "the default" (1) to 4.2.4.
            clients: counts.Clients || undefined,
            jobs: counts.Jobs || undefined,
            scale: counts.Scale || undefined,
            transactions: counts.Transactions || undefined,
            database: database || found.spec.database,
            policy: optional(policy),
            benchmarkOptions: optional(req.body.string('BenchmarkOpts')),
            initOptions: optional(req.body.string('InitOpts')),
          }),
        (error) => {
          if (error.field === 'policy') return req.services.ctx.cache.get(PGPOLICY, namespace, policy) ? `Policy contained no SQL: ${policy}` : `Policy not found: ${policy}`;
          const count = BENCHMARK_COUNTS.find((key) => key.toLowerCase() === error.field);
          return count ? `Invalid create benchmark request: ${count} ${error.message}` : undefined;
        },
      ));
    } catch (error) {
      // The benchmarks already started stay, and are answered with the refusal.
      if (error instanceof PgoFailure) return resultsResponse(results, errorStatus(error.message));
      throw error;
    }
    results.push(`Created benchmark task for ${found.metadata.name}`, `workflow id is ${workflowId}`);
  }
  return resultsResponse(results, okStatus());
}

function benchmarkQuery(req: RestRequest, namespace: string): BenchmarkQuery {
  return { namespace, cluster: optional(req.body.string('ClusterName')), selector: optional(req.body.string('Selector')) };
}

/** 4.2.4's words for a request naming no benchmarks, and for a selector that does not parse. */
const benchmarkWording =
  (invalidRequest: string, badSelector: string): Wording =>
  (error) => {
    if (error.field === 'cluster') return `${invalidRequest}: ${error.message}`;
    if (error.field === 'selector') return `${badSelector}: ${error.message}`;
    return undefined;
  };

const describeRun = (run: BenchmarkRun) => `${run.job} (${run.state})`;

async function showBenchmarks(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const runs = await worded(() => req.services.benchmarks.list(req.caller, benchmarkQuery(req, namespace)), benchmarkWording('invalid show benchmark request', 'error retrieving benchmark pods'));
  if (runs.length === 0) throw new PgoFailure('no benchmark jobs found');
  throw new PgoFailure(
    `cannot show the results of ${runs.map(describeRun).join(', ')}: 4.2.4 read them from the log of each benchmark Job's pgbench container, and this server does not read pod logs (the embedded Kubernetes API serves no pods/log)`,
  );
}

async function deleteBenchmarks(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const deleted = await worded(() => req.services.benchmarks.delete(req.caller, benchmarkQuery(req, namespace)), benchmarkWording('Invalid delete benchmark request', 'Could not get benchmark jobs'));
  return resultsResponse(deleted.map((job) => `deleted benchmark ${job}`), okStatus());
}

const failure = (status: PgoStatus) => resultsResponse([], status);

export const scheduleRoutes: RestRoute[] = [
  { method: 'POST', path: '/schedule', permission: 'CreateSchedule', failure, handle: createSchedule },
  { method: 'POST', path: '/scheduledelete', permission: 'DeleteSchedule', failure, handle: deleteSchedules },
  { method: 'POST', path: '/scheduleshow', permission: 'ShowSchedule', failure, handle: showSchedules },
  { method: 'POST', path: '/benchmark', permission: 'CreateSchedule', failure, handle: createBenchmark },
  { method: 'POST', path: '/benchmarkdelete', permission: 'DeleteSchedule', failure, handle: deleteBenchmarks },
  { method: 'POST', path: '/benchmarkshow', permission: 'ShowSchedule', failure, handle: showBenchmarks },
];
