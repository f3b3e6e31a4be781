/**
 * pgo users and roles as 4.2.4 kept them: Secrets `pgouser-<name>` (data `username`, `password`,
 * `roles`, `namespaces`) and `pgorole-<name>` (data `rolename`, `permissions`) in the operator's
 * namespace. Read from the shared watch cache, so a user added or removed takes effect at once.
 */
import type { CacheReader } from '../domain/context.js';
import { SECRETS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { constantTimeEqual } from '../tls/pki.js';
import { ALL_PERMISSIONS } from './permissions.js';
import type { Permission } from './permissions.js';

export const PGOUSER_PREFIX = 'pgouser-';
export const PGOROLE_PREFIX = 'pgorole-';

export interface PgoUser {
  username: string;
  roles: string[];
  /** Empty means every namespace the server manages. */
  namespaces: string[];
}

function field(secret: KubeObject | undefined, key: string): string | undefined {
  const data = secret?.data as Record<string, string> | undefined;
  return data?.[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8');
}

function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export class UserStore {
  constructor(
    private readonly cache: CacheReader,
    private readonly operatorNamespace: string,
  ) {}

  user(username: string): PgoUser | undefined {
    const secret = this.cache.get(SECRETS, this.operatorNamespace, `${PGOUSER_PREFIX}${username}`);
    if (!secret) return undefined;
    return { username, roles: list(field(secret, 'roles')), namespaces: list(field(secret, 'namespaces')) };
  }

  /** The user when the password matches, compared in constant time. */
  authenticate(username: string, password: string): PgoUser | undefined {
    const secret = this.cache.get(SECRETS, this.operatorNamespace, `${PGOUSER_PREFIX}${username}`);
    const stored = field(secret, 'password');
    // Compared even for an unknown user, so timing does not tell which names exist.
    const matches = constantTimeEqual(password, stored ?? '\u0000unknown');
    return secret && stored !== undefined && matches ? this.user(username) : undefined;
  }

  /** Whether one of the user's roles grants the permission (4.2.4: `*` grants all). */
  permitted(user: PgoUser, permission: Permission): boolean {
    for (const role of user.roles) {
      const secret = this.cache.get(SECRETS, this.operatorNamespace, `${PGOROLE_PREFIX}${role}`);
      const permissions = (field(secret, 'permissions') ?? '').trim();
      if (permissions === ALL_PERMISSIONS) return true;
      if (list(permissions).includes(permission)) return true;
    }
    return false;
  }

  /** Whether the user may act in the namespace (an empty list means all managed ones). */
  canAccess(user: PgoUser, namespace: string): boolean {
    return user.namespaces.length === 0 || user.namespaces.includes(namespace);
  }
}
