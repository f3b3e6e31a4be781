/** Clusters: queries, their relations (through the request's DataLoaders) and mutations. */
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Cluster, toCluster } from '../schema/cluster.js';
import { AddPgbouncerInput, CloneClusterInput, CreateClusterInput, DeleteClustersInput, LabelClustersInput, ScaleClusterInput, ScaleDownInput, UnlabelClustersInput, UpdateClustersInput, UpgradeClusterInput } from '../schema/inputs.js';
import type { ClusterTargetInput, KeyValueInput } from '../schema/inputs.js';
import { Deployment, PersistentVolumeClaim, Pod, Service, toDeployment, toPod, toPvc, toService } from '../schema/kube-objects.js';
import { Policy, toPolicy } from '../schema/policy.js';
import { Replica, toReplica } from '../schema/replica.js';
import { Task, toTask, toWorkflowType, Workflow } from '../schema/task.js';
import { BACKREST_COMMANDS, TASK_TYPES } from '../src/domain/constants.js';
import { PGCLUSTER } from '../src/domain/custom-resources.js';
import type { Pgpolicy } from '../src/domain/custom-resources.js';
import type { ClusterTarget } from '../src/domain/cluster-service.js';
import { isWorkflow } from '../src/domain/workflow-service.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { clusterKey } from '../src/graphql/loaders.js';
import { ClusterConnection } from './connections.js';
import { ListArgs } from './list-args.js';
import { paginate } from './pagination.js';
import { visibleList, visibleNamespaces } from './visibility.js';

export function toTarget(input: ClusterTargetInput): ClusterTarget {
  const target: ClusterTarget = { namespace: input.namespace };
  if (input.names) target.names = input.names;
  if (input.selector) target.selector = input.selector;
  return target;
}

export function toMap(pairs: KeyValueInput[] | undefined): Record<string, string> | undefined {
  return pairs ? Object.fromEntries(pairs.map((p) => [p.key, p.value])) : undefined;
}

@ObjectType({ description: 'A cluster just requested, and the workflow that tracks its creation.' })
class CreateClusterPayload {
  @Field(() => Cluster, { description: 'The cluster requested; the first one of a series.' }) cluster!: Cluster;
  @Field(() => String, { description: 'Follow it with the workflow query or the workflowProgress subscription.' }) workflowId!: string;
  @Field(() => [Cluster], { description: 'Every cluster requested, in series order; each carries its own workflowId.' }) clusters!: Cluster[];
}

@ObjectType({ description: 'A clone under way.' })
class CloneClusterPayload {
  @Field(() => String, { description: 'The cluster being created.' }) target!: string;
  @Field(() => String, { description: 'Follow the clone with the workflow query or the workflowProgress subscription.' }) workflowId!: string;
  @Field(() => Task, { description: 'The first clone step.' }) task!: Task;
}

@ObjectType({ description: 'What `pgo test` reported: whether each instance of a cluster is up.' })
class ConnectivityInstance {
  @Field(() => String, { description: 'The database pod checked; a new name after its Deployment replaces it.' }) pod!: string;
  @Field(() => String, { description: 'The Deployment that runs the instance: the cluster name for the first primary, the replica name otherwise.' }) deployment!: string;
  @Field(() => String, { description: 'Patroni role: master for the primary, replica or promoted otherwise.' }) role!: string;
  @Field(() => Boolean, { description: 'The pod passes its readiness check, so the instance accepts connections.' }) ready!: boolean;
}

@ObjectType({ description: 'The `pgo test` answer for one cluster: whether it is available and which instances are up.' })
class ClusterConnectivity {
  @Field(() => Cluster, { description: 'The cluster tested.' }) cluster!: Cluster;
  @Field(() => Boolean, { description: 'Every instance is ready.' }) available!: boolean;
  @Field(() => [ConnectivityInstance], { description: 'One entry per database pod, primary and replicas; empty while none is scheduled.' }) instances!: ConnectivityInstance[];
}

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

