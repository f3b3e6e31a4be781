import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Cluster, toCluster } from '../schema/cluster.js';
import { Replica, toReplica } from '../schema/replica.js';
import { PGREPLICA } from '../src/domain/custom-resources.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { clusterKey } from '../src/graphql/loaders.js';
import { ReplicaConnection } from './connections.js';
import { ListArgs } from './list-args.js';
import { paginate } from './pagination.js';
import { visibleList } from './visibility.js';

@Resolver(() => Replica)
export class ReplicaResolver {
  @Authorized('ShowCluster')
  @Query(() => ReplicaConnection, { description: 'Replicas you can see, filtered and paged.' })
  replicas(@Args(() => ListArgs) args: ListArgs, @Ctx() ctx: GraphQLContext) {
    return paginate(visibleList(ctx, PGREPLICA, args), args.first, args.after, toReplica);
  }

  @Authorized('ShowCluster')
  @Query(() => Replica, { nullable: true, description: 'One replica, or null when there is none of that name.' })
  replica(@Arg('namespace', () => String, { description: 'The namespace of its cluster.' }) namespace: string, @Arg('name', () => String, { description: 'The replica name, as scaleCluster answered it.' }) name: string, @Ctx() ctx: GraphQLContext): Replica | null {
    const found = visibleList(ctx, PGREPLICA, { namespace }).find((r) => r.metadata.name === name);
    return found ? toReplica(found) : null;
  }

  @FieldResolver(() => Cluster, { nullable: true, description: 'Its cluster; null once the cluster is gone.' })
  async cluster(@Root() replica: Replica, @Ctx() ctx: GraphQLContext): Promise<Cluster | null> {
    const cluster = await ctx.loaders.cluster.load(clusterKey(replica.namespace, replica.clusterName));
    return cluster ? toCluster(cluster) : null;
  }
}
