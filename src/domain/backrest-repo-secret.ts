/**
 * The `<cluster>-backrest-repo-config` Secret every PostgreSQL and repository pod mounts at /sshd:
 * a new SSH key pair, the SSH client and server settings, and the S3 credentials pgBackRest uses.
 */
import { parse, stringify } from 'yaml';
import { SECRETS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { LABELS, VENDOR } from './constants.js';
import type { ServiceContext } from './context.js';
import { names } from './naming.js';
import { generateSshKeyPair } from './ssh-keys.js';

/** The operator-namespace Secret 4.2.4 copied the S3 CA and default S3 credentials from. */
export const OPERATOR_REPO_SECRET = 'pgo-backrest-repo-config';
export const S3_CREDENTIALS_KEY = 'aws-s3-credentials.yaml';
/**
 * The same key and secret again, each under its own Secret key, so pods read them through
 * `secretKeyRef` instead of carrying them as plain values in the Deployment (4.2.4 kept them only
 * inside the YAML file and its pods got them from there).
 */
export const S3_KEY_KEY = 'aws-s3-key';
export const S3_KEY_SECRET_KEY = 'aws-s3-key-secret';
const S3_CA_KEY = 'aws-s3-ca.crt';
/** What pgo's conf/pgo-backrest-repo/aws-s3-credentials.yaml held: no key, no secret. */
const EMPTY_S3_CREDENTIALS = '---\naws-s3-key:\naws-s3-key-secret:\n';
const SSH_CLIENT_CONFIG = 'Host *\nStrictHostKeyChecking no\nIdentityFile /tmp/id_rsa\nPort 2022\nUser pgbackrest\n';
const SSHD_CONFIG = 'Port 2022\nHostKey /sshd/ssh_host_rsa_key\nPermitRootLogin no\nPasswordAuthentication no\nAuthorizedKeysFile /sshd/authorized_keys\nUsePAM no\n';

export interface S3Credentials {
  key: string;
  keySecret: string;
}

/** The credentials in a repo Secret's aws-s3-credentials.yaml (empty when absent or unreadable). */
export function s3CredentialsOf(data: Record<string, string> | undefined): S3Credentials {
  const text = data?.[S3_CREDENTIALS_KEY] === undefined ? '' : Buffer.from(data[S3_CREDENTIALS_KEY], 'base64').toString('utf8');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    doc = undefined;
  }
  const field = (key: string): string => {
    const value = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  };
  return { key: field(S3_KEY_KEY), keySecret: field(S3_KEY_SECRET_KEY) };
}

/** The Secret data keys that let pods reference the credentials one by one. */
function s3CredentialKeys(credentials: S3Credentials): Record<string, string> {
  return { [S3_KEY_KEY]: Buffer.from(credentials.key).toString('base64'), [S3_KEY_SECRET_KEY]: Buffer.from(credentials.keySecret).toString('base64') };
}

/** aws-s3-credentials.yaml as pgo 4.2.4 marshalled its AWSS3Secret. */
export function s3CredentialsYaml(credentials: S3Credentials): string {
  return stringify({ [S3_KEY_KEY]: credentials.key, [S3_KEY_SECRET_KEY]: credentials.keySecret });
}

function operatorValue(ctx: ServiceContext, key: string): string | undefined {
  const data = ctx.cache.get(SECRETS, ctx.operatorNamespace, OPERATOR_REPO_SECRET)?.data as Record<string, string> | undefined;
  return data?.[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8');
}

/**
 * The Secret for a new cluster. Credentials given with the request win; otherwise, as in 4.2.4,
 * the operator namespace's defaults are copied (empty when that Secret is absent).
 */
export async function backrestRepoSecret(ctx: ServiceContext, namespace: string, cluster: string, credentials: S3Credentials | undefined): Promise<KubeObject> {
  const keys = await generateSshKeyPair(`${cluster}-backrest-repo`);
  const data: Record<string, string> = {
    authorized_keys: keys.authorizedKey,
    id_rsa: keys.privateKeyPem,
    ssh_host_rsa_key: keys.privateKeyPem,
    config: SSH_CLIENT_CONFIG,
    sshd_config: SSHD_CONFIG,
    [S3_CA_KEY]: operatorValue(ctx, S3_CA_KEY) ?? '',
    [S3_CREDENTIALS_KEY]: credentials ? s3CredentialsYaml(credentials) : (operatorValue(ctx, S3_CREDENTIALS_KEY) ?? EMPTY_S3_CREDENTIALS),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: names.backrestRepoSecret(cluster), namespace, labels: { [LABELS.pgCluster]: cluster, [LABELS.vendor]: VENDOR, [LABELS.backrestRepo]: 'true' } },
    type: 'Opaque',
    data: withS3CredentialKeys(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))),
  };
}

/** Secret data with the per-key S3 credentials added from its YAML file (a no-op when present). */
export function withS3CredentialKeys(data: Record<string, string>): Record<string, string> {
  if (data[S3_KEY_KEY] !== undefined && data[S3_KEY_SECRET_KEY] !== undefined) return data;
  return { ...data, ...s3CredentialKeys(s3CredentialsOf(data)) };
}
