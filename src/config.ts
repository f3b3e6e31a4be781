/**
 * The one configuration module. A single declarative list of settings drives flag parsing,
 * environment variables, `--help` and the README table, so they cannot drift. Flags beat
 * environment variables, which beat defaults; an unknown flag or a bad value stops the start with a
 * message naming it.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dns1035LabelProblem } from './domain/naming.js';
import { kubeconfigProblem } from './kube/client.js';
import { dns1123LabelProblem } from './kube/label-syntax.js';
import { certificatePemProblem, keyMatchesCertificate, privateKeyPemProblem } from './tls/pki.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface HostPort {
  host: string;
  port: number;
}

export type Mode = 'auto' | 'embedded' | 'cluster';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  dataDir: string;
  listen: HostPort;
  kubeListen: HostPort;
  kubeconfig: string | undefined;
  namespaces: string[];
  operatorNamespace: string;
  adminUsername: string;
  adminPassword: string | undefined;
  tls: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsClientCa: string | undefined;
  mode: Mode;
  logLevel: LogLevel;
  watchWindow: number;
  introspection: boolean;
  runtimeDelayMs: number;
  controllers: boolean;
  maxSubscriptionsPerUser: number;
}

interface Setting<K extends keyof Config> {
  key: K;
  flag?: string;
  env?: string;
  meaning: string;
  default: string | undefined;
  parse(raw: string, name: string): Config[K];
}

function hostPort(raw: string, name: string): HostPort {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(raw.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${name}: expected host:port, got '${raw}'`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name}: expected an integer, got '${raw}'`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(`${name}: must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, name: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name}: expected one of ${values.join(', ')}, got '${raw}'`);
    return raw as T;
  };
}

function namespaceName(raw: string, name: string): string {
  const problem = dns1123LabelProblem(raw);
  if (problem) throw new ConfigError(`${name}: '${raw}' is not a valid namespace name: ${problem}`);
  return raw;
}

function pgouserName(raw: string, name: string): string {
  const problem = dns1035LabelProblem(raw);
  if (problem) throw new ConfigError(`${name}: '${raw}' is not a valid pgouser name: ${problem}`);
  return raw;
}

function oneLine(raw: string, name: string): string {
  // pgo clients read `username:password` from one line of their pgouser file.
  if (/[\r\n]/.test(raw)) throw new ConfigError(`${name}: must not contain a line break`);
  return raw;
}

/** The data directory, or the nearest existing directory it would be created in, must be writable. */
function dataDirectory(raw: string, name: string): string {
  const path = resolve(raw);
  let existing = path;
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) throw new ConfigError(`${name}: '${existing}' is not a directory`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(`${name}: cannot write to '${existing}': permission denied`);
  }
  return path;
}

const READ_FAILURES: Record<string, string> = { EACCES: 'permission denied', EISDIR: 'is a directory' };

/** The file's absolute path and text; a file that cannot be read stops the start naming the setting. */
function readSettingFile(raw: string, name: string): { path: string; text: string } {
  const path = resolve(raw);
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ConfigError(`${name}: no such file '${raw}'`);
    throw new ConfigError(`${name}: cannot read '${raw}': ${READ_FAILURES[code] ?? code}`);
  }
}

/** A file whose text `problem` accepts; answers its absolute path. */
function checkedFile(problem: (text: string, path: string) => string | undefined) {
  return (raw: string, name: string): string => {
    const { path, text } = readSettingFile(raw, name);
    const reason = problem(text, path);
    if (reason) throw new ConfigError(`${name}: '${raw}' ${reason}`);
    return path;
  };
}

const certificateFile = checkedFile(certificatePemProblem);
const privateKeyFile = checkedFile(privateKeyPemProblem);
const kubeconfigFile = checkedFile((_text, path) => kubeconfigProblem(path));

