import { Arg, Args, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Cluster, toCluster } from '../schema/cluster.js';
import { ApplyPolicyInput, CreatePolicyInput } from '../schema/inputs.js';
import { Policy, toPolicy } from '../schema/policy.js';
import { PGPOLICY } from '../src/domain/custom-resources.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { toTarget } from './cluster-resolver.js';
import { PolicyConnection } from './connections.js';
import { ListArgs } from './list-args.js';
import { paginate } from './pagination.js';
import { visibleList } from './visibility.js';

@ObjectType({ description: 'A policy applied (or, in a dry run, to be applied) to a cluster.' })
class PolicyApplication {
  @Field(() => Cluster, { description: 'The cluster the policy is applied to.' }) cluster!: Cluster;
  @Field(() => String, { description: 'The Deployment labelled with the policy.' }) deployment!: string;
}

@Resolver(() => Policy)
export class PolicyResolver {
  @Authorized('ShowPolicy')
  @Query(() => PolicyConnection, { description: 'Policies you can see, filtered and paged.' })
  policies(@Args(() => ListArgs) args: ListArgs, @Ctx() ctx: GraphQLContext) {
    return paginate(visibleList(ctx, PGPOLICY, args), args.first, args.after, toPolicy);
  }

  @Authorized('ShowPolicy')
  @Query(() => Policy, { nullable: true, description: 'One policy, or null when there is none of that name.' })
  policy(@Arg('namespace', () => String, { description: 'The namespace the policy is kept in.' }) namespace: string, @Arg('name', () => String, { description: 'The policy name.' }) name: string, @Ctx() ctx: GraphQLContext): Policy | null {
    const found = visibleList(ctx, PGPOLICY, { namespace }).find((p) => p.metadata.name === name);
    return found ? toPolicy(found) : null;
  }

  @Authorized('CreatePolicy')
  @Mutation(() => Policy, { description: 'Create a policy from SQL or a URL (4.2.4 `pgo create policy`).' })
  async createPolicy(@Arg('input', () => CreatePolicyInput, { description: 'The policy\'s name and its SQL or URL.' }) input: CreatePolicyInput, @Ctx() ctx: GraphQLContext): Promise<Policy> {
    const request = { namespace: input.namespace, name: input.name, ...(input.sql ? { sql: input.sql } : {}), ...(input.url ? { url: input.url } : {}) };
    return toPolicy(await ctx.services.policies.create(ctx.caller, request));
  }

  @Authorized('DeletePolicy')
  @Mutation(() => [Policy], { description: 'Delete a policy, or every policy of the namespace with name "all". Applied SQL is not reverted.' })
  async deletePolicy(@Arg('namespace', () => String, { description: 'The namespace the policy is kept in.' }) namespace: string, @Arg('name', () => String, { description: 'The policy to delete, or "all".' }) name: string, @Ctx() ctx: GraphQLContext): Promise<Policy[]> {
    return (await ctx.services.policies.delete(ctx.caller, namespace, name)).map(toPolicy);
  }

  @Authorized('ApplyPolicy')
  @Mutation(() => [PolicyApplication], { description: 'Apply a policy to clusters by name or selector (4.2.4 `pgo apply`).' })
  async applyPolicy(@Arg('input', () => ApplyPolicyInput, { description: 'The policy and the clusters to apply it to.' }) input: ApplyPolicyInput, @Ctx() ctx: GraphQLContext): Promise<PolicyApplication[]> {
    const applied = await ctx.services.policies.apply(ctx.caller, { policy: input.policy, target: toTarget(input.target), dryRun: input.dryRun });
    return applied.map((a) => ({ cluster: toCluster(a.cluster), deployment: a.deployment }));
  }
}
