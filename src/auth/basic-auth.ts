/**
 * HTTP basic authentication, the scheme the pgo CLI used. Answers the caller, or undefined for a
 * missing or wrong credential (the front-ends answer 401 / UNAUTHENTICATED).
 */
import type { Caller } from '../domain/context.js';
import { constantTimeEqual } from '../tls/pki.js';
import type { Credentials } from './admin-credentials.js';

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

/** Until pgouser Secrets are served (issue 5), the administrator is the one user, with every managed namespace. */
export class AdminAuthenticator implements Authenticator {
  constructor(
    private readonly admin: Credentials,
    private readonly namespaces: readonly string[],
  ) {}

  authenticate(authorization: string | undefined): Caller | undefined {
    const given = parseBasic(authorization);
    if (!given) return undefined;
    // Both compared every time, so the timing does not tell a wrong name from a wrong password.
    const userOk = constantTimeEqual(given.username, this.admin.username);
    const passwordOk = constantTimeEqual(given.password, this.admin.password);
    if (!userOk || !passwordOk) return undefined;
    const namespaces = new Set(this.namespaces);
    return { username: given.username, canAccess: (namespace) => namespaces.has(namespace) };
  }
}
