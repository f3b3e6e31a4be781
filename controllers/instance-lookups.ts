/**
 * What a database Deployment needs from the cluster's namespace before it can be rendered: the
 * custom configuration ConfigMap to project into `/pgconf`, and the S3 keys of the repo Secret.
 */
import type { CacheReader } from '../src/domain/context.js';
import type { Pgcluster } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import { CONFIGMAPS, SECRETS } from '../src/kube/resources.js';
import type { S3Credentials } from './database-pod.js';
import { usesS3 } from './database-pod.js';

/** The namespace-wide custom configuration 4.2.4 used when a cluster named none. */
export const GLOBAL_CUSTOM_CONFIG = 'pgo-custom-pg-config';
export const S3_CREDENTIALS_KEY = 'aws-s3-credentials.yaml';

export interface InstanceLookups {
  customConfig?: string;
  s3Credentials?: S3Credentials;
}

export function instanceLookups(cache: CacheReader, cluster: Pgcluster): InstanceLookups {
  const ns = cluster.metadata.namespace ?? '';
  const customConfig = [cluster.spec.customconfig, GLOBAL_CUSTOM_CONFIG].find((name) => name && cache.get(CONFIGMAPS, ns, name));
  const out: InstanceLookups = customConfig ? { customConfig } : {};
  if (usesS3(cluster)) {
    const data = cache.get(SECRETS, ns, names.backrestRepoSecret(cluster.metadata.name))?.data as Record<string, string> | undefined;
    const text = data?.[S3_CREDENTIALS_KEY] === undefined ? '' : Buffer.from(data[S3_CREDENTIALS_KEY], 'base64').toString('utf8');
    out.s3Credentials = { key: yamlScalar(text, 'aws-s3-key'), keySecret: yamlScalar(text, 'aws-s3-key-secret') };
  }
  return out;
}

/** A top-level `key: value` of the small YAML document the API writes (optionally quoted). */
function yamlScalar(text: string, key: string): string {
  for (const line of text.split('\n')) {
    const match = /^([\w-]+):\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === key) return match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return '';
}
