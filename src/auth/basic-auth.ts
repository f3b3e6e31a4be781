/**
 * HTTP basic authentication, the scheme the pgo CLI used. Answers the caller, or undefined for a
 * missing or wrong credential (the front-ends answer 401 / UNAUTHENTICATED).
 */
import type { Caller } from '../domain/context.js';
import type { Credentials } from './admin-credentials.js';
import type { Permission } from './permissions.js';
import type { UserStore } from './user-store.js';

export interface Authenticator {
  authenticate(authorization: string | undefined): Caller | undefined;
}

export function parseBasic(authorization: string | undefined): Credentials | undefined {
  if (!authorization?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  if (at <= 0) return undefined;
  return { username: decoded.slice(0, at), password: decoded.slice(at + 1) };
}

/** pgo users from their Secrets; a caller may act in the managed namespaces its user lists (all when none). */
export class PgoUserAuthenticator implements Authenticator {
  constructor(
    private readonly users: UserStore,
    private readonly managedNamespaces: readonly string[],
  ) {}

  authenticate(authorization: string | undefined): Caller | undefined {
    const given = parseBasic(authorization);
    if (!given) return undefined;
    const user = this.users.authenticate(given.username, given.password);
    if (!user) return undefined;
    const managed = new Set(this.managedNamespaces);
    return {
      username: user.username,
      canAccess: (namespace) => managed.has(namespace) && this.users.canAccess(user, namespace),
      can: (permission) => this.users.permitted(user, permission as Permission),
    };
  }
}
