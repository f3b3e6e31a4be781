/**
 * Tasks and workflows: a workflow is a Pgtask of type `workflow` whose parameters are the step log
 * of a long request, found by its `workflowid` label.
 */
import { LABELS, TASK_TYPES } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace } from './context.js';
import { PGTASK } from './custom-resources.js';
import type { Pgtask } from './custom-resources.js';
import { invalid, notFound } from './errors.js';

export interface Workflow {
  id: string;
  namespace: string;
  clusterName: string;
  /** The whole parameter map: `workflowid`, `pg-cluster`, `task submitted` and each step with its time. */
  parameters: Record<string, string>;
  task: Pgtask;
}

export function toWorkflow(task: Pgtask): Workflow {
  const parameters = task.spec.parameters ?? {};
  return {
    id: task.metadata.labels?.[LABELS.workflowId] ?? parameters[LABELS.workflowId] ?? '',
    namespace: task.metadata.namespace ?? '',
    clusterName: parameters[LABELS.pgCluster] ?? '',
    parameters,
    task,
  };
}

export function isWorkflow(task: Pgtask): boolean {
  return task.spec.tasktype === TASK_TYPES.workflow && task.metadata.labels?.[LABELS.workflowId] !== undefined;
}

export class WorkflowService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The workflow with this id in a namespace (4.2.4: `GET /workflow/{id}`). */
  get(caller: Caller, namespace: string, id: string): Workflow {
    assertNamespace(this.ctx, caller, namespace);
    if (!/^[0-9a-f-]{1,64}$/.test(id)) throw invalid('id', `'${id}' is not a workflow id`);
    const found = this.ctx.cache.list(PGTASK, namespace).filter((t) => t.metadata.labels?.[LABELS.workflowId] === id && t.spec.tasktype === TASK_TYPES.workflow);
    if (found.length > 1) throw invalid('id', `more than 1 workflow id found for id ${id}`);
    if (found.length === 0) throw notFound(`workflow id NOT found for id ${id}`);
    return toWorkflow(found[0]);
  }

  /** Pgtasks of a namespace, optionally only those of one cluster. */
  tasks(caller: Caller, namespace: string, cluster?: string): Pgtask[] {
    assertNamespace(this.ctx, caller, namespace);
    return cluster === undefined ? this.ctx.cache.list(PGTASK, namespace) : this.ctx.cache.byCluster(PGTASK, namespace, cluster);
  }

  task(caller: Caller, namespace: string, name: string): Pgtask {
    assertNamespace(this.ctx, caller, namespace);
    const task = this.ctx.cache.get(PGTASK, namespace, name);
    if (!task) throw notFound(`task ${name} not found in namespace ${namespace}`);
    return task;
  }
}
