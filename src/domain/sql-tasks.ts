/**
 * Work a request asks to do inside a cluster's database — PostgreSQL user changes, data loads —
 * queued as Pgtasks that the controllers carry out one at a time per cluster, each through a Job.
 * 4.2.4 connected to the database from the API server; a Job does the same work against the
 * embedded API and a real cluster alike, and the per-cluster order keeps a create, a password
 * change and a delete of one user in the order they were asked for.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { JOBS, SECRETS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { LABELS, SPEC_STATUS, VENDOR } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { PGTASK } from './custom-resources.js';
import type { Pgtask } from './custom-resources.js';
import { taskObject } from './task-factory.js';
import type { WriteBatch } from './write-batch.js';

export const SQL_TASK_TYPES = { postgresUser: 'postgres-user', load: 'load' } as const;

export const SQL_TASK_PARAMS = {
  cluster: 'pg-cluster',
  /** When the request was made, to millisecond precision: the queue's order. */
  requested: 'requested',
  /** User tasks: the role and what is done to it (USER_OPERATIONS). */
  username: 'username',
  operation: 'operation',
  /** What to do with `<cluster>-<user>-secret` once the SQL succeeded. */
  userSecret: 'user-secret',
  /** `true`: the cluster's pgBouncer is reconfigured once the SQL succeeded (4.2.4 did on a managed user's change). */
  reconfigurePgbouncer: 'reconfigure-pgbouncer',
  /** Load: the policies that must be applied before the data is loaded, comma separated. */
  policies: 'policies',
} as const;

export const USER_OPERATIONS = { create: 'create', update: 'update', remove: 'delete' } as const;
export type UserOperation = (typeof USER_OPERATIONS)[keyof typeof USER_OPERATIONS];

export const USER_SECRET_ACTIONS = { write: 'write', remove: 'delete', keep: 'keep' } as const;
export type UserSecretAction = (typeof USER_SECRET_ACTIONS)[keyof typeof USER_SECRET_ACTIONS];

/**
 * The Secret named like a user task: the SQL (passwords in it are md5 hashes) and, for a managed
 * user, the credentials written to the user's Secret after the SQL succeeded. It is owned by the
 * task and carries no `pg-cluster` label, so nothing lists it among the cluster's user Secrets.
 */
export const STATEMENT_KEYS = { sql: 'sql', username: 'username', password: 'password' } as const;

export function isSqlTask(task: Pgtask): boolean {
  return task.spec.tasktype === SQL_TASK_TYPES.postgresUser || task.spec.tasktype === SQL_TASK_TYPES.load;
}

/** A task still to run or running; a failed one stays for inspection but no longer holds the queue. */
export function isQueued(task: Pgtask): boolean {
  return isSqlTask(task) && !task.metadata.deletionTimestamp && !(task.spec.status ?? '').startsWith(SPEC_STATUS.jobError);
}

export function queueOrder(a: Pgtask, b: Pgtask): number {
  const at = (t: Pgtask) => t.spec.parameters?.[SQL_TASK_PARAMS.requested] ?? '';
  return at(a).localeCompare(at(b)) || a.metadata.name.localeCompare(b.metadata.name);
}

/**
 * A task name (also its Job's) that no task or Job has: an old Job of the same name would be taken
 * for this task's. `candidate` makes names with a random part.
 */
export function freeTaskName(ctx: ServiceContext, namespace: string, candidate: () => string): string {
  for (;;) {
    const name = candidate();
    if (!ctx.cache.get(PGTASK, namespace, name) && !ctx.cache.get(JOBS, namespace, name)) return name;
  }
}

const CACHE_CATCH_UP_MS = 5_000;
const CACHE_POLL_MS = 5;

/**
 * Waits (briefly) until the watch cache holds these tasks, so the next request plans with them in
 * the queue, as 4.2.4's next request came after the database had done the last one.
 */
export async function untilCached(ctx: ServiceContext, tasks: readonly Pgtask[]): Promise<void> {
  const deadline = Date.now() + CACHE_CATCH_UP_MS;
  const seen = () => tasks.every((t) => ctx.cache.get(PGTASK, t.metadata.namespace, t.metadata.name)?.metadata.uid === t.metadata.uid);
  while (!seen() && Date.now() < deadline) await delay(CACHE_POLL_MS);
}

export interface SqlTaskRequest {
  namespace: string;
  cluster: string;
  /** Also the name of the task's Job and statement Secret. */
  name: string;
  tasktype: string;
  parameters: Record<string, string>;
  labels?: Record<string, string>;
  /** The statement Secret's data; none for a task that needs none. */
  statement?: Record<string, string>;
}

/** Creates the task and its statement Secret in the batch, so a failure leaves neither behind. */
export async function queueSqlTask(ctx: ServiceContext, caller: Caller, batch: WriteBatch, request: SqlTaskRequest): Promise<Pgtask> {
  const { namespace, cluster, name } = request;
  const task = await batch.create(
    PGTASK,
    taskObject({
      namespace,
      name,
      tasktype: request.tasktype,
      labels: { [LABELS.pgCluster]: cluster, [LABELS.pgouser]: caller.username, ...request.labels },
      parameters: { ...request.parameters, [SQL_TASK_PARAMS.cluster]: cluster, [SQL_TASK_PARAMS.requested]: ctx.now().toISOString() },
      status: SPEC_STATUS.requested,
    }),
  );
  if (request.statement) {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace,
        labels: { [LABELS.vendor]: VENDOR, [LABELS.pgTask]: name },
        ownerReferences: [{ apiVersion: String(task.apiVersion), kind: String(task.kind), name, uid: String(task.metadata.uid), controller: true, blockOwnerDeletion: true }],
      },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(request.statement).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    };
    await batch.create(SECRETS, secret);
  }
  return task;
}
