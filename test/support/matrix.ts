/**
 * Callers for permission-matrix tests: for each permission a user whose role grants every other
 * one, so a refusal can only come from the permission under test; and a user with every
 * permission who may act in one namespace only.
 */
import { PERMISSIONS } from '../../src/auth/permissions.js';
import type { TestApp } from './app.js';
import { addPgoUser } from './rest.js';
import type { TestUser } from './rest.js';

/** The namespace every probe asks for, and the one the namespace-limited user is kept to instead. */
export const PROBED_NAMESPACE = 'pgouser1';
export const OTHER_NAMESPACE = 'pgouser2';

/** A pgo user name (a DNS label) for the user lacking this permission. */
const lackingName = (permission: string): string => `lacks-${permission.toLowerCase()}`;

/** One user per permission, each granted every permission but that one, in every namespace. */
export async function usersLacking(t: TestApp, permissions: Iterable<string>): Promise<Map<string, TestUser>> {
  const wanted = [...new Set(permissions)];
  const users = await Promise.all(wanted.map((p) => addPgoUser(t, lackingName(p), PERMISSIONS.filter((other) => other !== p).join(','))));
  return new Map(wanted.map((p, i) => [p, users[i]]));
}

/** A user holding every permission (`*`) but only in OTHER_NAMESPACE. */
export function namespaceLimitedUser(t: TestApp): Promise<TestUser> {
  return addPgoUser(t, 'elsewhere', '*', [OTHER_NAMESPACE]);
}
