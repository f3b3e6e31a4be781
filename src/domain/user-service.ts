/**
 * PostgreSQL users of clusters (pgo 4.2.4's userservice): create, change, expire and drop roles,
 * and the `<cluster>-<user>-secret` Secrets of the users pgo manages. The SQL runs through the
 * cluster's SQL queue (sql-tasks.ts); the user's Secret is written when it succeeded, so a Secret
 * never holds a password the database refused, and a change of the `postgres` password does not
 * lock out the Job that makes it. Answers are as 4.2.4 gave them, flag-worded messages included.
 */
import { createHash, randomInt } from 'node:crypto';
import { dns1123SubdomainProblem } from '../kube/label-syntax.js';
import { DEPLOYMENTS, SECRETS, SERVICES } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { ALL, LABELS } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { assertNamespace } from './context.js';
import type { ClusterService } from './cluster-service.js';
import { PGCLUSTER, PGTASK } from './custom-resources.js';
import type { Pgcluster, Pgtask } from './custom-resources.js';
import { alreadyExists, invalid, notFound, unavailable } from './errors.js';
import { names, rand4 } from './naming.js';
import { readyPrimaryPod } from './pods.js';
import { freeTaskName, isQueued, queueOrder, queueSqlTask, untilCached, SQL_TASK_PARAMS, SQL_TASK_TYPES, STATEMENT_KEYS, USER_OPERATIONS, USER_SECRET_ACTIONS } from './sql-tasks.js';
import type { UserOperation, UserSecretAction } from './sql-tasks.js';
import { WriteBatch } from './write-batch.js';

/** 4.2.4's alphabet for generated PostgreSQL passwords (unlike the cluster Secrets' letters only). */
const PASSWORD_CHARSET = '!@#~$%^&*{_+=-;}abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890';
const MAX_PASSWORD_LENGTH = 1024;
const DAY_MS = 86_400_000;
/** `--valid-days=-1`: the password never expires. */
const NEVER_EXPIRES = -1;
/** `--expire-user` dates the password two days back. */
const EXPIRE_USER_DAYS = -2;
const USERNAME_PATTERN = /^[a-z0-9.-]*$/;

/**
 * Finding the roles whose passwords expire needs the answer of a query; this server runs SQL only
 * through Jobs, which cannot hand rows back.
 */
export const EXPIRED_UNSUPPORTED = '--expired is not supported by this server: listing expiring passwords needs a query answered by the database, and this server runs SQL only through Jobs; use --username with --password or --valid-days';

/** Which clusters a request names, as the pgo CLI sent them. */
export interface UserTarget {
  namespace: string;
  clusters: string[];
  selector: string;
  all: boolean;
}

export interface CreatePostgresUserInput extends UserTarget {
  username: string;
  /** Empty: a generated one. */
  password: string;
  /** Keep the credentials in `<cluster>-<user>-secret`. */
  managed: boolean;
  /** Days until the password expires; -1 never. */
  passwordAgeDays: number;
  /** Length of a generated password; 0 the pgo.yaml default. */
  passwordLength: number;
}

export interface UpdatePostgresUserInput extends UserTarget {
  username: string;
  password: string;
  /** Days: renew the passwords expiring within them (refused, see EXPIRED_UNSUPPORTED). */
  expired: string;
  expireUser: boolean;
  passwordAgeDays: number;
  /** Whether `--valid-days` was given: only then does a request without a password re-date it. */
  passwordAgeDaysUpdate: boolean;
}

export interface DeletePostgresUserInput extends UserTarget {
  username: string;
}

export interface ShowPostgresUsersInput extends UserTarget {
  expired: string;
}

export interface UserSecret {
  name: string;
  username: string;
  password: string;
}

export interface ClusterUsers {
  cluster: Pgcluster;
  secrets: UserSecret[];
}

export type UserChange = 'password' | 'validDays' | 'none';

export interface UpdatedUser {
  cluster: string;
  /** The primary Deployment the change was made through. */
  deployment: string;
  change: UserChange;
}

export interface DeletedUser {
  cluster: string;
  managed: boolean;
}

