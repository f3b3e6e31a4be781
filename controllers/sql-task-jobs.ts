/**
 * The Jobs of the SQL queue (src/domain/sql-tasks.ts): psql running a user task's statements as
 * `postgres` through the primary Service, and 4.2.4's pgo-load Job (pgo.load-template.json).
 */
import { LABELS, VENDOR } from '../src/domain/constants.js';
import type { Pgcluster, Pgtask } from '../src/domain/custom-resources.js';
import { LOAD_LABEL } from '../src/domain/load-service.js';
import { names } from '../src/domain/naming.js';
import type { PgoSettings } from '../src/domain/settings.js';
import { STATEMENT_KEYS } from '../src/domain/sql-tasks.js';
import type { KubeObject } from '../src/kube/resources.js';
import { primaryPsqlJob, secretEnv } from './templates.js';

export const USER_SQL_LABEL = 'pgo-user-sql';

/** One transaction: a role is created with its password and validity, or not at all. */
export function userSqlJob(cluster: Pgcluster, task: Pgtask, settings: PgoSettings): KubeObject {
  const name = task.metadata.name;
  return primaryPsqlJob(cluster, settings, {
    name,
    labels: { [USER_SQL_LABEL]: 'true' },
    secretEnv: [{ name: 'SQL', secret: name, key: STATEMENT_KEYS.sql }],
    script: 'printf "%s" "$SQL" | psql -X -v ON_ERROR_STOP=1 --single-transaction -f -',
  });
}

/** 4.2.4's fsGroup/supplementalGroups from the load config; none when neither is set. */
function securityContext(fsGroup: string, supplementalGroups: string): Record<string, unknown> {
  return {
    ...(fsGroup ? { fsGroup: Number(fsGroup) } : {}),
    ...(supplementalGroups ? { supplementalGroups: supplementalGroups.split(',').map(Number) } : {}),
  };
}

/** 4.2.4's load Job: the labels its template put on the pod, which Kubernetes also gave the Job. */
export function loadJob(cluster: Pgcluster, task: Pgtask): KubeObject {
  const p = task.spec.parameters ?? {};
  const clusterName = cluster.metadata.name;
  const name = task.metadata.name;
  const labels = { [LABELS.vendor]: VENDOR, [LOAD_LABEL]: 'true', [LABELS.pgCluster]: clusterName };
  const rootSecret = names.rootSecret(clusterName);
  const security = securityContext(p.FSGroup ?? '', p.SupplementalGroup ?? '');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: cluster.metadata.namespace, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { name, labels },
        spec: {
          volumes: [{ name: 'pgdata', persistentVolumeClaim: { claimName: p.PVCName ?? '' } }],
          ...(Object.keys(security).length > 0 ? { securityContext: security } : {}),
          serviceAccountName: 'pgo-backrest',
          containers: [
            {
              name: 'csvload',
              image: `${p.PGOImagePrefix ?? ''}/pgo-load:${p.PGOImageTag ?? ''}`,
              volumeMounts: [{ mountPath: '/pgdata', name: 'pgdata', readOnly: true }],
              env: [
                { name: 'TABLE_TO_LOAD', value: p.TableToLoad ?? '' },
                { name: 'FILE_PATH', value: p.FilePath ?? '' },
                { name: 'FILE_TYPE', value: p.FileType ?? '' },
                { name: 'DB_HOST', value: clusterName },
                { name: 'DB_DATABASE', value: p.DbDatabase ?? '' },
                secretEnv('DB_USER', rootSecret, 'username'),
                secretEnv('DB_PASS', rootSecret, 'password'),
                { name: 'DB_PORT', value: p.DbPort ?? '' },
              ],
            },
          ],
          restartPolicy: 'Never',
        },
      },
    },
  };
}
