/**
 * Mutation inputs. Shapes and limits are checked here (class-validator, reported as
 * BAD_USER_INPUT naming the field); the rules of the domain (does it exist, is it allowed) are
 * checked once, in src/domain.
 */
import { ArrayMaxSize, IsIn, IsOptional, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { MAX_CLUSTER_SERIES } from '../src/domain/cluster-service.js';
import { BackrestBackupType } from './enums.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MESSAGE = '$property must be a lowercase DNS label (a-z, 0-9, -)';
const KEY_VALUE = /^[^=\s]+=[^=\s]+$/;
/** Upper bound on a replica count in one request: more is a typo, not a plan. */
export const MAX_REPLICAS_PER_REQUEST = 32;
const NAMESPACE_DOC = 'The namespace of the cluster; one this server manages.';
const CLUSTER_DOC = 'The name of the cluster to act on.';

@InputType({ description: 'A label or parameter as key and value.' })
export class KeyValueInput {
  @Field(() => String, { description: 'The label key (an optional DNS prefix and a name) or parameter name.' })
  @Length(1, 317)
  key!: string;

  @Field(() => String, { description: 'The value: up to 63 characters.' })
  @MaxLength(63)
  value!: string;
}

@InputType({ description: 'Which clusters of a namespace an operation applies to: names (or "all"), or a label selector.' })
export class ClusterTargetInput {
  @Field(() => String, { description: 'The namespace the clusters live in.' })
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  namespace!: string;

  @Field(() => [String], { nullable: true, description: 'Cluster names; ["all"] means every cluster of the namespace.' })
  @IsOptional()
  @ArrayMaxSize(1000)
  names?: string[];

  @Field(() => String, { nullable: true, description: 'A Kubernetes label selector, e.g. "env=prod,tier!=batch".' })
  @IsOptional()
  @MaxLength(1024)
  selector?: string;
}

@InputType({ description: 'A new cluster, with the options pgo 4.2.4 accepted.' })
export class CreateClusterInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: 'A DNS-1035 label; not "all".' }) @Length(1, 63) name!: string;
  @Field(() => Int, { nullable: true, description: 'Replicas to create with it (pgo.yaml default when absent).' }) @IsOptional() @Min(0) @Max(MAX_REPLICAS_PER_REQUEST) replicaCount?: number;
  @Field(() => String, { nullable: true, description: 'Database image name (crunchy-postgres-ha).' }) @IsOptional() @MaxLength(253) image?: string;
  @Field(() => String, { nullable: true, description: 'Database image tag.' }) @IsOptional() @MaxLength(128) imageTag?: string;
  @Field(() => Int, { nullable: true, description: 'The PostgreSQL port (pgo.yaml default 5432).' }) @IsOptional() @Min(1) @Max(65535) port?: number;
  @Field(() => String, { nullable: true, description: 'The application database.' }) @IsOptional() @Length(1, 63) database?: string;
  @Field(() => String, { nullable: true, description: 'The application user.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) username?: string;
  @Field(() => String, { nullable: true, description: 'One password for postgres, primaryuser and the application user; generated when absent.' }) @IsOptional() @Length(8, 128) password?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml storage config for the primary.' }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml storage config for the replicas.' }) @IsOptional() @MaxLength(63) replicaStorageConfig?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml storage config for the pgBackRest repository.' }) @IsOptional() @MaxLength(63) backrestStorageConfig?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml container resources config.' }) @IsOptional() @MaxLength(63) resourcesConfig?: string;
  @Field(() => [KeyValueInput], { nullable: true, description: 'User labels, copied onto the cluster and its pods.' }) @IsOptional() @ArrayMaxSize(64) userLabels?: KeyValueInput[];
  @Field(() => [String], { nullable: true, description: 'Policies to apply once the primary is ready.' }) @IsOptional() @ArrayMaxSize(64) policies?: string[];
  @Field(() => String, { nullable: true, description: 'key=value: the node label the primary must run on.' }) @IsOptional() @Matches(KEY_VALUE, { message: '$property must be of the form key=value' }) nodeLabel?: string;
  @Field(() => String, { nullable: true, description: 'ClusterIP, NodePort or LoadBalancer.' }) @IsOptional() @IsIn(['ClusterIP', 'NodePort', 'LoadBalancer']) serviceType?: string;
  @Field(() => String, { nullable: true, description: 'pgBackRest repository type: local, s3 or local,s3.' }) @IsOptional() @IsIn(['local', 's3', 'local,s3', 's3,local']) backrestStorageType?: string;
  @Field(() => String, { nullable: true, description: 'The S3 bucket of the repository (pgo.yaml default when absent).' }) @IsOptional() @MaxLength(253) backrestS3Bucket?: string;
  @Field(() => String, { nullable: true, description: 'The S3 region of the bucket (pgo.yaml default when absent).' }) @IsOptional() @MaxLength(253) backrestS3Region?: string;
  @Field(() => String, { nullable: true, description: 'The S3 endpoint host, e.g. s3.amazonaws.com (pgo.yaml default when absent).' }) @IsOptional() @MaxLength(253) backrestS3Endpoint?: string;
  @Field(() => String, { nullable: true, description: 'S3 access key for this cluster\'s repository, with backrestS3KeySecret; the operator\'s default credentials when absent.' }) @IsOptional() @Length(1, 256) backrestS3Key?: string;
  @Field(() => String, { nullable: true, description: 'The secret of backrestS3Key; stored in the <cluster>-backrest-repo-config Secret, never readable here.' }) @IsOptional() @Length(1, 256) backrestS3KeySecret?: string;
  @Field(() => String, { nullable: true, description: 'required, preferred or disabled.' }) @IsOptional() @IsIn(['required', 'preferred', 'disabled']) podAntiAffinity?: string;
  @Field(() => Boolean, { nullable: true, description: 'Commits wait for a replica to confirm them (Patroni synchronous mode).' }) @IsOptional() syncReplication?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Automatic failover (default on).' }) @IsOptional() autofail?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'The metrics sidecar.' }) @IsOptional() metrics?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'The pgBadger sidecar.' }) @IsOptional() badger?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Deploy pgBouncer.' }) @IsOptional() pgbouncer?: boolean;
  @Field(() => String, { nullable: true, description: 'The user pgBouncer connects as; pgbouncer when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) pgbouncerUser?: string;
  @Field(() => String, { nullable: true, description: 'The pgBouncer user\'s password; generated when absent.' }) @IsOptional() @Length(8, 128) pgbouncerPassword?: string;
  @Field(() => String, { nullable: true, description: 'A ConfigMap with custom PostgreSQL/Patroni configuration.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) customConfig?: string;
  @Field(() => String, { nullable: true, description: 'Copy the user passwords of this cluster.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) secretFrom?: string;
  @Field(() => Int, { defaultValue: 1, description: 'How many clusters to create with these options; more than one are named <name>0, <name>1, … (4.2.4 --series).' }) @Min(1) @Max(MAX_CLUSTER_SERIES) series!: number;
}

@InputType({ description: 'Delete clusters; data and backups are removed unless kept.' })
export class DeleteClustersInput {
  @Field(() => ClusterTargetInput, { description: 'The clusters to delete.' }) target!: ClusterTargetInput;
  @Field(() => Boolean, { defaultValue: false, description: 'Keep the PVCs and secrets.' }) keepData!: boolean;
  @Field(() => Boolean, { defaultValue: false, description: 'Keep the pgBackRest repository.' }) keepBackups!: boolean;
}

@InputType({ description: 'Change options of running clusters (4.2.4 `pgo update cluster`).' })
export class UpdateClustersInput {
  @Field(() => ClusterTargetInput, { description: 'The clusters to change.' }) target!: ClusterTargetInput;
  @Field(() => Boolean, { nullable: true, description: 'Turn automatic failover on or off.' }) @IsOptional() autofail?: boolean;
}

@InputType({ description: 'Labels to add to clusters and their Deployments (4.2.4 `pgo label`).' })
export class LabelClustersInput {
  @Field(() => ClusterTargetInput, { description: 'The clusters to label.' }) target!: ClusterTargetInput;
  @Field(() => [KeyValueInput], { description: 'The labels to set; an existing key takes the new value.' }) @ArrayMaxSize(64) labels!: KeyValueInput[];
}

@InputType({ description: 'Labels to remove from clusters and their Deployments (4.2.4 `pgo label --delete-label`).' })
export class UnlabelClustersInput {
  @Field(() => ClusterTargetInput, { description: 'The clusters to unlabel.' }) target!: ClusterTargetInput;
  @Field(() => [String], { description: 'The label keys to remove; at least one.' }) @ArrayMaxSize(64) keys!: string[];
}

@InputType({ description: 'Add replicas to a cluster.' })
export class ScaleClusterInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => Int, { defaultValue: 1, description: 'How many replicas to add.' }) @Min(1) @Max(MAX_REPLICAS_PER_REQUEST) replicaCount!: number;
  @Field(() => String, { nullable: true, description: 'pgo.yaml storage config for the new replicas; the cluster\'s replica storage when absent.' }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml container resources config for the new replicas.' }) @IsOptional() @MaxLength(63) resourcesConfig?: string;
  @Field(() => String, { nullable: true, description: 'key=value: the node label the new replicas must run on.' }) @IsOptional() @Matches(KEY_VALUE, { message: '$property must be of the form key=value' }) nodeLabel?: string;
  @Field(() => String, { nullable: true, description: 'Database image tag for the new replicas; the cluster\'s when absent.' }) @IsOptional() @MaxLength(128) imageTag?: string;
  @Field(() => String, { nullable: true, description: 'ClusterIP, NodePort or LoadBalancer for the replica Service.' }) @IsOptional() @IsIn(['ClusterIP', 'NodePort', 'LoadBalancer']) serviceType?: string;
}

@InputType({ description: 'Remove one replica.' })
export class ScaleDownInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { description: 'The replica (Deployment) name.' }) replica!: string;
  @Field(() => Boolean, { defaultValue: false, description: 'Keep its PVC.' }) keepData!: boolean;
}

@InputType({ description: 'A pgBackRest backup.' })
export class BackrestBackupInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => BackrestBackupType, { nullable: true, description: 'full, incr or diff; pgBackRest decides when absent.' }) @IsOptional() type?: BackrestBackupType;
  @Field(() => String, { nullable: true, description: 'Extra pgBackRest options, e.g. --start-fast.' }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true, description: 'local, s3 or local,s3.' }) @IsOptional() @IsIn(['local', 's3', 'local,s3', 's3,local']) storageType?: string;
}

