/**
 * The constants of pgo 4.2.4 that clients, job images and database containers depend on: state
 * strings, task types, label keys, name suffixes and workflow step names. Each is written once
 * here, exactly as 4.2.4 spelt it (misspellings included).
 */

export const PGO_VERSION = '4.2.4';

export const CLUSTER_STATES = {
  created: 'pgcluster Created',
  processed: 'pgcluster Processed',
  initialized: 'pgcluster Initialized',
  restoring: 'pgcluster Restoring',
} as const;
export type ClusterState = (typeof CLUSTER_STATES)[keyof typeof CLUSTER_STATES];

export const REPLICA_STATES = {
  created: 'pgreplica Created',
  pendingInit: 'pgreplica Pending init',
  pendingRestore: 'pgreplica Pending restore',
  processed: 'pgreplica Processed',
} as const;

export const BACKUP_STATES = { created: 'pgbackup Created', processed: 'pgbackup Processed' } as const;
export const POLICY_STATES = { created: 'pgpolicy Created', processed: 'pgpolicy Processed' } as const;
export const TASK_STATES = { created: 'pgtask Created', processed: 'pgtask Processed' } as const;

/** The message the API wrote beside a `Created` state. */
export const CREATED_MESSAGE = 'Created, not processed yet';

/** Generic `spec.status` strings. */
export const SPEC_STATUS = {
  completed: 'completed',
  inProgress: 'in progress',
  submitted: 'submitted',
  jobCompleted: 'job completed',
  jobSubmitted: 'job submitted',
  jobError: 'job error',
  requested: 'requested',
} as const;

export const BACKUP_JOB_STATUS = {
  resubmitted: 'Backup Job Re-Submitted',
  submitted: 'Backup Job Submitted',
  inProgress: 'Backup Job In Progress',
  completed: 'Backup Job Completed',
  error: 'Backup Job Error',
} as const;

export const TASK_TYPES = {
  addPgbouncer: 'add-pgbouncer',
  deletePgbouncer: 'delete-pgbouncer',
  reconfigurePgbouncer: 'reconfigure-pgbouncer',
  updatePgbouncerAuths: 'update-pgbouncer-auths',
  deleteBackups: 'delete-backups',
  deleteData: 'delete-data',
  failover: 'failover',
  autoFailover: 'autofailover',
  addPolicies: 'addpolicies',
  minorUpgrade: 'minorupgradecluster',
  workflow: 'workflow',
  backrest: 'backrest',
  backrestRestore: 'restore',
  pgdump: 'pgdump',
  pgrestore: 'pgrestore',
  pgbasebackupRestore: 'pgbasebackuprestore',
  benchmark: 'benchmark',
  cloneStep1: 'clone-step1',
  cloneStep2: 'clone-step2',
  cloneStep3: 'clone-step3',
} as const;
export type TaskType = (typeof TASK_TYPES)[keyof typeof TASK_TYPES];

/** Suffixes of workflow task names: `<cluster>-<suffix>`. */
export const WORKFLOW_TYPES = {
  createCluster: 'createcluster',
  clone: 'cloneworkflow',
  createBenchmark: 'createbenchmark',
  backrestRestore: 'pgbackrestrestore',
  pgbasebackupRestore: 'pgbasebackuprestore',
  backup: 'backupworkflow',
} as const;

/** Workflow parameter keys: the step log. */
export const WORKFLOW_STEPS = {
  submitted: 'task submitted',
  completed: 'task completed',
  restoreJobCreated: 'restore job created',
  restorePrimaryCreated: 'restored Primary created',
  cloneCreatePvc: 'clone 1.1: create pvc',
  cloneSyncRepo: 'clone 1.2: sync pgbackrest repo',
  cloneRestoreBackup: 'clone 2: restoring backup',
  cloneClusterCreate: 'clone 3: cluster creating',
} as const;

export const BACKREST_COMMANDS = { backup: 'backup', info: 'info', restore: 'restore', stanzaCreate: 'stanza-create' } as const;
export const BACKREST_STORAGE_TYPES = ['local', 's3'] as const;
export const BACKUP_TYPES = { failover: 'failover', bootstrap: 'bootstrap' } as const;

/** Label keys that carry behaviour (config/labels.go). */
export const LABELS = {
  vendor: 'vendor',
  pgCluster: 'pg-cluster',
  name: 'name',
  pgClusterId: 'pg-cluster-id',
  pgouser: 'pgouser',
  workflowId: 'workflowid',
  serviceName: 'service-name',
  deploymentName: 'deployment-name',
  role: 'role',
  pghaScope: 'crunchy-pgha-scope',
  currentPrimary: 'current-primary',
  pgDatabase: 'pgo-pg-database',
  podAntiAffinity: 'pg-pod-anti-affinity',
  backrest: 'pgo-backrest',
  backrestJob: 'pgo-backrest-job',
  backrestCommand: 'backrest-command',
  backupType: 'pgha-backup-type',
  backrestRepo: 'pgo-backrest-repo',
  backrestRestore: 'pgo-backrest-restore',
  rmdata: 'pgrmdata',
  pgremove: 'pgremove',
  pgbackup: 'pgbackup',
  pgdump: 'pgdump',
  pgrestore: 'pgrestore',
  pgTask: 'pg-task',
  pgbouncer: 'crunchy-pgbouncer',
  autofail: 'autofail',
  badger: 'crunchy-pgbadger',
  collect: 'crunchy_collect',
  target: 'target',
  pgbouncerAdd: 'pgbouncer-add',
  pgbouncerDelete: 'pgbouncer-delete',
  minorUpgrade: 'minor-upgrade',
} as const;

export const VENDOR = 'crunchydata';

/** User-label keys (in `spec.userlabels`) that act as feature flags. */
export const USER_LABELS = {
  collect: 'crunchy_collect',
  serviceType: 'service-type',
  backrestStorageType: 'backrest-storage-type',
  archiveTimeout: 'archive-timeout',
  customConfig: 'custom-config',
  nodeLabelKey: 'NodeLabelKey',
  nodeLabelValue: 'NodeLabelValue',
  podAntiAffinity: 'pg-pod-anti-affinity',
  syncReplication: 'sync-replication',
  pgoVersion: 'pgo-version',
  ccpImageTag: 'ccp-image-tag',
  pgbouncerUser: 'pgbouncer-user',
  pgbouncerPassword: 'pgbouncer-password',
  pgbouncerSecret: 'pgbouncer-secret',
  workflowId: 'workflowid',
} as const;

export const SECRET_SUFFIXES = {
  root: '-postgres-secret',
  user: '-secret',
  primary: '-primaryuser-secret',
  collect: '-collect-secret',
  backrestRepo: '-backrest-repo-config',
} as const;

export const POD_ANTI_AFFINITY_TYPES = ['required', 'preferred', 'disabled'] as const;
export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export const STORAGE_TYPES = ['create', 'dynamic', 'existing', 'emptydir'] as const;

/** Patroni roles as the database container labels its pods. */
export const POD_ROLES = { primary: 'master', replica: 'replica', promoted: 'promoted' } as const;

/** The name pgo reserved for "every cluster"; never a valid cluster name. */
export const ALL = 'all';

/** A namespace's default custom PostgreSQL configuration: 4.2.4 recorded it on every cluster created beside it and mounted it when a cluster named none. */
export const GLOBAL_CUSTOM_CONFIG = 'pgo-custom-pg-config';
