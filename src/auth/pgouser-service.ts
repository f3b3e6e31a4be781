/**
 * Administration of pgo users and roles as pgo 4.2.4's pgouser and pgorole services did it: one
 * Secret each in the operator namespace, read from the watch cache and written through the API.
 * A write returns once the watch cache shows it, so the next request — a login with the new
 * password, a user given the role just created — already sees it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Caller, ServiceContext } from '../domain/context.js';
import { fromKubeError } from '../domain/context.js';
import { VENDOR } from '../domain/constants.js';
import { alreadyExists, invalid, notFound } from '../domain/errors.js';
import { dns1035LabelProblem } from '../domain/naming.js';
import { SECRETS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { KubeApiError } from '../kube/writer.js';
import { ALL_PERMISSIONS, PERMISSIONS } from './permissions.js';
import { PGOROLE_PREFIX, PGOUSER_PREFIX } from './user-store.js';

/** Label keys and Secret data keys of 4.2.4 (config/labels.go, pgouserservice). */
const PGO_AUTH_LABELS = { vendor: 'vendor', createdBy: 'pgo-created-by', updatedBy: 'pgo-updated-by', pgouser: 'pgo-pgouser', pgorole: 'pgo-pgorole', username: 'username', rolename: 'rolename' } as const;
const USER_KEYS = { username: 'username', password: 'password', roles: 'roles', namespaces: 'namespaces' } as const;
const ROLE_KEYS = { rolename: 'rolename', permissions: 'permissions' } as const;

/** How long a write waits for the watch cache to show it before answering anyway. */
const CACHE_CATCH_UP_MS = 5_000;
const CACHE_POLL_MS = 5;

export interface PgoUserRecord {
  username: string;
  roles: string[];
  /** Empty: every namespace the server manages. */
  namespaces: string[];
}

export interface PgoRoleRecord {
  name: string;
  /** Permission names, or `*` alone for all of them. */
  permissions: string[];
}

export interface CreatePgoUserInput {
  name: string;
  password: string;
  roles: string[];
  namespaces: string[];
  allNamespaces: boolean;
}

/** Only what is given changes; `allNamespaces` clears the namespace list. */
export interface UpdatePgoUserInput {
  name: string;
  password?: string;
  roles?: string[];
  namespaces?: string[];
  allNamespaces?: boolean;
}

export interface PgoRoleInput {
  name: string;
  permissions: string[];
}

export const pgouserSecretName = (name: string): string => `${PGOUSER_PREFIX}${name}`;
export const pgoroleSecretName = (name: string): string => `${PGOROLE_PREFIX}${name}`;

function decoded(secret: KubeObject, key: string): string {
  const data = secret.data as Record<string, string> | undefined;
  return data?.[key] === undefined ? '' : Buffer.from(data[key], 'base64').toString('utf8');
}

const encoded = (data: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));

const splitList = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

function toUser(secret: KubeObject): PgoUserRecord {
  const username = secret.metadata.labels?.[PGO_AUTH_LABELS.username] ?? secret.metadata.name.slice(PGOUSER_PREFIX.length);
  return { username, roles: splitList(decoded(secret, USER_KEYS.roles)), namespaces: splitList(decoded(secret, USER_KEYS.namespaces)) };
}

function toRole(secret: KubeObject): PgoRoleRecord {
  const name = secret.metadata.labels?.[PGO_AUTH_LABELS.rolename] ?? secret.metadata.name.slice(PGOROLE_PREFIX.length);
  return { name, permissions: splitList(decoded(secret, ROLE_KEYS.permissions)) };
}

const byName = (a: KubeObject, b: KubeObject): number => a.metadata.name.localeCompare(b.metadata.name);