@InputType({ description: 'A logical backup with pg_dump.' })
export class PgdumpBackupInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { nullable: true, description: 'pg_dump options; --dump-all selects pg_dumpall.' }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml storage config for the dump PVC; the backup storage when absent.' }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true, description: 'The PVC the dump is written to; <cluster>-pgdump-pvc when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) pvcName?: string;
}

@InputType({ description: 'Restore a cluster from its pgBackRest repository into a new primary PVC.' })
export class BackrestRestoreInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { nullable: true, description: 'The PVC to restore into; <cluster>-<4 letters> when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) toPvc?: string;
  @Field(() => String, { nullable: true, description: 'Extra pgBackRest restore options, e.g. --type=time.' }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true, description: 'Point-in-time target, with --type=time in options.' }) @IsOptional() @MaxLength(128) pitrTarget?: string;
  @Field(() => String, { nullable: true, description: 'key=value: the node label the restored primary must run on.' }) @IsOptional() @Matches(KEY_VALUE, { message: '$property must be of the form key=value' }) nodeLabel?: string;
  @Field(() => String, { nullable: true, description: 'local or s3.' }) @IsOptional() @IsIn(['local', 's3']) storageType?: string;
}

@InputType({ description: 'Restore a pg_dump backup into a cluster.' })
export class PgdumpRestoreInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { description: 'The cluster whose dump is restored.' }) fromCluster!: string;
  @Field(() => String, { description: 'The PVC holding the dump, e.g. <cluster>-pgdump-pvc.' }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) fromPvc!: string;
  @Field(() => String, { nullable: true, description: 'Extra pg_restore options.' }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true, description: 'The dump to restore, by its backup timestamp; the newest when absent.' }) @IsOptional() @MaxLength(128) pitrTarget?: string;
}

