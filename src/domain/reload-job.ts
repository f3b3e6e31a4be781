/**
 * `pgo reload` without an exec into the primary: 4.2.4 asked Patroni on the primary pod to reload,
 * which ends in PostgreSQL re-reading its configuration. A Job connecting to the primary's Service
 * as `postgres` makes PostgreSQL do the same with pg_reload_conf(), the way the policy Jobs reach
 * the primary.
 */
import type { KubeObject } from '../kube/resources.js';
import { LABELS, VENDOR } from './constants.js';
import type { Pgcluster } from './custom-resources.js';
import { rand4 } from './naming.js';
import type { PgoSettings } from './settings.js';

/** Marks reload Jobs, so a new reload can replace a cluster's earlier ones. */
export const RELOAD_JOB_LABEL = 'pgo-reload';

export function reloadJob(cluster: Pgcluster, settings: PgoSettings, username: string): KubeObject {
  const name = cluster.metadata.name;
  const namespace = cluster.metadata.namespace ?? '';
  // Short enough for the `job-name` label its pod gets (63 characters).
  const jobName = `${name.slice(0, 48)}-reload-${rand4()}`;
  const labels = { [LABELS.vendor]: VENDOR, [LABELS.pgCluster]: name, [RELOAD_JOB_LABEL]: 'true', [LABELS.pgouser]: username };
  const env = [
    { name: 'PGHOST', value: name },
    { name: 'PGPORT', value: cluster.spec.port },
    { name: 'PGDATABASE', value: 'postgres' },
    { name: 'PGUSER', value: 'postgres' },
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: cluster.spec.rootsecretname, key: 'password' } } },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace,
      labels,
      // Removed with its cluster.
      ownerReferences: [{ apiVersion: cluster.apiVersion ?? 'crunchydata.com/v1', kind: cluster.kind ?? 'Pgcluster', name, uid: cluster.metadata.uid ?? '', blockOwnerDeletion: true }],
    },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'pgo-default',
          restartPolicy: 'Never',
          containers: [
            {
              name: 'reload',
              image: `${settings.ccpImagePrefix}/${cluster.spec.ccpimage || 'crunchy-postgres-ha'}:${cluster.spec.ccpimagetag}`,
              command: ['psql', '-v', 'ON_ERROR_STOP=1', '-Atc', 'SELECT pg_reload_conf()'],
              env,
            },
          ],
        },
      },
    },
  };
}
