/**
 * Live changes from the watch cache's event hub. Each subscription can resume from the last
 * resourceVersion its client saw (`since`); when that is too old the first change is RESYNC.
 */
import { Arg, Authorized, Field, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { Cluster, toCluster } from '../schema/cluster.js';
import { ChangeType } from '../schema/enums.js';
import { Policy, toPolicy } from '../schema/policy.js';
import { Replica, toReplica } from '../schema/replica.js';
import { Task, toTask, toWorkflowType, Workflow } from '../schema/task.js';
import { BACKREST_COMMANDS, LABELS, TASK_TYPES } from '../src/domain/constants.js';
import { taskBelongsToCluster, taskBelongsToWorkflow } from '../src/domain/task-ownership.js';
import type { Pgcluster, Pgpolicy, Pgreplica, Pgtask } from '../src/domain/custom-resources.js';
import { PGTASK } from '../src/domain/custom-resources.js';
import { changeStream, interruptible } from '../src/graphql/change-stream.js';
import type { Change } from '../src/graphql/change-stream.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import type { EventFilter } from '../src/kube/event-hub.js';
import { visibleNamespaces } from './visibility.js';

interface FilterArgs {
  namespace?: string | null;
  selector?: string | null;
  name?: string | null;
  since?: string | null;
}

function hubFilter(kind: string, ctx: GraphQLContext, args: FilterArgs): EventFilter & { kind: string } {
  const filter: EventFilter & { kind: string } = { kind };
  if (args.namespace) filter.namespace = visibleNamespaces(ctx, args.namespace)[0];
  if (args.selector) filter.labelSelector = args.selector;
  if (args.name) filter.name = args.name;
  return filter;
}

function stream(kind: string, data: SubscribeResolverData<unknown, FilterArgs, GraphQLContext>, match?: (task: Pgtask) => boolean): AsyncIterable<Change> {
  const { args, context } = data;
  const filter = hubFilter(kind, context, args);
  if (match) filter.match = (object) => match(object as Pgtask);
  return changeStream(context, { filter, since: args.since ?? undefined });
}

/** Tasks by the cluster and workflow they belong to, whether or not their labels say so. */
function taskChanges(data: SubscribeResolverData<unknown, FilterArgs & { cluster?: string | null; workflowId?: string | null }, GraphQLContext>): AsyncIterable<Change> {
  const { cluster, workflowId } = data.args;
  if (!cluster && !workflowId) return stream('Pgtask', data);
  return stream('Pgtask', data, (task) => (!cluster || taskBelongsToCluster(task, cluster)) && (!workflowId || taskBelongsToWorkflow(task, workflowId)));
}

/** Descriptions the four change types share. */
const CHANGE_DOC = {
  type: 'What happened; on RESYNC changes were missed, so re-read the current state with a query.',
  resourceVersion: 'Pass it as `since` when reconnecting to receive only the changes after this one; null for RESYNC.',
} as const;

@ObjectType({ description: 'A change to a cluster.' })
class ClusterChange {
  @Field(() => ChangeType, { description: CHANGE_DOC.type }) type!: ChangeType;
  @Field(() => Cluster, { nullable: true, description: 'The cluster after the change (its last state for DELETED); null for RESYNC.' }) cluster!: Cluster | null;
  @Field(() => String, { nullable: true, description: CHANGE_DOC.resourceVersion }) resourceVersion!: string | null;
}

@ObjectType({ description: 'A change to a replica.' })
class ReplicaChange {
  @Field(() => ChangeType, { description: CHANGE_DOC.type }) type!: ChangeType;
  @Field(() => Replica, { nullable: true, description: 'The replica after the change (its last state for DELETED); null for RESYNC.' }) replica!: Replica | null;
  @Field(() => String, { nullable: true, description: CHANGE_DOC.resourceVersion }) resourceVersion!: string | null;
}

@ObjectType({ description: 'A change to a task.' })
class TaskChange {
  @Field(() => ChangeType, { description: CHANGE_DOC.type }) type!: ChangeType;
  @Field(() => Task, { nullable: true, description: 'The task after the change, with its progress (its last state for DELETED); null for RESYNC.' }) task!: Task | null;
  @Field(() => String, { nullable: true, description: CHANGE_DOC.resourceVersion }) resourceVersion!: string | null;
}

@ObjectType({ description: 'A change to a policy.' })
class PolicyChange {
  @Field(() => ChangeType, { description: CHANGE_DOC.type }) type!: ChangeType;
  @Field(() => Policy, { nullable: true, description: 'The policy after the change (its last state for DELETED); null for RESYNC.' }) policy!: Policy | null;
  @Field(() => String, { nullable: true, description: CHANGE_DOC.resourceVersion }) resourceVersion!: string | null;
}

function change<T, K extends string>(c: Change, key: K, map: (o: T) => unknown): Record<K, unknown> & { type: ChangeType; resourceVersion: string | null } {
  const object = c.event?.object as T | undefined;
  return { type: ChangeType[c.type], resourceVersion: c.event?.object.metadata.resourceVersion ?? null, [key]: object ? map(object) : null } as Record<K, unknown> & { type: ChangeType; resourceVersion: string | null };
}

const SINCE = { nullable: true, description: 'The resourceVersion of the last change you saw: changes after it are sent first.' } as const;
/** Filters the change subscriptions share; all those given must match. */
const NAMESPACE = { nullable: true, description: 'Only objects in this namespace; every namespace you can see when absent. Combines with the other filters (all must match).' } as const;
const SELECTOR = { nullable: true, description: 'A Kubernetes label selector, e.g. "pg-cluster=hippo": an object that starts matching arrives as ADDED, one that stops as DELETED.' } as const;
const NAME = { nullable: true, description: 'Only the object of exactly this name.' } as const;

@Resolver()
export class SubscriptionResolver {
  @Authorized('ShowCluster')
  @Subscription(() => ClusterChange, { subscribe: (data) => stream('Pgcluster', data as SubscribeResolverData<unknown, FilterArgs, GraphQLContext>), description: 'Changes to clusters, by namespace, label selector or name.' })
  clusterChanged(
    @Root() c: Change,
    @Arg('namespace', () => String, NAMESPACE) _namespace?: string,
    @Arg('selector', () => String, SELECTOR) _selector?: string,
    @Arg('name', () => String, NAME) _name?: string,
    @Arg('since', () => String, SINCE) _since?: string,
  ): ClusterChange {
    return change<Pgcluster, 'cluster'>(c, 'cluster', toCluster) as unknown as ClusterChange;
  }

  @Authorized('ShowCluster')
  @Subscription(() => ReplicaChange, { subscribe: (data) => stream('Pgreplica', data as SubscribeResolverData<unknown, FilterArgs, GraphQLContext>), description: 'Changes to replicas, by namespace, label selector (e.g. pg-cluster=hippo) or name.' })
  replicaChanged(
    @Root() c: Change,
    @Arg('namespace', () => String, NAMESPACE) _namespace?: string,
    @Arg('selector', () => String, SELECTOR) _selector?: string,
    @Arg('name', () => String, NAME) _name?: string,
    @Arg('since', () => String, SINCE) _since?: string,
  ): ReplicaChange {
    return change<Pgreplica, 'replica'>(c, 'replica', toReplica) as unknown as ReplicaChange;
  }

  @Authorized('ShowCluster')
  @Subscription(() => TaskChange, {
    subscribe: (data) => taskChanges(data as SubscribeResolverData<unknown, FilterArgs & { cluster?: string | null; workflowId?: string | null }, GraphQLContext>),
    description: 'Changes to tasks, by namespace, cluster, workflow id, label selector or name: watch a backup or failover progress live.',
  })
  taskChanged(
    @Root() c: Change,
    @Arg('namespace', () => String, NAMESPACE) _namespace?: string,
    @Arg('cluster', () => String, { nullable: true, description: 'Only tasks of this cluster, including those 4.2.4 left without a pg-cluster label (pg_dump, restores).' }) _cluster?: string,
    @Arg('workflowId', () => String, { nullable: true, description: 'Only the tasks of this workflow: the workflow task and every step of a clone, restore or benchmark.' }) _workflowId?: string,
    @Arg('selector', () => String, SELECTOR) _selector?: string,
    @Arg('name', () => String, NAME) _name?: string,
    @Arg('since', () => String, SINCE) _since?: string,
  ): TaskChange {
    return change<Pgtask, 'task'>(c, 'task', toTask) as unknown as TaskChange;
  }

  @Authorized('ShowBackup')
  @Subscription(() => TaskChange, {
    subscribe: (data) => backupChanges(data as SubscribeResolverData<unknown, { namespace?: string | null; cluster?: string | null; since?: string | null }, GraphQLContext>),
    description: 'Changes to backups (pgBackRest and pg_dump backup tasks), by namespace and cluster: watch a backup run.',
  })
  backupChanged(
    @Root() c: Change,
    @Arg('namespace', () => String, NAMESPACE) _namespace?: string,
    @Arg('cluster', () => String, { nullable: true, description: 'Only backups of this cluster; backups of every cluster you can see when absent.' }) _cluster?: string,
    @Arg('since', () => String, SINCE) _since?: string,
  ): TaskChange {
    return change<Pgtask, 'task'>(c, 'task', toTask) as unknown as TaskChange;
  }

  @Authorized('ShowPolicy')
  @Subscription(() => PolicyChange, { subscribe: (data) => stream('Pgpolicy', data as SubscribeResolverData<unknown, FilterArgs, GraphQLContext>), description: 'Changes to policies.' })
  policyChanged(
    @Root() c: Change,
    @Arg('namespace', () => String, NAMESPACE) _namespace?: string,
    @Arg('selector', () => String, SELECTOR) _selector?: string,
    @Arg('name', () => String, NAME) _name?: string,
    @Arg('since', () => String, SINCE) _since?: string,
  ): PolicyChange {
    return change<Pgpolicy, 'policy'>(c, 'policy', toPolicy) as unknown as PolicyChange;
  }

  @Authorized('ShowWorkflow')
  @Subscription(() => Workflow, {
    subscribe: (data) => workflowProgress(data as SubscribeResolverData<unknown, { namespace: string; id: string }, GraphQLContext>),
    description: 'A workflow\'s current state at once, then every change, ending when it completes.',
  })
  workflowProgress(
    @Root() workflow: Workflow,
    @Arg('namespace', () => String, { description: 'The namespace of the cluster the workflow belongs to.' }) _namespace: string,
    @Arg('id', () => String, { description: 'The workflowId a mutation answered (or `pgo create cluster` printed).' }) _id: string,
  ): Workflow {
    return workflow;
  }
}

function isBackupTask(task: Pgtask): boolean {
  if (task.spec.tasktype === TASK_TYPES.pgdump) return true;
  return task.spec.tasktype === TASK_TYPES.backrest && task.spec.parameters?.['backrest-command'] === BACKREST_COMMANDS.backup;
}

/** Backup tasks are Pgtasks of two types; pg_dump ones carry no labels, so the cluster is the one they belong to. */
function backupChanges(data: SubscribeResolverData<unknown, { namespace?: string | null; cluster?: string | null; since?: string | null }, GraphQLContext>): AsyncIterable<Change> {
  const { cluster } = data.args;
  return stream('Pgtask', data, (task) => isBackupTask(task) && (!cluster || taskBelongsToCluster(task, cluster)));
}

function workflowProgress(data: SubscribeResolverData<unknown, { namespace: string; id: string }, GraphQLContext>): AsyncIterableIterator<Workflow> {
  const { context, args } = data;
  const current = context.services.workflows.get(context.caller, args.namespace, args.id);
  const changes = changeStream(context, { filter: { kind: 'Pgtask', namespace: args.namespace, labelSelector: `${LABELS.workflowId}=${args.id}` } });
  return interruptible(workflowStates(context, args.namespace, current.task, changes), () => void changes.return?.());
}

/** The workflow's state now, then after each change of its task, until it completes or goes. */
async function* workflowStates(context: GraphQLContext, namespace: string, initial: Pgtask, changes: AsyncIterableIterator<Change>): AsyncGenerator<Workflow> {
  try {
    let workflow = toWorkflowType(initial);
    yield workflow;
    if (workflow.completed) return;
    for await (const c of changes) {
      const task = c.event?.object as Pgtask | undefined;
      if (c.type === 'RESYNC') {
        const fresh = context.services.ctx.cache.get(PGTASK, namespace, initial.metadata.name);
        if (!fresh) return;
        workflow = toWorkflowType(fresh);
      } else if (!task || task.spec.tasktype !== TASK_TYPES.workflow) continue;
      else if (c.type === 'DELETED') return;
      else workflow = toWorkflowType(task);
      yield workflow;
      if (workflow.completed) return;
    }
  } finally {
    await changes.return?.();
  }
}