@Resolver(() => Cluster)
export class ClusterResolver {
  @Authorized('ShowCluster')
  @Query(() => ClusterConnection, { description: 'Clusters you can see, filtered and paged.' })
  clusters(@Args(() => ListArgs) args: ListArgs, @Ctx() ctx: GraphQLContext) {
    return paginate(visibleList(ctx, PGCLUSTER, args), args.first, args.after, toCluster);
  }

  @Authorized('ShowCluster')
  @Query(() => Cluster, { nullable: true, description: 'One cluster, or null when there is none of that name.' })
  cluster(@Arg('namespace', () => String, { description: 'The namespace the cluster lives in.' }) namespace: string, @Arg('name', () => String, { description: 'The cluster name.' }) name: string, @Ctx() ctx: GraphQLContext): Cluster | null {
    visibleNamespaces(ctx, namespace); // refuses a namespace the caller may not read
    const found = ctx.services.ctx.cache.get(PGCLUSTER, namespace, name);
    return found ? toCluster(found) : null;
  }

  @Authorized('TestCluster')
  @Query(() => ClusterConnectivity, { description: 'Whether each instance of a cluster is up (4.2.4 `pgo test`), from pod readiness.' })
  clusterConnectivity(@Arg('namespace', () => String, { description: 'The namespace the cluster lives in.' }) namespace: string, @Arg('name', () => String, { description: 'The cluster to test.' }) name: string, @Ctx() ctx: GraphQLContext): ClusterConnectivity {
    const summary = ctx.services.clusters.connectivity(ctx.caller, namespace, name);
    return { cluster: toCluster(summary.cluster), available: summary.available, instances: summary.instances };
  }