interface UserSqlPlan {
  cluster: Pgcluster;
  username: string;
  operation: UserOperation;
  statements: string[];
  secret: UserSecretAction;
  password?: string;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
/** The md5 form PostgreSQL stores, so the plain password is never in SQL text or server logs. */
const md5Password = (username: string, password: string): string => `md5${createHash('md5').update(password + username).digest('hex')}`;
const setPassword = (username: string, password: string): string => `ALTER ROLE ${ident(username)} PASSWORD ${literal(md5Password(username, password))};`;
const setValidUntil = (username: string, date: string): string => `ALTER ROLE ${ident(username)} VALID UNTIL ${literal(date)};`;

function generatePassword(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_CHARSET[randomInt(PASSWORD_CHARSET.length)];
  return out;
}

/** `VALID UNTIL` for a password valid `days` from now: a date, or `infinity` for -1. */
export function passwordExpireDate(now: Date, days: number): string {
  if (days === NEVER_EXPIRES) return 'infinity';
  const at = new Date(now.getTime() + days * DAY_MS);
  const year = at.getUTCFullYear();
  if (Number.isNaN(at.getTime()) || year < 1 || year > 9999) throw invalid('passwordAgeDays', `--valid-days ${days} does not give a date between the years 1 and 9999`);
  return at.toISOString().slice(0, 10);
}

/** strconv.Atoi: an optional sign and decimal digits. */
function atoi(text: string): number | undefined {
  return /^[+-]?\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function decoded(secret: KubeObject, key: string): string {
  const data = (secret.data ?? {}) as Record<string, string>;
  return data[key] === undefined ? '' : Buffer.from(data[key], 'base64').toString('utf8');
}

function assertUsername(username: string): void {
  if (username === '') throw invalid('username', '--username is required');
  if (/[\u0000-\u001f\u007f]/.test(username)) throw invalid('username', 'user name must not contain control characters');
}

export class UserService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly clusters: ClusterService,
  ) {}

  /** The cluster's user Secrets, as `pgo show user` lists them (4.2.4 needed ShowSecrets for it). */
  show(caller: Caller, input: ShowPostgresUsersInput): ClusterUsers[] {
    const clusters = this.select(caller, input, true);
    if (clusters.length === 0) throw notFound('no clusters found');
    if (input.expired !== '') {
      const days = atoi(input.expired);
      if (days === undefined) throw invalid('expired', '--expired is not a valid integer');
      if (days < 1) throw invalid('expired', '--expired is requited to be greater than 0');
      throw unavailable(EXPIRED_UNSUPPORTED);
    }
    return clusters.map((cluster) => ({ cluster, secrets: this.userSecrets(cluster) }));
  }

  /** Creates the role in every selected cluster; answers the clusters, in order. */
  async create(caller: Caller, input: CreatePostgresUserInput): Promise<string[]> {
    if (input.selector === '' && !input.all && input.clusters.length === 0) throw invalid('clusters', '--selector, --all, or list of cluster names is required for this command');
    const clusters = this.select(caller, input, false);
    if (clusters.length === 0) throw notFound('no clusters found');
    const { username } = input;
    if (!USERNAME_PATTERN.test(username)) throw invalid('username', "user name is required to contain lowercase letters, numbers, '.' and '-' only.");
    assertUsername(username);
    const length = input.passwordLength === 0 ? this.ctx.settings.passwordLength : input.passwordLength;
    if (!Number.isInteger(length) || length < 1 || length > MAX_PASSWORD_LENGTH) throw invalid('passwordLength', `--password-length must be between 1 and ${MAX_PASSWORD_LENGTH}`);
    const validUntil = passwordExpireDate(this.ctx.now(), input.passwordAgeDays);
    const plans: UserSqlPlan[] = clusters.map((cluster) => {
      this.assertReachable(cluster);
      const secretName = names.userSecret(cluster.metadata.name, username);
      const problem = dns1123SubdomainProblem(secretName);
      if (input.managed && problem) throw invalid('username', `user name ${username} cannot name a Secret (${secretName}): ${problem}`);
      // Every role pgo made has its Secret; 4.2.4 answered the database's refusal.
      if (this.projected(cluster, username).exists) throw alreadyExists(`pq: role "${username}" already exists`);
      const password = input.password || generatePassword(length);
      return {
        cluster,
        username,
        operation: USER_OPERATIONS.create,
        statements: [`CREATE ROLE ${ident(username)} LOGIN;`, setPassword(username, password), setValidUntil(username, validUntil)],
        secret: input.managed ? USER_SECRET_ACTIONS.write : USER_SECRET_ACTIONS.keep,
        ...(input.managed ? { password } : {}),
      };
    });
    await this.queue(caller, plans);
    return clusters.map((c) => c.metadata.name);
  }

