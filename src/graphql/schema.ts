/**
 * Builds the executable schema from the type-graphql classes in schema/ and resolvers/. The SDL is
 * committed as schema/schema.graphql (`npm run schema` rewrites it; a test fails on drift).
 */
import 'reflect-metadata';
import { printSchema } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import type { AuthChecker, PubSub } from 'type-graphql';
import type { GraphQLContext } from './context.js';
import { limitListResults } from './result-budget.js';
import { BackupResolver } from '../../resolvers/backup-resolver.js';
import { ClusterResolver } from '../../resolvers/cluster-resolver.js';
import { FailoverResolver } from '../../resolvers/failover-resolver.js';
import { MetaResolver } from '../../resolvers/meta-resolver.js';
import { PgoUserResolver } from '../../resolvers/pgouser-resolver.js';
import { PolicyResolver } from '../../resolvers/policy-resolver.js';
import { ReplicaResolver } from '../../resolvers/replica-resolver.js';
import { SubscriptionResolver } from '../../resolvers/subscription-resolver.js';
import { TaskResolver } from '../../resolvers/task-resolver.js';

export const RESOLVERS = [ClusterResolver, ReplicaResolver, TaskResolver, PolicyResolver, BackupResolver, FailoverResolver, MetaResolver, PgoUserResolver, SubscriptionResolver] as const;

/**
 * Every subscription here has its own `subscribe` over the event hub, so type-graphql's topic
 * PubSub is never used; buildSchema still insists on one.
 */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('subscriptions read the event hub; topic publishing is not used');
  },
  subscribe() {
    throw new Error('subscriptions read the event hub; topic subscriptions are not used');
  },
};

/** Each operation names the pgo permission it needs (`@Authorized('CreateCluster')`), as REST routes do. */
const authChecker: AuthChecker<GraphQLContext> = ({ context }, permissions) => permissions.every((permission) => context.caller.can(permission));

let built: Promise<GraphQLSchema> | undefined;

/** Built once per process: type-graphql's metadata is global, and building twice is wasted work. */
export function graphqlSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: RESOLVERS,
    validate: { forbidUnknownValues: false },
    pubSub: NO_TOPICS,
    authChecker,
    authMode: 'error',
  }).then(limitListResults);
  return built;
}

export async function schemaSdl(): Promise<string> {
  return `${printSchema(await graphqlSchema())}\n`;
}