@InputType({ description: 'A policy: inline SQL or a URL to fetch it from.' })
export class CreatePolicyInput {
  @Field(() => String, { description: 'The namespace the policy is kept in; it applies to clusters of that namespace.' }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: 'The policy name; it becomes a label key on the clusters it is applied to.' }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) name!: string;
  @Field(() => String, { nullable: true, description: 'The SQL to run, as postgres on database postgres; give this or url.' }) @IsOptional() sql?: string;
  @Field(() => String, { nullable: true, description: 'An http(s) URL the SQL is fetched from each time it is applied; give this or sql.' }) @IsOptional() @MaxLength(2048) url?: string;
}

@InputType({ description: 'Apply a policy to running clusters (4.2.4 `pgo apply`).' })
export class ApplyPolicyInput {
  @Field(() => String, { description: 'The policy to apply, from the target\'s namespace.' }) policy!: string;
  @Field(() => ClusterTargetInput, { description: 'The clusters to apply it to.' }) target!: ClusterTargetInput;
  @Field(() => Boolean, { defaultValue: false, description: 'Only report which Deployments would be labelled.' }) dryRun!: boolean;
}

@InputType({ description: 'Promote a replica to primary.' })
export class FailoverInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { description: 'The replica Deployment to promote.' }) target!: string;
}