/** Every setting, once. The order is the order of the README table. */
const SETTINGS: { [K in keyof Config]: Setting<K> } = {
  dataDir: { key: 'dataDir', flag: 'data-dir', env: 'PGO_DATA_DIR', meaning: 'where the embedded store, generated TLS material, kubeconfig and first-admin credentials live', default: './data', parse: dataDirectory },
  listen: { key: 'listen', flag: 'listen', env: 'PGO_LISTEN', meaning: 'address of the GraphQL + REST server (HTTPS)', default: '0.0.0.0:8443', parse: hostPort },
  kubeListen: { key: 'kubeListen', flag: 'kube-listen', env: 'PGO_KUBE_LISTEN', meaning: 'address of the embedded Kubernetes API (HTTPS)', default: '127.0.0.1:6443', parse: hostPort },
  kubeconfig: { key: 'kubeconfig', flag: 'kubeconfig', env: 'KUBECONFIG', meaning: 'use this cluster instead of the embedded one', default: undefined, parse: kubeconfigFile },
  namespaces: {
    key: 'namespaces',
    flag: 'namespaces',
    env: 'PGO_NAMESPACES',
    meaning: 'namespaces the server manages (comma list)',
    default: 'pgouser1,pgouser2',
    parse: (raw, name) => {
      const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (list.length === 0) throw new ConfigError(`${name}: must name at least one namespace`);
      return list.map((n) => namespaceName(n, name));
    },
  },
  operatorNamespace: { key: 'operatorNamespace', flag: 'operator-namespace', env: 'PGO_OPERATOR_NAMESPACE', meaning: 'where users, roles and the leader Lease live', default: 'pgo', parse: namespaceName },
  adminUsername: { key: 'adminUsername', env: 'PGO_ADMIN_USERNAME', meaning: 'the first administrator, created when none exists', default: 'pgoadmin', parse: pgouserName },
  adminPassword: { key: 'adminPassword', env: 'PGO_ADMIN_PASSWORD', meaning: "the first administrator's password", default: undefined, parse: oneLine },
  tls: { key: 'tls', flag: 'tls', env: 'PGO_TLS', meaning: '`false` serves plain HTTP (explicit opt-out only)', default: 'true', parse: (raw, name) => oneOf(['true', 'false', '1', '0'] as const)(raw, name) === 'true' || raw === '1' },
  tlsCert: { key: 'tlsCert', flag: 'tls-cert', env: 'PGO_TLS_CERT', meaning: "PEM certificate (chain) of the HTTPS server; unset: one signed by a CA generated in the data directory", default: undefined, parse: certificateFile },
  tlsKey: { key: 'tlsKey', flag: 'tls-key', env: 'PGO_TLS_KEY', meaning: 'PEM private key of `PGO_TLS_CERT` (set both or neither)', default: undefined, parse: privateKeyFile },
  tlsClientCa: { key: 'tlsClientCa', flag: 'tls-client-ca', env: 'PGO_TLS_CLIENT_CA', meaning: 'PEM CA bundle: when set, every client must present a certificate it signed (as pgo could require)', default: undefined, parse: certificateFile },
  mode: { key: 'mode', flag: 'mode', env: 'PGO_MODE', meaning: '`auto`: a kubeconfig or a service account means cluster, else embedded', default: 'auto', parse: oneOf(['auto', 'embedded', 'cluster'] as const) },
  logLevel: { key: 'logLevel', flag: 'log-level', env: 'PGO_LOG_LEVEL', meaning: 'trace, debug, info, warn or error', default: 'info', parse: oneOf(['trace', 'debug', 'info', 'warn', 'error'] as const) },
  introspection: { key: 'introspection', flag: 'introspection', env: 'PGO_INTROSPECTION', meaning: 'answer GraphQL introspection queries (the explorer and code generators need it)', default: 'true', parse: (raw, name) => oneOf(['true', 'false'] as const)(raw, name) === 'true' },
  maxSubscriptionsPerUser: { key: 'maxSubscriptionsPerUser', flag: 'max-subscriptions-per-user', env: 'PGO_MAX_SUBSCRIPTIONS_PER_USER', meaning: 'live GraphQL subscriptions one user may hold across its connections', default: '100', parse: integer(1, 100_000) },
  controllers: { key: 'controllers', flag: 'controllers', env: 'PGO_CONTROLLERS', meaning: '`false` serves the APIs only and never reconciles (another deployment runs the controllers)', default: 'true', parse: (raw, name) => oneOf(['true', 'false'] as const)(raw, name) === 'true' },
  runtimeDelayMs: { key: 'runtimeDelayMs', flag: 'runtime-delay-ms', env: 'PGO_RUNTIME_DELAY_MS', meaning: "embedded mode: how long the simulated node takes to start a pod and to run a job's pod, in milliseconds", default: '2000', parse: integer(0, 600_000) },
  watchWindow: { key: 'watchWindow', flag: 'watch-window', env: 'PGO_WATCH_WINDOW', meaning: 'events the embedded API keeps per kind for resuming watches (older: 410 Gone)', default: '1000', parse: integer(100, 5000) },
};

const ORDERED = Object.values(SETTINGS) as Setting<keyof Config>[];

function settingName(s: Setting<keyof Config>): string {
  return [s.env ? `\`${s.env}\`` : '', s.flag ? `\`--${s.flag}\`` : ''].filter(Boolean).join(' / ');
}