  /** Changes the role's password or validity through each selected cluster's primary. */
  async update(caller: Caller, input: UpdatePostgresUserInput): Promise<UpdatedUser[]> {
    const { username } = input;
    if (username === '' && input.expired === '') throw invalid('username', 'Either --expired or --username must be set.');
    if (username !== '' && input.expired !== '') throw invalid('expired', 'The --expired cannot be used when a user is specified.');
    if (input.selector === '' && !input.all && input.clusters.length === 0) throw invalid('clusters', '--selector, --all, or list of cluster names  is required');
    const clusters = this.select(caller, input, false);
    if (clusters.length === 0) throw notFound('no clusters found');
    if (input.expired !== '') throw unavailable(EXPIRED_UNSUPPORTED);
    assertUsername(username);
    const now = this.ctx.now();
    const validUntil = input.password !== '' || input.passwordAgeDaysUpdate ? passwordExpireDate(now, input.passwordAgeDays) : '';
    const change: UserChange = input.password !== '' ? 'password' : input.passwordAgeDaysUpdate ? 'validDays' : 'none';
    const plans: UserSqlPlan[] = [];
    const updated: UpdatedUser[] = [];
    for (const cluster of clusters) {
      for (const deployment of this.primaryDeployments(cluster)) {
        this.assertReachable(cluster);
        const statements: string[] = [];
        if (input.expireUser) statements.push(setValidUntil(username, passwordExpireDate(now, EXPIRE_USER_DAYS)));
        if (change === 'password') statements.push(setPassword(username, input.password));
        if (change !== 'none') statements.push(setValidUntil(username, validUntil));
        updated.push({ cluster: cluster.metadata.name, deployment: deployment.metadata.name, change });
        if (statements.length === 0) continue;
        // 4.2.4 rewrote the Secret only of a user that had one.
        const managed = change === 'password' && this.projected(cluster, username).managed;
        plans.push({ cluster, username, operation: USER_OPERATIONS.update, statements, secret: managed ? USER_SECRET_ACTIONS.write : USER_SECRET_ACTIONS.keep, ...(managed ? { password: input.password } : {}) });
      }
    }
    await this.queue(caller, plans);
    return updated;
  }

  /** Drops the role and what it owns in each selected cluster, and its Secret when pgo managed it. */
  async delete(caller: Caller, input: DeletePostgresUserInput): Promise<DeletedUser[]> {
    const { username } = input;
    if (username === '') throw invalid('username', '--username is required');
    const clusters = this.select(caller, input, false);
    if (clusters.length === 0) throw notFound('no clusters found');
    assertUsername(username);
    const plans = clusters.map((cluster): UserSqlPlan => {
      this.assertReachable(cluster);
      // What the database answered 4.2.4; here refused before the cluster's superuser Secret goes.
      if (username === 'postgres') throw invalid('username', 'pq: cannot drop objects owned by role postgres because they are required by the database system');
      const { managed } = this.projected(cluster, username);
      return { cluster, username, operation: USER_OPERATIONS.remove, statements: [`DROP OWNED BY ${ident(username)} CASCADE;`, `DROP ROLE IF EXISTS ${ident(username)};`], secret: managed ? USER_SECRET_ACTIONS.remove : USER_SECRET_ACTIONS.keep };
    });
    await this.queue(caller, plans);
    return plans.map((p) => ({ cluster: p.cluster.metadata.name, managed: p.secret === USER_SECRET_ACTIONS.remove }));
  }

  /**
   * 4.2.4's selection: a selector, else every cluster for the all flag, else the named clusters
   * (`all` is no special name here); `pgo show user` looked at the all flag first.
   */
  private select(caller: Caller, target: UserTarget, allFirst: boolean): Pgcluster[] {
    const { namespace } = target;
    assertNamespace(this.ctx, caller, namespace);
    const byName = (a: Pgcluster, b: Pgcluster) => a.metadata.name.localeCompare(b.metadata.name);
    if (target.all && (allFirst || target.selector === '')) return this.clusters.select(caller, { namespace, names: [ALL] }).sort(byName);
    if (target.selector !== '') return this.clusters.select(caller, { namespace, selector: target.selector }).sort(byName);
    return [...new Set(target.clusters)].map((name) => {
      const cluster = this.ctx.cache.get(PGCLUSTER, namespace, name);
      if (!cluster) throw notFound(`pgclusters.crunchydata.com "${name}" not found`);
      return cluster;
    });
  }

