import { Arg, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { FailoverInput } from '../schema/inputs.js';
import { Task, toTask } from '../schema/task.js';
import type { GraphQLContext } from '../src/graphql/context.js';

@ObjectType({ description: 'A replica that could be promoted.' })
class FailoverTarget {
  @Field(() => String, { description: 'Name it as the target of a failover.' }) deployment!: string;
  @Field(() => String, { nullable: true, description: 'Its running pod; null when it has none.' }) pod!: string | null;
  @Field(() => Boolean, { description: 'Its pod is ready; promoting a replica that is not ready risks an outage.' }) ready!: boolean;
  @Field(() => String, { description: 'The node its pod runs on.' }) node!: string;
}

@Resolver()
export class FailoverResolver {
  @Authorized('CreateFailover')
  @Query(() => [FailoverTarget], { description: 'Replicas of a cluster that a failover could promote (4.2.4 `pgo failover --query`).' })
  failoverTargets(@Arg('namespace', () => String, { description: 'The namespace of the cluster.' }) namespace: string, @Arg('cluster', () => String, { description: 'The cluster whose replicas to list.' }) cluster: string, @Ctx() ctx: GraphQLContext): FailoverTarget[] {
    return ctx.services.failover.targets(ctx.caller, namespace, cluster).map((t) => ({ ...t, pod: t.pod ?? null }));
  }

  @Authorized('CreateFailover')
  @Mutation(() => Task, { description: 'Promote a replica (4.2.4 `pgo failover`): answers the failover task.' })
  async failover(@Arg('input', () => FailoverInput, { description: 'The cluster and the replica to promote.' }) input: FailoverInput, @Ctx() ctx: GraphQLContext): Promise<Task> {
    return toTask(await ctx.services.failover.failover(ctx.caller, input.namespace, input.cluster, input.target));
  }
}