export function configTable(): string {
  const rows = ORDERED.map((s) => `| ${settingName(s)} | ${s.meaning} | ${s.default === undefined ? 'unset' : `\`${s.default}\``} |`);
  return ['| setting (env var / flag) | meaning | default |', '| --- | --- | --- |', ...rows].join('\n');
}

export function helpText(): string {
  const rows = [['flag', 'environment variable', ''], ...ORDERED.map((s) => [s.flag ? `--${s.flag}` : '', s.env ?? '', `${s.meaning}${s.default === undefined ? '' : ` (default ${s.default})`}`]), ['--help', '', 'print this and exit']];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = rows.map(([flag, env, meaning]) => `  ${flag.padEnd(widths[0])}  ${env.padEnd(widths[1])}  ${meaning}`.trimEnd());
  return ['Usage: npm start -- [flags]', '', ...lines, ''].join('\n');
}

export interface LoadedConfig extends Config {
  /** How each setting was given (its flag or environment variable), for messages about its value. */
  names: { [K in keyof Config]: string };
}

function parseFlags(argv: string[], strict: boolean): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of ORDERED) if (s.flag) options[s.flag] = { type: 'string' };
  return parseArgs({ args: argv, options, strict, allowPositionals: !strict }).values;
}

/** `--help` prints the settings whatever else is wrong with the command line or the environment. */
export function helpRequested(argv: string[]): boolean {
  return parseFlags(argv, false).help === true;
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): LoadedConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseFlags(argv, true);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    throw new ConfigError(unknown ? `unknown flag ${unknown[1]}` : message);
  }
  const config: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const s of ORDERED) {
    const fromFlag = s.flag ? values[s.flag] : undefined;
    const fromEnv = s.env ? env[s.env] : undefined;
    let raw: string | undefined;
    let name: string;
    if (typeof fromFlag === 'string') {
      raw = fromFlag;
      name = `--${s.flag}`;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      raw = fromEnv;
      name = String(s.env);
    } else {
      raw = s.default;
      name = s.env ?? `--${s.flag}`;
    }
    names[s.key] = name;
    config[s.key] = raw === undefined ? undefined : s.parse(raw, name);
  }
  const loaded = { ...config, names } as unknown as LoadedConfig;
  checkKeyPair(loaded);
  return loaded;
}

function checkKeyPair(config: LoadedConfig): void {
  const { tlsCert, tlsKey, names } = config;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError(`${names.tlsCert} and ${names.tlsKey}: set both or neither`);
  if (tlsCert === undefined || tlsKey === undefined) return;
  if (!keyMatchesCertificate(readFileSync(tlsCert, 'utf8'), readFileSync(tlsKey, 'utf8'))) {
    throw new ConfigError(`${names.tlsKey}: '${tlsKey}' is not the private key of the certificate in ${names.tlsCert} '${tlsCert}'`);
  }
}

/** Listen failures a configured address can cause, in the words of the start-up message. */
const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this host',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

export type ListenSetting = 'listen' | 'kubeListen';

/** A configured address the process could not listen on. */
export class ListenError extends Error {
  constructor(
    readonly setting: ListenSetting,
    readonly address: HostPort,
    readonly reason: string,
  ) {
    super(`${setting} ${formatHostPort(address)}: ${reason}`);
    this.name = 'ListenError';
  }
}

function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Awaits a server start, turning its failure to listen on `address` into a ListenError. */
export async function listeningOn<T>(setting: ListenSetting, address: HostPort, start: Promise<T>): Promise<T> {
  try {
    return await start;
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    const reason = code === undefined ? undefined : LISTEN_FAILURES[code];
    if (reason !== undefined && (syscall === 'listen' || syscall === 'getaddrinfo')) throw new ListenError(setting, address, reason);
    throw error;
  }
}

/** The one-line message for a listen failure, naming the setting as it was given. */
export function listenErrorMessage(error: ListenError, names: LoadedConfig['names']): string {
  return `${names[error.setting]} ${formatHostPort(error.address)}: ${error.reason}`;
}

/** Files that mean "this process runs in a pod" (the service account client-node reads). */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface ModeProbe {
  inPod: boolean;
}

export function defaultProbe(env: NodeJS.ProcessEnv = process.env): ModeProbe {
  return { inPod: Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(SERVICE_ACCOUNT_TOKEN) };
}

/** Which Kubernetes to use: the embedded server, a kubeconfig, or the pod's service account. */
export function resolveMode(config: Pick<Config, 'mode' | 'kubeconfig'>, probe: ModeProbe = defaultProbe()): 'embedded' | 'kubeconfig' | 'in-cluster' {
  if (config.mode === 'embedded') return 'embedded';
  if (config.kubeconfig) return 'kubeconfig';
  if (probe.inPod) return 'in-cluster';
  if (config.mode === 'cluster') throw new ConfigError('--mode cluster: no kubeconfig given (--kubeconfig / KUBECONFIG) and not running in a pod');
  return 'embedded';
}
