/**
 * A client of the legacy pgo REST routes over HTTPS, as curl and the pgo CLI call them, and pgo
 * users with chosen permissions and namespaces for permission tests.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { SECRETS } from '../../src/kube/resources.js';
import type { TestApp } from './app.js';

export const CLIENT_VERSION = '4.2.4';

export interface PgoResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw body, to check exact bytes and key order. */
  text: string;
}

/** The body parsed as JSON. */
export function json<T = Record<string, unknown>>(res: PgoResponse): T {
  return JSON.parse(res.text) as T;
}

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export interface PgoClient {
  /** `body` is sent as JSON unless it is already a string; `auth` null sends no credentials. */
  call(method: string, path: string, body?: unknown, auth?: string | null): Promise<PgoResponse>;
}

export function pgoClient(t: TestApp): PgoClient {
  return {
    call(method, path, body, auth = t.authorization) {
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) };
      if (auth) headers.Authorization = auth;
      return new Promise((resolve, reject) => {
        const req = request(new URL(path, t.app.url), { method, ca: t.ca, headers }, (res) => {
          let received = '';
          res.on('data', (c: Buffer) => (received += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: received }));
        });
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
        req.on('error', reject);
        req.end(text);
      });
    },
  };
}

export interface TestUser {
  name: string;
  password: string;
  authorization: string;
}

/**
 * Creates a pgorole with these permissions and a pgouser holding it (namespaces: empty for all),
 * and waits until the server knows the user.
 */
export async function addPgoUser(t: TestApp, name: string, permissions: string, namespaces: string[] = []): Promise<TestUser> {
  const core = t.kc.makeApiClient(k8s.CoreV1Api);
  const password = `${name}-password`;
  const labels = (extra: Record<string, string>) => ({ vendor: 'crunchydata', 'pgo-created-by': 'test', ...extra });
  await core.createNamespacedSecret({ namespace: 'pgo', body: { metadata: { name: `pgorole-${name}`, labels: labels({ 'pgo-pgorole': 'true', rolename: name }) }, stringData: { rolename: name, permissions } } });
  await core.createNamespacedSecret({ namespace: 'pgo', body: { metadata: { name: `pgouser-${name}`, labels: labels({ 'pgo-pgouser': 'true', username: name }) }, stringData: { username: name, password, roles: name, namespaces: namespaces.join(',') } } });
  const deadline = Date.now() + 30_000;
  while (!t.app.cache.get(SECRETS, 'pgo', `pgouser-${name}`) || !t.app.cache.get(SECRETS, 'pgo', `pgorole-${name}`)) {
    if (Date.now() > deadline) throw new Error(`pgo user ${name} never reached the watch cache`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { name, password, authorization: basic(name, password) };
}
