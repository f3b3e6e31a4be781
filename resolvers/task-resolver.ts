import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Cluster, toCluster } from '../schema/cluster.js';
import { Task, toTask, toWorkflowType, Workflow } from '../schema/task.js';
import { PGTASK } from '../src/domain/custom-resources.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { clusterKey } from '../src/graphql/loaders.js';
import { TaskConnection } from './connections.js';
import { ListArgs } from './list-args.js';
import { paginate } from './pagination.js';
import { visibleList, visibleNamespaces } from './visibility.js';

@Resolver(() => Task)
export class TaskResolver {
  @Authorized('ShowCluster')
  @Query(() => TaskConnection, { description: 'Tasks you can see, filtered and paged.' })
  tasks(@Args(() => ListArgs) args: ListArgs, @Ctx() ctx: GraphQLContext) {
    return paginate(visibleList(ctx, PGTASK, args), args.first, args.after, toTask);
  }

  @Authorized('ShowCluster')
  @Query(() => Task, { nullable: true, description: 'One task with its progress, or null when there is none of that name.' })
  task(@Arg('namespace', () => String, { description: 'The namespace the task runs in, that of its cluster.' }) namespace: string, @Arg('name', () => String, { description: 'The task name, as a mutation answered it.' }) name: string, @Ctx() ctx: GraphQLContext): Task | null {
    visibleNamespaces(ctx, namespace); // refuses a namespace the caller may not read
    const found = ctx.services.ctx.cache.get(PGTASK, namespace, name);
    return found ? toTask(found) : null;
  }

  @Authorized('ShowWorkflow')
  @Query(() => Workflow, { description: 'A workflow by id (4.2.4 `pgo show workflow`).' })
  workflow(@Arg('namespace', () => String, { description: 'The namespace of the cluster the workflow belongs to.' }) namespace: string, @Arg('id', () => String, { description: 'The workflowId a mutation answered; an unknown id is NOT_FOUND.' }) id: string, @Ctx() ctx: GraphQLContext): Workflow {
    return toWorkflowType(ctx.services.workflows.get(ctx.caller, namespace, id).task);
  }

  @FieldResolver(() => Cluster, { nullable: true, description: 'The cluster it concerns, while that cluster exists.' })
  async cluster(@Root() task: Task, @Ctx() ctx: GraphQLContext): Promise<Cluster | null> {
    if (!task.clusterName) return null;
    const cluster = await ctx.loaders.cluster.load(clusterKey(task.namespace, task.clusterName));
    return cluster ? toCluster(cluster) : null;
  }
}
