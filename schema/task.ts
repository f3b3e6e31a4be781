import { Field, ID, ObjectType } from 'type-graphql';
import { LABELS, TASK_TYPES, WORKFLOW_STEPS } from '../src/domain/constants.js';
import { TaskType } from './enums.js';
import type { Pgtask } from '../src/domain/custom-resources.js';
import { taskCluster } from '../src/domain/task-ownership.js';
import { toWorkflow } from '../src/domain/workflow-service.js';
import { DOC, KeyValue, keyValues } from './common.js';

@ObjectType({ description: 'A task (a Pgtask custom resource): a request the controllers carry out, such as a backup, a restore or a failover.' })
export class Task {
  @Field(() => ID, { description: DOC.id }) id!: string;
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The Pgtask name; 4.2.4 named each kind of task after its cluster, e.g. backrest-backup-<cluster>.' }) name!: string;
  @Field(() => String, { description: 'The 4.2.4 task type string, e.g. backrest, pgdump, failover, delete-data, workflow.' }) taskType!: string;
  @Field(() => TaskType, { nullable: true, description: 'The task type as an enum; null for a type 4.2.4 did not define.' }) type!: string | null;
  @Field(() => String, { nullable: true, description: 'The cluster it concerns, when it concerns one.' }) clusterName!: string | null;
  @Field(() => String, { description: 'Free-text progress the controllers write (`spec.status`), e.g. "job completed".' }) progress!: string;
  @Field(() => String, { description: 'Controller state (`status.state`), e.g. "pgtask Processed".' }) state!: string;
  @Field(() => String, { description: DOC.stateMessage }) stateMessage!: string;
  @Field(() => [KeyValue], { description: 'Task arguments; for workflows, the step log.' }) parameters!: KeyValue[];
  @Field(() => String, { description: DOC.resourceVersion }) resourceVersion!: string;
  @Field(() => String, { description: DOC.createdAt }) createdAt!: string;
}

const KNOWN_TASK_TYPES = new Set<string>(Object.values(TASK_TYPES));

export function toTask(cr: Pgtask): Task {
  const parameters = cr.spec.parameters ?? {};
  return {
    id: cr.metadata.uid ?? '',
    namespace: cr.metadata.namespace ?? '',
    name: cr.metadata.name,
    taskType: cr.spec.tasktype ?? '',
    type: KNOWN_TASK_TYPES.has(cr.spec.tasktype) ? cr.spec.tasktype : null,
    clusterName: taskCluster(cr) ?? null,
    progress: cr.spec.status ?? '',
    state: cr.status?.state ?? '',
    stateMessage: cr.status?.message ?? '',
    parameters: keyValues(parameters),
    resourceVersion: cr.metadata.resourceVersion ?? '',
    createdAt: cr.metadata.creationTimestamp ?? '',
  };
}

@ObjectType({ description: 'One step of a workflow and when it happened.' })
export class WorkflowStep {
  @Field(() => String, { description: 'The step name, e.g. "task submitted", "task completed", "restore job created".' }) name!: string;
  @Field(() => String, { description: 'When the step was recorded (RFC 3339).' }) at!: string;
}

/** Parameters of a workflow task that are identity, not steps. */
const NON_STEP_KEYS = new Set<string>([LABELS.pgCluster, LABELS.workflowId]);

@ObjectType({ description: 'The progress record of a long request (create cluster, restore, clone …), as 4.2.4 kept it.' })
export class Workflow {
  @Field(() => ID, { description: 'The workflow id (a UUID) a mutation answered.' }) id!: string;
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The cluster the workflow concerns.' }) clusterName!: string;
  @Field(() => String, { description: 'The workflow task\'s name.' }) taskName!: string;
  @Field(() => [WorkflowStep], { description: 'Steps recorded so far, oldest first.' }) steps!: WorkflowStep[];
  @Field(() => Boolean, { description: 'A final step has been recorded ("task completed" or "restored Primary created").' }) completed!: boolean;
  @Field(() => [KeyValue], { description: 'The raw parameter map, exactly as 4.2.4 answered it.' }) parameters!: KeyValue[];
  @Field(() => String, { description: 'The resourceVersion of the workflow task.' }) resourceVersion!: string;
}

/** Steps recorded within the same second keep the order a workflow goes through them. */
function stepOrder(name: string): number {
  const index = (Object.values(WORKFLOW_STEPS) as string[]).indexOf(name);
  return index < 0 ? Number.MAX_SAFE_INTEGER : index;
}

export const FINAL_WORKFLOW_STEPS: readonly string[] = ['task completed', 'restored Primary created', 'clone 3: cluster creating'];

export function toWorkflowType(cr: Pgtask): Workflow {
  const w = toWorkflow(cr);
  const steps = Object.entries(w.parameters)
    .filter(([k]) => !NON_STEP_KEYS.has(k))
    .map(([name, at]) => ({ name, at }))
    .sort((a, b) => a.at.localeCompare(b.at) || stepOrder(a.name) - stepOrder(b.name));
  return {
    id: w.id,
    namespace: w.namespace,
    clusterName: w.clusterName,
    taskName: cr.metadata.name,
    steps,
    completed: steps.some((s) => FINAL_WORKFLOW_STEPS.includes(s.name)),
    parameters: keyValues(w.parameters),
    resourceVersion: cr.metadata.resourceVersion ?? '',
  };
}
