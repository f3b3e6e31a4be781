/**
 * The pgBackRest tasks the controllers create themselves (reference §5.7): stanza-create at first
 * primary readiness, and the `backrest-backup-<cluster>` task of a bootstrap (`--type=full`) or
 * failover backup.
 */
import { BACKREST_COMMANDS, LABELS, TASK_TYPES, USER_LABELS } from '../src/domain/constants.js';
import type { Pgcluster, Pgtask } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import { taskObject } from '../src/domain/task-factory.js';
import { withOwner } from './kube-helpers.js';

export type ControllerBackupType = 'bootstrap' | 'failover';

function storageType(cluster: Pgcluster): string {
  return cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] ?? '';
}

/** Owned by the cluster: they record its bootstrap and go with it. */
export function stanzaCreateTask(cluster: Pgcluster, repoPod: string): Pgtask {
  const name = `${cluster.metadata.name}-stanza-create`;
  return withOwner(taskObject({
    namespace: cluster.metadata.namespace ?? '',
    name,
    tasktype: TASK_TYPES.backrest,
    labels: { [LABELS.pgCluster]: cluster.metadata.name },
    parameters: { 'job-name': name, 'pg-cluster': cluster.metadata.name, podname: repoPod, containername: 'pgo-backrest-repo', 'backrest-command': BACKREST_COMMANDS.stanzaCreate, 'backrest-opts': '', 'backrest-storage-type': storageType(cluster) },
  }), cluster);
}

export function backupTask(cluster: Pgcluster, repoPod: string, type: ControllerBackupType, extra: Record<string, string> = {}): Pgtask {
  const name = names.backrestBackupTask(cluster.metadata.name);
  const labels: Record<string, string> = { [LABELS.pgCluster]: cluster.metadata.name };
  for (const key of [LABELS.pgouser, LABELS.pgClusterId]) if (cluster.metadata.labels?.[key]) labels[key] = cluster.metadata.labels[key];
  const task = taskObject({
    namespace: cluster.metadata.namespace ?? '',
    name,
    tasktype: TASK_TYPES.backrest,
    labels,
    parameters: {
      'job-name': name,
      'pg-cluster': cluster.metadata.name,
      podname: repoPod,
      containername: 'database',
      'backrest-command': BACKREST_COMMANDS.backup,
      'backrest-opts': type === 'bootstrap' ? '--type=full' : '',
      'backrest-storage-type': storageType(cluster),
      [LABELS.backupType]: type,
      ...extra,
    },
  });
  // The bootstrap backup, like stanza-create, belongs to the cluster; a failover backup is a backup like a requested one.
  return type === 'bootstrap' ? withOwner(task, cluster) : task;
}
