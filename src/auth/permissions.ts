/**
 * pgo 4.2.4's permission names (apiserver/perms.go): a pgorole grants a comma list of them, or `*`
 * for all. Every REST route and GraphQL operation checks one.
 */
export const ALL_PERMISSIONS = '*';

export const PERMISSIONS = [
  'ApplyPolicy', 'Cat', 'Clone', 'DfCluster', 'Label', 'Load', 'Ls', 'Reload', 'Restore', 'Status', 'TestCluster', 'Version',
  'CreateBackup', 'CreateBenchmark', 'CreateDump', 'CreateCluster', 'CreateFailover', 'CreateIngest', 'CreatePgbouncer', 'CreatePolicy', 'CreateSchedule', 'CreateUpgrade', 'CreateUser', 'CreatePgouser', 'CreatePgorole', 'CreateNamespace',
  'RestoreDump', 'RestorePgbasebackup',
  'DeleteBackup', 'DeleteBenchmark', 'DeleteCluster', 'DeleteIngest', 'DeletePgbouncer', 'DeletePolicy', 'DeleteSchedule', 'DeleteUser', 'DeletePgouser', 'DeletePgorole', 'DeleteNamespace',
  'ShowBackup', 'ShowBenchmark', 'ShowCluster', 'ShowConfig', 'ShowNamespace', 'ShowIngest', 'ShowPolicy', 'ShowPVC', 'ShowUser', 'ShowWorkflow', 'ShowSchedule', 'ShowSecrets', 'ShowPgouser', 'ShowPgorole',
  'UpdateCluster', 'UpdatePgouser', 'UpdateUser', 'UpdatePgorole', 'UpdateNamespace',
  'ScaleCluster',
] as const;

export type Permission = (typeof PERMISSIONS)[number];
