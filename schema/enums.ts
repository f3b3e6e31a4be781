/** GraphQL enums for the 4.2.4 state strings and task types. */
import { registerEnumType } from 'type-graphql';
import { CLUSTER_STATES, REPLICA_STATES, TASK_TYPES } from '../src/domain/constants.js';

export enum ClusterState {
  CREATED = 'CREATED',
  PROCESSED = 'PROCESSED',
  INITIALIZED = 'INITIALIZED',
  RESTORING = 'RESTORING',
  UNKNOWN = 'UNKNOWN',
}

const CLUSTER_STATE_BY_TEXT: Record<string, ClusterState> = {
  [CLUSTER_STATES.created]: ClusterState.CREATED,
  [CLUSTER_STATES.processed]: ClusterState.PROCESSED,
  [CLUSTER_STATES.initialized]: ClusterState.INITIALIZED,
  [CLUSTER_STATES.restoring]: ClusterState.RESTORING,
};

export function clusterState(text: string | undefined): ClusterState {
  return (text && CLUSTER_STATE_BY_TEXT[text]) || ClusterState.UNKNOWN;
}

registerEnumType(ClusterState, {
  name: 'ClusterState',
  description: 'Where a cluster is in its life, from the 4.2.4 `status.state` string.',
  valuesConfig: {
    CREATED: { description: 'Requested; the controllers have not picked it up yet (`pgcluster Created`).' },
    PROCESSED: { description: 'Objects are being built; the primary is not initialised yet (`pgcluster Processed`).' },
    INITIALIZED: { description: 'Primary running and its bootstrap backup taken (`pgcluster Initialized`).' },
    RESTORING: { description: 'A pgBackRest restore is in progress (`pgcluster Restoring`).' },
    UNKNOWN: { description: 'A state this server does not know, or none yet.' },
  },
});

export enum ReplicaState {
  CREATED = 'CREATED',
  PENDING_INIT = 'PENDING_INIT',
  PENDING_RESTORE = 'PENDING_RESTORE',
  PROCESSED = 'PROCESSED',
  UNKNOWN = 'UNKNOWN',
}

const REPLICA_STATE_BY_TEXT: Record<string, ReplicaState> = {
  [REPLICA_STATES.created]: ReplicaState.CREATED,
  [REPLICA_STATES.pendingInit]: ReplicaState.PENDING_INIT,
  [REPLICA_STATES.pendingRestore]: ReplicaState.PENDING_RESTORE,
  [REPLICA_STATES.processed]: ReplicaState.PROCESSED,
};

export function replicaState(text: string | undefined): ReplicaState {
  return (text && REPLICA_STATE_BY_TEXT[text]) || ReplicaState.UNKNOWN;
}

registerEnumType(ReplicaState, {
  name: 'ReplicaState',
  description: 'Where a replica is in its life, from the 4.2.4 `status.state` string.',
  valuesConfig: {
    CREATED: { description: 'Requested, not yet picked up.' },
    PENDING_INIT: { description: 'Waiting for the cluster to be initialised before it is built.' },
    PENDING_RESTORE: { description: 'Waiting for a restore of its cluster to finish.' },
    PROCESSED: { description: 'Built.' },
    UNKNOWN: { description: 'A state this server does not know, or none yet.' },
  },
});

/** Task types as GraphQL enum values: the 4.2.4 string upper-cased with `-` as `_`. */
const enumName = (tasktype: string): string => tasktype.toUpperCase().replace(/-/g, '_');

export const TaskType = Object.fromEntries(Object.values(TASK_TYPES).map((v) => [enumName(v), v])) as Record<string, string>;

const TASK_TYPE_DOCS: Record<keyof typeof TASK_TYPES, string> = {
  addPgbouncer: 'Deploy a pgBouncer in front of a running cluster.',
  deletePgbouncer: 'Remove the pgBouncer of a cluster.',
  reconfigurePgbouncer: 'Re-create pgBouncer with fresh credentials after a user\'s password changed or the user was deleted.',
  updatePgbouncerAuths: 'Set up pgBouncer\'s database credentials once the primary of a new cluster is ready.',
  deleteBackups: 'Delete every Job of a cluster; defined in 4.2.4 but created by none of its components.',
  deleteData: 'Delete a cluster or a replica and, as asked, its data and backups (rmdata).',
  failover: 'Promote a chosen replica to primary.',
  autoFailover: 'Defined in 4.2.4 and ignored: automatic failover is Patroni\'s own.',
  addPolicies: 'Run policies\' SQL on a cluster and label it with them.',
  minorUpgrade: 'Move a cluster\'s instances to a new image tag, one by one.',
  workflow: 'The progress record of a long operation; its parameters are the steps.',
  backrest: 'A pgBackRest command (backup, info, stanza-create) run in the repository pod.',
  backrestRestore: 'A pgBackRest restore into a new primary volume.',
  pgdump: 'A logical backup with pg_dump or pg_dumpall.',
  pgrestore: 'Load a pg_dump backup into a cluster with pg_restore.',
  pgbasebackupRestore: 'Restore a legacy pg_basebackup into a new volume.',
  benchmark: 'A pgbench run against a cluster.',
  cloneStep1: 'Clone, step 1: copy the source\'s pgBackRest repository.',
  cloneStep2: 'Clone, step 2: restore the copy into the new cluster\'s volume.',
  cloneStep3: 'Clone, step 3: create the new cluster on the restored volume.',
};

registerEnumType(TaskType, {
  name: 'TaskType',
  description: 'The `tasktype` of a Pgtask: what the task asks the controllers to do.',
  valuesConfig: Object.fromEntries(Object.entries(TASK_TYPES).map(([key, value]) => [enumName(value), { description: TASK_TYPE_DOCS[key as keyof typeof TASK_TYPES] }])),
});

export enum BackrestBackupType {
  FULL = 'full',
  INCR = 'incr',
  DIFF = 'diff',
}

registerEnumType(BackrestBackupType, {
  name: 'BackrestBackupType',
  description: 'pgBackRest backup type.',
  valuesConfig: { FULL: { description: 'Everything.' }, INCR: { description: 'Changes since the last backup of any type.' }, DIFF: { description: 'Changes since the last full backup.' } },
});

export enum ChangeType {
  ADDED = 'ADDED',
  MODIFIED = 'MODIFIED',
  DELETED = 'DELETED',
  RESYNC = 'RESYNC',
}

registerEnumType(ChangeType, {
  name: 'ChangeType',
  description: 'What happened to an object, as its Kubernetes watch reported it.',
  valuesConfig: {
    ADDED: { description: 'The object appeared (or started matching the filter).' },
    MODIFIED: { description: 'The object changed.' },
    DELETED: { description: 'The object went away (or stopped matching the filter).' },
    RESYNC: { description: 'Events were lost (the resume point is too old or the client fell behind): re-read the current state with a query.' },
  },
});
