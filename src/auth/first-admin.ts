/**
 * The first administrator: on a first start with no pgouser Secret for PGO_ADMIN_USERNAME, a
 * `pgorole-pgoadmin` role granting `*` and the user's Secret (all namespaces) are created, with
 * PGO_ADMIN_PASSWORD or the generated password of the admin-credentials file.
 */
import { SECRETS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { KubeApiError } from '../kube/writer.js';
import type { KubeWriter } from '../kube/writer.js';
import type { Credentials } from './admin-credentials.js';
import { ALL_PERMISSIONS } from './permissions.js';
import { PGOROLE_PREFIX, PGOUSER_PREFIX } from './user-store.js';

export const ADMIN_ROLE = 'pgoadmin';
export const CREATED_BY = 'pgo-graphql-server';

function secret(namespace: string, name: string, labels: Record<string, string>, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { vendor: 'crunchydata', 'pgo-created-by': CREATED_BY, ...labels } },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

async function createIfAbsent(writer: KubeWriter, object: KubeObject): Promise<boolean> {
  try {
    await writer.create(SECRETS, object);
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 409) return false;
    throw error;
  }
}

/** Answers whether the administrator was created now. */
export async function ensureFirstAdmin(writer: KubeWriter, namespace: string, admin: Credentials): Promise<boolean> {
  if (await writer.read(SECRETS, namespace, `${PGOUSER_PREFIX}${admin.username}`)) return false;
  await createIfAbsent(writer, secret(namespace, `${PGOROLE_PREFIX}${ADMIN_ROLE}`, { 'pgo-pgorole': 'true', rolename: ADMIN_ROLE }, { rolename: ADMIN_ROLE, permissions: ALL_PERMISSIONS }));
  return createIfAbsent(
    writer,
    secret(namespace, `${PGOUSER_PREFIX}${admin.username}`, { 'pgo-pgouser': 'true', username: admin.username }, { username: admin.username, password: admin.password, roles: ADMIN_ROLE, namespaces: '' }),
  );
}