export class PgoUserService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Every pgo user (Secrets labelled `pgo-pgouser=true`), by name. */
  users(): PgoUserRecord[] {
    return this.labelled(PGO_AUTH_LABELS.pgouser).map(toUser);
  }

  user(name: string): PgoUserRecord | undefined {
    const secret = this.secret(pgouserSecretName(name));
    return secret ? { ...toUser(secret), username: name } : undefined;
  }

  /** Every pgo role (Secrets labelled `pgo-pgorole=true`), by name. */
  roles(): PgoRoleRecord[] {
    return this.labelled(PGO_AUTH_LABELS.pgorole).map(toRole);
  }

  role(name: string): PgoRoleRecord | undefined {
    const secret = this.secret(pgoroleSecretName(name));
    return secret ? { ...toRole(secret), name } : undefined;
  }

  async createUser(caller: Caller, input: CreatePgoUserInput): Promise<PgoUserRecord> {
    assertName('pgouser', input.name);
    assertPassword(input.password);
    const roles = this.validRoles(input.roles);
    const namespaces = this.validNamespaces(input.namespaces, input.allNamespaces);
    const name = pgouserSecretName(input.name);
    if (this.secret(name)) throw alreadyExists(`pgouser ${input.name} already exists`);
    const labels = { [PGO_AUTH_LABELS.pgouser]: 'true', [PGO_AUTH_LABELS.username]: input.name };
    await this.create(caller, name, labels, { [USER_KEYS.username]: input.name, [USER_KEYS.roles]: roles.join(','), [USER_KEYS.namespaces]: namespaces.join(','), [USER_KEYS.password]: input.password });
    return { username: input.name, roles, namespaces };
  }

  async updateUser(caller: Caller, input: UpdatePgoUserInput): Promise<PgoUserRecord> {
    const name = pgouserSecretName(input.name);
    if (!this.secret(name)) throw notFound(`secrets "${name}" not found`);
    const data: Record<string, string> = { [USER_KEYS.username]: input.name };
    if (input.password !== undefined && input.password !== '') data[USER_KEYS.password] = input.password;
    if (input.roles !== undefined && input.roles.length > 0) data[USER_KEYS.roles] = this.validRoles(input.roles).join(',');
    if (input.namespaces !== undefined && input.namespaces.length > 0) data[USER_KEYS.namespaces] = this.validNamespaces(input.namespaces, input.allNamespaces ?? false).join(',');
    else if (input.allNamespaces) data[USER_KEYS.namespaces] = '';
    const updated = await this.patch(caller, name, data);
    return { ...toUser(updated), username: input.name };
  }

  /** The deleted user; NotFound when there is none. A caller may delete itself, as in 4.2.4. */
  async deleteUser(name: string): Promise<PgoUserRecord> {
    const user = this.user(name);
    if (!user) throw notFound(`pgouser ${name} not found`);
    await this.remove(pgouserSecretName(name));
    return user;
  }

  async createRole(caller: Caller, input: PgoRoleInput): Promise<PgoRoleRecord> {
    assertName('pgorole', input.name);
    const permissions = validPermissions(input.permissions);
    const name = pgoroleSecretName(input.name);
    if (this.secret(name)) throw alreadyExists(`pgorole ${input.name} already exists`);
    const labels = { [PGO_AUTH_LABELS.pgorole]: 'true', [PGO_AUTH_LABELS.rolename]: input.name };
    await this.create(caller, name, labels, { [ROLE_KEYS.rolename]: input.name, [ROLE_KEYS.permissions]: permissions.join(',') });
    return { name: input.name, permissions };
  }

  async updateRole(caller: Caller, input: PgoRoleInput): Promise<PgoRoleRecord> {
    const permissions = validPermissions(input.permissions);
    const name = pgoroleSecretName(input.name);
    if (!this.secret(name)) throw notFound(`secrets "${name}" not found`);
    await this.patch(caller, name, { [ROLE_KEYS.rolename]: input.name, [ROLE_KEYS.permissions]: permissions.join(',') });
    return { name: input.name, permissions };
  }

  /** The deleted role, also taken off every user that held it; NotFound when there is none. */
  async deleteRole(caller: Caller, name: string): Promise<PgoRoleRecord> {
    const role = this.role(name);
    if (!role) throw notFound(`pgorole ${name} not found`);
    await this.remove(pgoroleSecretName(name));
    for (const secret of this.labelled(PGO_AUTH_LABELS.pgouser)) {
      const roles = splitList(decoded(secret, USER_KEYS.roles));
      if (roles.includes(name)) await this.patch(caller, secret.metadata.name, { [USER_KEYS.roles]: roles.filter((r) => r !== name).join(',') });
    }
    return role;
  }

  private get namespace(): string {
    return this.ctx.operatorNamespace;
  }

  private secret(name: string): KubeObject | undefined {
    return this.ctx.cache.get(SECRETS, this.namespace, name);
  }

  private labelled(label: string): KubeObject[] {
    return this.ctx.cache.list(SECRETS, this.namespace).filter((s) => s.metadata.labels?.[label] === 'true').sort(byName);
  }

  /** 4.2.4's validRoles: each role named must exist. */
  private validRoles(roles: readonly string[]): string[] {
    const wanted = roles.map((r) => r.trim());
    if (wanted.length === 0 || wanted.some((r) => r === '')) throw invalid('roles', 'pgouser roles are required: a comma-separated list of pgorole names');
    const missing = wanted.find((r) => !this.secret(pgoroleSecretName(r)));
    if (missing !== undefined) throw invalid('roles', `${missing} pgorole was not found`);
    return wanted;
  }

  /** 4.2.4's validNamespaces: a user's namespaces must be ones the server manages. */
  private validNamespaces(namespaces: readonly string[], allNamespaces: boolean): string[] {
    const wanted = namespaces.map((n) => n.trim());
    if (allNamespaces && wanted.length > 0) throw invalid('namespaces', '--all-namespaces and --pgouser-namespaces are mutually exclusive.');
    if (allNamespaces) return [];
    if (wanted.length === 0 || wanted.some((n) => n === '')) throw invalid('namespaces', 'pgouser namespaces or all namespaces are required');
    const unknown = wanted.find((n) => !this.ctx.namespaces.includes(n));
    if (unknown !== undefined) throw invalid('namespaces', `${unknown} was not found in the watched namespaces [${this.ctx.namespaces.join(' ')}]`);
    return wanted;
  }

  private async create(caller: Caller, name: string, labels: Record<string, string>, data: Record<string, string>): Promise<void> {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: this.namespace, labels: { [PGO_AUTH_LABELS.vendor]: VENDOR, [PGO_AUTH_LABELS.createdBy]: caller.username, ...labels } },
      type: 'Opaque',
      data: encoded(data),
    };
    const written = await this.write(() => this.ctx.writer.create(SECRETS, secret), name);
    await this.untilCached(name, (cached) => cached?.metadata.resourceVersion === written.metadata.resourceVersion);
  }

  private async patch(caller: Caller, name: string, data: Record<string, string>): Promise<KubeObject> {
    const patch = { metadata: { labels: { [PGO_AUTH_LABELS.updatedBy]: caller.username } }, data: encoded(data) };
    const written = await this.write(() => this.ctx.writer.mergePatch(SECRETS, this.namespace, name, patch), name);
    await this.untilCached(name, (cached) => cached?.metadata.resourceVersion === written.metadata.resourceVersion);
    return written;
  }

  private async remove(name: string): Promise<void> {
    await this.write(() => this.ctx.writer.delete(SECRETS, this.namespace, name), name);
    await this.untilCached(name, (cached) => cached === undefined);
  }

  private async untilCached(name: string, seen: (cached: KubeObject | undefined) => boolean): Promise<void> {
    const deadline = Date.now() + CACHE_CATCH_UP_MS;
    while (!seen(this.secret(name)) && Date.now() < deadline) await delay(CACHE_POLL_MS);
  }

  private async write<T>(call: () => Promise<T>, name: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw error instanceof KubeApiError ? fromKubeError(error, `secret ${name}`) : error;
    }
  }
}

function assertName(kind: 'pgouser' | 'pgorole', name: string): void {
  const problem = dns1035LabelProblem(name);
  if (problem) throw invalid('name', `invalid ${kind} name format ${problem}`);
}

function assertPassword(password: string): void {
  // An empty password would let anyone who knows the name log in.
  if (password === '') throw invalid('password', 'a pgouser password is required');
}

/** 4.2.4's validPermissions: every name must be a pgo permission; `*` alone grants them all. */
function validPermissions(permissions: readonly string[]): string[] {
  const wanted = permissions.map((p) => p.trim());
  if (wanted.length === 1 && wanted[0] === ALL_PERMISSIONS) return wanted;
  if (wanted.length === 0 || wanted.every((p) => p === '')) throw invalid('permissions', 'pgorole permissions are required: a comma-separated list of permission names, or *');
  const unknown = permissions.find((p) => !(PERMISSIONS as readonly string[]).includes(p.trim()));
  if (unknown !== undefined) throw invalid('permissions', `${unknown} not a valid Permission`);
  return wanted;
}
