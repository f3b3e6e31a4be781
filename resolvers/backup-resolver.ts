import { Arg, Authorized, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Basebackup, toBasebackup } from '../schema/basebackup.js';
import { PGBACKUP } from '../src/domain/custom-resources.js';
import { visibleList } from './visibility.js';
import { BackrestBackupInput, BackrestRestoreInput, BasebackupInput, BasebackupRestoreInput, BenchmarkClusterInput, PgdumpBackupInput, PgdumpRestoreInput } from '../schema/inputs.js';
import { Task, toTask } from '../schema/task.js';
import type { CreatedTask } from '../src/domain/backup-service.js';
import type { GraphQLContext } from '../src/graphql/context.js';

@ObjectType({ description: 'A task just requested, and the workflow tracking it when the operation has one.' })
class TaskPayload {
  @Field(() => Task, { description: 'The Pgtask the controllers carry out; follow its progress field.' }) task!: Task;
  @Field(() => String, { nullable: true, description: 'The workflow to follow, for operations 4.2.4 tracked with one; null otherwise.' }) workflowId!: string | null;
}

function payload(created: CreatedTask): TaskPayload {
  return { task: toTask(created.task), workflowId: created.workflowId ?? null };
}

function defined<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== null)) as T;
}

@ObjectType({ description: 'A legacy pg_basebackup just requested, and the workflow tracking it.' })
class BasebackupPayload {
  @Field(() => Basebackup, { description: 'The Pgbackup of the cluster, submitted or re-submitted.' }) backup!: Basebackup;
  @Field(() => String, { description: 'Follow it with the workflow query or the workflowProgress subscription.' }) workflowId!: string;
}

@Resolver()
export class BackupResolver {
  @Authorized('ShowBackup')
  @Query(() => [Basebackup], { description: 'Legacy pg_basebackups (Pgbackup resources) of a namespace.' })
  basebackups(@Arg('namespace', () => String, { description: 'The namespace to list.' }) namespace: string, @Ctx() ctx: GraphQLContext): Basebackup[] {
    return visibleList(ctx, PGBACKUP, { namespace }).map(toBasebackup);
  }

  @Authorized('CreateBackup')
  @Mutation(() => BasebackupPayload, { description: 'Take a legacy pg_basebackup; re-submits the existing one of the cluster.' })
  async basebackup(@Arg('input', () => BasebackupInput, { description: 'The cluster to back up and where to.' }) input: BasebackupInput, @Ctx() ctx: GraphQLContext): Promise<BasebackupPayload> {
    const created = await ctx.services.backups.basebackup(ctx.caller, defined(input));
    return { backup: toBasebackup(created.backup), workflowId: created.workflowId };
  }

  @Authorized('RestorePgbasebackup')
  @Mutation(() => TaskPayload, { description: 'Restore a legacy pg_basebackup into a new PVC (4.2.4 `pgo restore --backup-type=pgbasebackup`).' })
  async basebackupRestore(@Arg('input', () => BasebackupRestoreInput, { description: 'The backup to restore and the PVC to restore into.' }) input: BasebackupRestoreInput, @Ctx() ctx: GraphQLContext): Promise<TaskPayload> {
    return payload(await ctx.services.backups.basebackupRestore(ctx.caller, defined(input)));
  }

  @Authorized('CreateSchedule')
  @Mutation(() => TaskPayload, { description: 'Run pgbench against a cluster (4.2.4 `pgo benchmark`).' })
  async benchmarkCluster(@Arg('input', () => BenchmarkClusterInput, { description: 'The cluster to benchmark and the pgbench settings.' }) input: BenchmarkClusterInput, @Ctx() ctx: GraphQLContext): Promise<TaskPayload> {
    return payload(await ctx.services.clusters.benchmark(ctx.caller, defined(input)));
  }

  @Authorized('CreateBackup')
  @Mutation(() => TaskPayload, { description: 'Take a pgBackRest backup (4.2.4 `pgo backup`).' })
  async backrestBackup(@Arg('input', () => BackrestBackupInput, { description: 'The cluster to back up and the backup type.' }) input: BackrestBackupInput, @Ctx() ctx: GraphQLContext): Promise<TaskPayload> {
    return payload(await ctx.services.backups.backrestBackup(ctx.caller, defined(input)));
  }

  @Authorized('CreateDump')
  @Mutation(() => TaskPayload, { description: 'Take a pg_dump backup (4.2.4 `pgo backup --backup-type=pgdump`).' })
  async pgdumpBackup(@Arg('input', () => PgdumpBackupInput, { description: 'The cluster to dump and where to.' }) input: PgdumpBackupInput, @Ctx() ctx: GraphQLContext): Promise<TaskPayload> {
    return payload(await ctx.services.backups.pgdumpBackup(ctx.caller, defined(input)));
  }

  @Authorized('Restore')
  @Mutation(() => TaskPayload, { description: 'Restore a cluster from pgBackRest into a new primary (4.2.4 `pgo restore`).' })
  async backrestRestore(@Arg('input', () => BackrestRestoreInput, { description: 'The cluster to restore and to what point.' }) input: BackrestRestoreInput, @Ctx() ctx: GraphQLContext): Promise<TaskPayload> {
    return payload(await ctx.services.backups.backrestRestore(ctx.caller, defined(input)));
  }

  @Authorized('RestoreDump')
  @Mutation(() => TaskPayload, { description: 'Restore a pg_dump backup (4.2.4 `pgo restore --backup-type=pgdump`).' })
  async pgdumpRestore(@Arg('input', () => PgdumpRestoreInput, { description: 'The dump to restore and the cluster to load it into.' }) input: PgdumpRestoreInput, @Ctx() ctx: GraphQLContext): Promise<TaskPayload> {
    return payload(await ctx.services.backups.pgdumpRestore(ctx.caller, defined(input)));
  }
}
