/**
 * Which cluster and which workflow a Pgtask belongs to. 4.2.4 did not label every task: pg_dump and
 * pg_restore tasks carry no labels, a pgBackRest restore task has no `pg-cluster` label, and the
 * step tasks of restores, clones and benchmarks carry their workflow id only as a parameter. One
 * rule, read by the GraphQL relations and the subscription filters alike.
 */
import { LABELS, TASK_TYPES } from './constants.js';
import type { Pgtask } from './custom-resources.js';

/** Where an unlabelled task of each type names its cluster (reference §5.8–5.11). */
const CLUSTER_PARAMETER_BY_TYPE: Readonly<Record<string, string>> = {
  [TASK_TYPES.pgrestore]: 'pgrestore-host',
  [TASK_TYPES.backrestRestore]: 'backrest-restore-from-cluster',
  [TASK_TYPES.pgbasebackupRestore]: 'pgbasebackup-restore-from-cluster',
};

/** The parameter most task types (pg_dump among them) name their cluster with. */
const CLUSTER_PARAMETER = 'pg-cluster';

/** Parameters a step task names its workflow with: clone and restore tasks, and the benchmark task's own spelling. */
const WORKFLOW_PARAMETERS = [LABELS.workflowId, 'workflowID'] as const;

/** The cluster a task belongs to, or undefined when it concerns none. */
export function taskCluster(task: Pgtask): string | undefined {
  const labelled = task.metadata.labels?.[LABELS.pgCluster];
  if (labelled) return labelled;
  const parameters = task.spec.parameters ?? {};
  const key = CLUSTER_PARAMETER_BY_TYPE[task.spec.tasktype] ?? CLUSTER_PARAMETER;
  return parameters[key] || undefined;
}

export function taskBelongsToCluster(task: Pgtask, cluster: string): boolean {
  return taskCluster(task) === cluster;
}

/** Whether a task is the workflow task of `workflowId` or one of its step tasks. */
export function taskBelongsToWorkflow(task: Pgtask, workflowId: string): boolean {
  if (task.metadata.labels?.[LABELS.workflowId] === workflowId) return true;
  const parameters = task.spec.parameters ?? {};
  return WORKFLOW_PARAMETERS.some((key) => parameters[key] === workflowId);
}