  @FieldResolver(() => [Replica], { description: 'Its replicas (Pgreplica resources), whether asked for at creation or added by scaling.' })
  async replicas(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Replica[]> {
    return (await ctx.loaders.replicas.load(clusterKey(cluster.namespace, cluster.name))).map(toReplica);
  }

  @FieldResolver(() => [Task], { description: 'Every task of the cluster, workflows included.' })
  async tasks(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Task[]> {
    return (await ctx.loaders.tasks.load(clusterKey(cluster.namespace, cluster.name))).map(toTask);
  }

  @FieldResolver(() => [Task], { description: 'Backup tasks of the cluster: pgBackRest backups and pg_dump backups, with their progress.' })
  async backups(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Task[]> {
    const tasks = await ctx.loaders.tasks.load(clusterKey(cluster.namespace, cluster.name));
    return tasks.filter((t) => t.spec.tasktype === TASK_TYPES.pgdump || (t.spec.tasktype === TASK_TYPES.backrest && t.spec.parameters?.['backrest-command'] === BACKREST_COMMANDS.backup)).map(toTask);
  }

  @FieldResolver(() => [Workflow], { description: 'Workflows of the cluster (creation, restores).' })
  async workflows(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Workflow[]> {
    return (await ctx.loaders.tasks.load(clusterKey(cluster.namespace, cluster.name))).filter(isWorkflow).map(toWorkflowType);
  }

  @FieldResolver(() => [Policy], { description: 'The policies applied to it that still exist.' })
  async policies(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Policy[]> {
    const policies = await ctx.loaders.policy.loadMany(cluster.policiesApplied.map((name) => clusterKey(cluster.namespace, name)));
    return policies.filter((p): p is Pgpolicy => p !== undefined && !(p instanceof Error)).map(toPolicy);
  }

  @FieldResolver(() => [Pod], { description: 'Every pod labelled with the cluster (`pg-cluster`): database instances, pgBackRest repository, pgBouncer and task jobs.' })
  async pods(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Pod[]> {
    return (await ctx.loaders.pods.load(clusterKey(cluster.namespace, cluster.name))).map(toPod);
  }

  @FieldResolver(() => [Service], { description: 'Its Services: where applications connect to the primary, the replicas and pgBouncer.' })
  async services(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Service[]> {
    return (await ctx.loaders.services.load(clusterKey(cluster.namespace, cluster.name))).map(toService);
  }

  @FieldResolver(() => [Deployment], { description: 'Its Deployments: one per database instance, plus the pgBackRest repository and pgBouncer.' })
  async deployments(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<Deployment[]> {
    return (await ctx.loaders.deployments.load(clusterKey(cluster.namespace, cluster.name))).map(toDeployment);
  }

  @FieldResolver(() => [PersistentVolumeClaim], { description: 'Its PVCs: each instance\'s data volume and the pgBackRest repository; they outlive the cluster when its data is kept.' })
  async volumes(@Root() cluster: Cluster, @Ctx() ctx: GraphQLContext): Promise<PersistentVolumeClaim[]> {
    return (await ctx.loaders.pvcs.load(clusterKey(cluster.namespace, cluster.name))).map(toPvc);
  }

  @Authorized('CreateCluster')
  @Mutation(() => CreateClusterPayload, { description: 'Request a new cluster (4.2.4 `pgo create cluster`).' })
  async createCluster(@Arg('input', () => CreateClusterInput, { description: 'The new cluster\'s name and options.' }) input: CreateClusterInput, @Ctx() ctx: GraphQLContext): Promise<CreateClusterPayload> {
    const { image, imageTag, port, userLabels, series, ...rest } = input;
    const request = definedOnly({ ...rest, ccpImage: image, ccpImageTag: imageTag, port: port === undefined || port === null ? undefined : String(port), userLabels: toMap(userLabels) });
    const created = await ctx.services.clusters.createSeries(ctx.caller, { ...request, namespace: input.namespace, name: input.name }, series);
    return { cluster: toCluster(created[0].cluster), workflowId: created[0].workflowId, clusters: created.map((c) => toCluster(c.cluster)) };
  }

  @Authorized('DeleteCluster')
  @Mutation(() => [Cluster], { description: 'Request the deletion of clusters; the controllers remove them (an rmdata task per cluster).' })
  async deleteClusters(@Arg('input', () => DeleteClustersInput, { description: 'The clusters to delete and what to keep.' }) input: DeleteClustersInput, @Ctx() ctx: GraphQLContext): Promise<Cluster[]> {
    return (await ctx.services.clusters.delete(ctx.caller, toTarget(input.target), { deleteData: !input.keepData, deleteBackups: !input.keepBackups })).map(toCluster);
  }

  @Authorized('UpdateCluster')
  @Mutation(() => [Cluster], { description: 'Change options of running clusters (automatic failover).' })
  async updateClusters(@Arg('input', () => UpdateClustersInput, { description: 'The clusters and the options to change.' }) input: UpdateClustersInput, @Ctx() ctx: GraphQLContext): Promise<Cluster[]> {
    return (await ctx.services.clusters.update(ctx.caller, toTarget(input.target), definedOnly({ autofail: input.autofail }))).map(toCluster);
  }

  @Authorized('Label')
  @Mutation(() => [Cluster], { description: 'Add labels to clusters and their Deployments.' })
  async labelClusters(@Arg('input', () => LabelClustersInput, { description: 'The clusters and the labels to add.' }) input: LabelClustersInput, @Ctx() ctx: GraphQLContext): Promise<Cluster[]> {
    return (await ctx.services.clusters.label(ctx.caller, toTarget(input.target), toMap(input.labels) ?? {})).map(toCluster);
  }

  @Authorized('Label')
  @Mutation(() => [Cluster], { description: 'Remove labels from clusters and their Deployments.' })
  async unlabelClusters(@Arg('input', () => UnlabelClustersInput, { description: 'The clusters and the label keys to remove.' }) input: UnlabelClustersInput, @Ctx() ctx: GraphQLContext): Promise<Cluster[]> {
    return (await ctx.services.clusters.unlabel(ctx.caller, toTarget(input.target), input.keys)).map(toCluster);
  }

  @Authorized('ScaleCluster')
  @Mutation(() => [Replica], { description: 'Add replicas to a cluster (4.2.4 `pgo scale`).' })
  async scaleCluster(@Arg('input', () => ScaleClusterInput, { description: 'The cluster and the replicas to add.' }) input: ScaleClusterInput, @Ctx() ctx: GraphQLContext): Promise<Replica[]> {
    const { imageTag, ...rest } = input;
    return (await ctx.services.clusters.scale(ctx.caller, { ...definedOnly({ ...rest, ccpImageTag: imageTag }), namespace: input.namespace, cluster: input.cluster, replicaCount: input.replicaCount })).map(toReplica);
  }

  @Authorized('Clone')
  @Mutation(() => CloneClusterPayload, { description: 'Clone a cluster into a new one (4.2.4 `pgo clone`); follow it with the workflow.' })
  async cloneCluster(@Arg('input', () => CloneClusterInput, { description: 'The cluster to copy and the new cluster\'s name.' }) input: CloneClusterInput, @Ctx() ctx: GraphQLContext): Promise<CloneClusterPayload> {
    const result = await ctx.services.clusters.clone(ctx.caller, { namespace: input.namespace, source: input.source, target: input.target, ...(input.storageSource ? { storageSource: input.storageSource } : {}) });
    return { target: result.target, workflowId: result.workflowId, task: toTask(result.task) };
  }

  @Authorized('CreateUpgrade')
  @Mutation(() => Task, { description: 'Minor upgrade of the database image, instance by instance (4.2.4 `pgo upgrade`): answers the task.' })
  async upgradeCluster(@Arg('input', () => UpgradeClusterInput, { description: 'The cluster and the image tag to move to.' }) input: UpgradeClusterInput, @Ctx() ctx: GraphQLContext): Promise<Task> {
    return toTask(await ctx.services.clusters.upgrade(ctx.caller, { namespace: input.namespace, cluster: input.cluster, ...(input.imageTag ? { imageTag: input.imageTag } : {}) }));
  }

  @Authorized('CreatePgbouncer')
  @Mutation(() => Task, { description: 'Add a pgBouncer to a cluster (4.2.4 `pgo create pgbouncer`): answers the task that does it.' })
  async addPgbouncer(@Arg('input', () => AddPgbouncerInput, { description: 'The cluster and pgBouncer\'s credentials.' }) input: AddPgbouncerInput, @Ctx() ctx: GraphQLContext): Promise<Task> {
    return toTask(await ctx.services.clusters.addPgbouncer(ctx.caller, definedOnly({ ...input }) as AddPgbouncerInput));
  }

  @Authorized('DeletePgbouncer')
  @Mutation(() => Task, { description: 'Remove the pgBouncer of a cluster (4.2.4 `pgo delete pgbouncer`).' })
  async deletePgbouncer(@Arg('namespace', () => String, { description: 'The namespace of the cluster.' }) namespace: string, @Arg('cluster', () => String, { description: 'The cluster whose pgBouncer to remove.' }) cluster: string, @Ctx() ctx: GraphQLContext): Promise<Task> {
    return toTask(await ctx.services.clusters.deletePgbouncer(ctx.caller, namespace, cluster));
  }

  @Authorized('ScaleCluster')
  @Mutation(() => Task, { description: 'Remove one replica (4.2.4 `pgo scaledown`): answers the rmdata task that does it.' })
  async scaleDownCluster(@Arg('input', () => ScaleDownInput, { description: 'The cluster and the replica to remove.' }) input: ScaleDownInput, @Ctx() ctx: GraphQLContext): Promise<Task> {
    return toTask(await ctx.services.clusters.scaleDown(ctx.caller, { namespace: input.namespace, cluster: input.cluster, replica: input.replica, deleteData: !input.keepData }));
  }
}

