/**
 * The first administrator: `PGO_ADMIN_USERNAME` / `PGO_ADMIN_PASSWORD`, or a generated password
 * written once to `<data dir>/admin-credentials` (mode 0600, one line `username:password`) so the
 * person who started the server can read it and nobody else can.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePassword } from '../domain/naming.js';

export const ADMIN_CREDENTIALS_FILE = 'admin-credentials';
export const GENERATED_PASSWORD_LENGTH = 24;

export interface Credentials {
  username: string;
  password: string;
}

export function ensureAdminCredentials(dataDir: string, username: string, password: string | undefined): Credentials {
  const path = join(dataDir, ADMIN_CREDENTIALS_FILE);
  if (password !== undefined) return { username, password };
  if (existsSync(path)) {
    const line = readFileSync(path, 'utf8').trim();
    const at = line.indexOf(':');
    if (at > 0 && line.slice(0, at) === username) return { username, password: line.slice(at + 1) };
  }
  const generated = generatePassword(GENERATED_PASSWORD_LENGTH);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, `${username}:${generated}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { username, password: generated };
}