  /** 4.2.4 connected through the primary Service; the Job needs it and a ready primary behind it. */
  private assertReachable(cluster: Pgcluster): void {
    const { namespace, name } = cluster.metadata;
    if (!this.ctx.cache.get(SERVICES, namespace, name)) throw notFound(`primary service not found for ${name}`);
    readyPrimaryPod(this.ctx, namespace ?? '', name);
  }

  private primaryDeployments(cluster: Pgcluster): KubeObject[] {
    const { namespace, name } = cluster.metadata;
    return this.ctx.cache
      .byCluster(DEPLOYMENTS, namespace ?? '', name)
      .filter((d) => d.metadata.labels?.[LABELS.serviceName] === name)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /**
   * Whether the role exists and pgo manages it once the cluster's queued user tasks have run, so a
   * change asked for right after a create is planned as 4.2.4, which had finished the create, did.
   * A role without a Secret pgo cannot know of.
   */
  private projected(cluster: Pgcluster, username: string): { exists: boolean; managed: boolean } {
    const { namespace, name } = cluster.metadata;
    const managed = this.ctx.cache.get(SECRETS, namespace, names.userSecret(name, username)) !== undefined;
    const state = { exists: managed, managed };
    const queued = this.ctx.cache
      .byCluster(PGTASK, namespace ?? '', name)
      .filter((t) => isQueued(t) && t.spec.tasktype === SQL_TASK_TYPES.postgresUser && t.spec.parameters?.[SQL_TASK_PARAMS.username] === username)
      .sort(queueOrder);
    for (const task of queued) {
      const operation = task.spec.parameters?.[SQL_TASK_PARAMS.operation];
      const secret = task.spec.parameters?.[SQL_TASK_PARAMS.userSecret];
      if (operation === USER_OPERATIONS.create) Object.assign(state, { exists: true, managed: secret === USER_SECRET_ACTIONS.write });
      if (operation === USER_OPERATIONS.remove) Object.assign(state, { exists: false, managed: false });
    }
    return state;
  }

  /** 4.2.4's selector: the cluster's Secrets but the pgBackRest and pgBouncer ones, by name. */
  private userSecrets(cluster: Pgcluster): UserSecret[] {
    return this.ctx.cache
      .byCluster(SECRETS, cluster.metadata.namespace ?? '', cluster.metadata.name)
      .filter((s) => s.metadata.labels?.[LABELS.backrestRepo] === undefined && s.metadata.labels?.[LABELS.pgbouncer] !== 'true')
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map((s) => ({ name: s.metadata.name, username: decoded(s, 'username'), password: decoded(s, 'password') }));
  }

  private async queue(caller: Caller, plans: UserSqlPlan[]): Promise<void> {
    const batch = new WriteBatch(this.ctx);
    const tasks: Pgtask[] = [];
    for (const plan of plans) {
      const { cluster, username } = plan;
      const clusterName = cluster.metadata.name;
      const pgbouncer = cluster.metadata.labels?.[LABELS.pgbouncer] === 'true' || cluster.spec.userlabels?.[LABELS.pgbouncer] === 'true';
      const namespace = cluster.metadata.namespace ?? '';
      // Short enough for the Job's `job-name` label whatever the cluster's name.
      const name = freeTaskName(this.ctx, namespace, () => `${clusterName.slice(0, 45)}-pguser-${rand4()}`);
      const task = await queueSqlTask(this.ctx, caller, batch, {
        namespace,
        cluster: clusterName,
        name,
        tasktype: SQL_TASK_TYPES.postgresUser,
        parameters: { [SQL_TASK_PARAMS.username]: username, [SQL_TASK_PARAMS.operation]: plan.operation, [SQL_TASK_PARAMS.userSecret]: plan.secret, [SQL_TASK_PARAMS.reconfigurePgbouncer]: String(pgbouncer && plan.secret !== USER_SECRET_ACTIONS.keep) },
        statement: { [STATEMENT_KEYS.sql]: `${plan.statements.join('\n')}\n`, [STATEMENT_KEYS.username]: username, ...(plan.password === undefined ? {} : { [STATEMENT_KEYS.password]: plan.password }) },
      });
      tasks.push(task);
    }
    await untilCached(this.ctx, tasks);
  }
}