@InputType({ description: 'A legacy pg_basebackup (4.2.4 kept the route; its CLI no longer offered it).' })
export class BasebackupInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml storage config for the backup PVC; the backup storage when absent.' }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true, description: 'The PVC the backup is written to; <cluster>-backup when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) pvcName?: string;
  @Field(() => String, { nullable: true, description: 'Extra pg_basebackup options.' }) @IsOptional() @MaxLength(1024) options?: string;
}

@InputType({ description: 'Add a pgBouncer connection pooler to a running cluster.' })
export class AddPgbouncerInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { nullable: true, description: 'The pgBouncer user; pgbouncer when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) username?: string;
  @Field(() => String, { nullable: true, description: 'Generated when absent.' }) @IsOptional() @Length(8, 128) password?: string;
}

@InputType({ description: 'Move a cluster to another image tag of the same major version.' })
export class UpgradeClusterInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { nullable: true, description: 'The new database image tag; pgo.yaml CCPImageTag when absent.' }) @IsOptional() @Length(1, 128) imageTag?: string;
}

@InputType({ description: 'Copy a cluster into a new one through its pgBackRest repository.' })
export class CloneClusterInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: 'The cluster to copy.' }) source!: string;
  @Field(() => String, { description: 'The new cluster; it must not exist.' }) @Length(1, 63) target!: string;
  @Field(() => String, { nullable: true, description: 'Repository to copy from: local or s3.' }) @IsOptional() @IsIn(['local', 's3']) storageSource?: string;
}

@InputType({ description: 'A pgbench run against a cluster.' })
export class BenchmarkClusterInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => Int, { nullable: true, description: 'Concurrent database sessions pgbench opens (default 1).' }) @IsOptional() @Min(1) @Max(10_000) clients?: number;
  @Field(() => Int, { nullable: true, description: 'pgbench worker threads (default 1).' }) @IsOptional() @Min(1) @Max(1_000) jobs?: number;
  @Field(() => Int, { nullable: true, description: 'Scale factor of the test tables: 100,000 accounts per unit (default 1).' }) @IsOptional() @Min(1) @Max(100_000) scale?: number;
  @Field(() => Int, { nullable: true, description: 'Transactions each client runs (default 1).' }) @IsOptional() @Min(1) @Max(10_000_000) transactions?: number;
  @Field(() => String, { nullable: true, description: 'The database to run against; postgres when absent.' }) @IsOptional() @Length(1, 63) database?: string;
  @Field(() => String, { nullable: true, description: 'A policy whose SQL is the custom transaction script.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) policy?: string;
  @Field(() => String, { nullable: true, description: 'Extra options for the pgbench run.' }) @IsOptional() @MaxLength(1024) benchmarkOptions?: string;
  @Field(() => String, { nullable: true, description: 'Extra options for pgbench --initialize.' }) @IsOptional() @MaxLength(1024) initOptions?: string;
}

@InputType({ description: 'Restore a legacy pg_basebackup into a new PVC.' })
export class BasebackupRestoreInput {
  @Field(() => String, { description: NAMESPACE_DOC }) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: CLUSTER_DOC }) cluster!: string;
  @Field(() => String, { nullable: true, description: 'The new PVC to restore into; <cluster>-<4 letters> when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) toPvc?: string;
  @Field(() => String, { nullable: true, description: 'A path the backup recorded; the newest when absent.' }) @IsOptional() @MaxLength(1024) backupPath?: string;
}
