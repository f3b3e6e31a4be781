/**
 * The `<cluster>-backrest-repo-config` Secret every PostgreSQL and repository pod mounts at /sshd:
 * a new SSH key pair, the SSH client and server settings, and the S3 credentials pgBackRest uses.
 */
import { stringify } from 'yaml';
import { SECRETS } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { LABELS, VENDOR } from './constants.js';
import type { ServiceContext } from './context.js';
import { names } from './naming.js';
import { generateSshKeyPair } from './ssh-keys.js';

/** The operator-namespace Secret 4.2.4 copied the S3 CA and default S3 credentials from. */
export const OPERATOR_REPO_SECRET = 'pgo-backrest-repo-config';
const S3_CREDENTIALS_KEY = 'aws-s3-credentials.yaml';
const S3_CA_KEY = 'aws-s3-ca.crt';
/** What pgo's conf/pgo-backrest-repo/aws-s3-credentials.yaml held: no key, no secret. */
const EMPTY_S3_CREDENTIALS = '---\naws-s3-key:\naws-s3-key-secret:\n';
const SSH_CLIENT_CONFIG = 'Host *\nStrictHostKeyChecking no\nIdentityFile /tmp/id_rsa\nPort 2022\nUser pgbackrest\n';
const SSHD_CONFIG = 'Port 2022\nHostKey /sshd/ssh_host_rsa_key\nPermitRootLogin no\nPasswordAuthentication no\nAuthorizedKeysFile /sshd/authorized_keys\nUsePAM no\n';

export interface S3Credentials {
  key: string;
  keySecret: string;
}

/** aws-s3-credentials.yaml as pgo 4.2.4 marshalled its AWSS3Secret. */
export function s3CredentialsYaml(credentials: S3Credentials): string {
  return stringify({ 'aws-s3-key': credentials.key, 'aws-s3-key-secret': credentials.keySecret });
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
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}
