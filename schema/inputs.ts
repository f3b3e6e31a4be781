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

@InputType({ description: 'A label or parameter as key and value.' })
export class KeyValueInput {
  @Field(() => String)
  @Length(1, 317)
  key!: string;

  @Field(() => String)
  @MaxLength(63)
  value!: string;
}

@InputType({ description: 'Which clusters of a namespace an operation applies to: names (or "all"), or a label selector.' })
export class ClusterTargetInput {
  @Field(() => String)
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
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: 'A DNS-1035 label; not "all".' }) @Length(1, 63) name!: string;
  @Field(() => Int, { nullable: true, description: 'Replicas to create with it (pgo.yaml default when absent).' }) @IsOptional() @Min(0) @Max(MAX_REPLICAS_PER_REQUEST) replicaCount?: number;
  @Field(() => String, { nullable: true, description: 'Database image name (crunchy-postgres-ha).' }) @IsOptional() @MaxLength(253) image?: string;
  @Field(() => String, { nullable: true, description: 'Database image tag.' }) @IsOptional() @MaxLength(128) imageTag?: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(65535) port?: number;
  @Field(() => String, { nullable: true, description: 'The application database.' }) @IsOptional() @Length(1, 63) database?: string;
  @Field(() => String, { nullable: true, description: 'The application user.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) username?: string;
  @Field(() => String, { nullable: true, description: 'One password for postgres, primaryuser and the application user; generated when absent.' }) @IsOptional() @Length(8, 128) password?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml storage config for the primary.' }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(63) replicaStorageConfig?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(63) backrestStorageConfig?: string;
  @Field(() => String, { nullable: true, description: 'pgo.yaml container resources config.' }) @IsOptional() @MaxLength(63) resourcesConfig?: string;
  @Field(() => [KeyValueInput], { nullable: true, description: 'User labels, copied onto the cluster and its pods.' }) @IsOptional() @ArrayMaxSize(64) userLabels?: KeyValueInput[];
  @Field(() => [String], { nullable: true, description: 'Policies to apply once the primary is ready.' }) @IsOptional() @ArrayMaxSize(64) policies?: string[];
  @Field(() => String, { nullable: true, description: 'key=value: the node label the primary must run on.' }) @IsOptional() @Matches(KEY_VALUE, { message: '$property must be of the form key=value' }) nodeLabel?: string;
  @Field(() => String, { nullable: true, description: 'ClusterIP, NodePort or LoadBalancer.' }) @IsOptional() @IsIn(['ClusterIP', 'NodePort', 'LoadBalancer']) serviceType?: string;
  @Field(() => String, { nullable: true, description: 'pgBackRest repository type: local, s3 or local,s3.' }) @IsOptional() @IsIn(['local', 's3', 'local,s3', 's3,local']) backrestStorageType?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(253) backrestS3Bucket?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(253) backrestS3Region?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(253) backrestS3Endpoint?: string;
  @Field(() => String, { nullable: true, description: 'S3 access key for this cluster\'s repository, with backrestS3KeySecret; the operator\'s default credentials when absent.' }) @IsOptional() @Length(1, 256) backrestS3Key?: string;
  @Field(() => String, { nullable: true, description: 'The secret of backrestS3Key; stored in the <cluster>-backrest-repo-config Secret, never readable here.' }) @IsOptional() @Length(1, 256) backrestS3KeySecret?: string;
  @Field(() => String, { nullable: true, description: 'required, preferred or disabled.' }) @IsOptional() @IsIn(['required', 'preferred', 'disabled']) podAntiAffinity?: string;
  @Field(() => Boolean, { nullable: true }) @IsOptional() syncReplication?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Automatic failover (default on).' }) @IsOptional() autofail?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'The metrics sidecar.' }) @IsOptional() metrics?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'The pgBadger sidecar.' }) @IsOptional() badger?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Deploy pgBouncer.' }) @IsOptional() pgbouncer?: boolean;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) pgbouncerUser?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(8, 128) pgbouncerPassword?: string;
  @Field(() => String, { nullable: true, description: 'A ConfigMap with custom PostgreSQL/Patroni configuration.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) customConfig?: string;
  @Field(() => String, { nullable: true, description: 'Copy the user passwords of this cluster.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) secretFrom?: string;
  @Field(() => Int, { defaultValue: 1, description: 'How many clusters to create with these options; more than one are named <name>0, <name>1, … (4.2.4 --series).' }) @Min(1) @Max(MAX_CLUSTER_SERIES) series!: number;
}

@InputType({ description: 'Delete clusters; data and backups are removed unless kept.' })
export class DeleteClustersInput {
  @Field(() => ClusterTargetInput) target!: ClusterTargetInput;
  @Field(() => Boolean, { defaultValue: false, description: 'Keep the PVCs and secrets.' }) keepData!: boolean;
  @Field(() => Boolean, { defaultValue: false, description: 'Keep the pgBackRest repository.' }) keepBackups!: boolean;
}

@InputType()
export class UpdateClustersInput {
  @Field(() => ClusterTargetInput) target!: ClusterTargetInput;
  @Field(() => Boolean, { nullable: true, description: 'Turn automatic failover on or off.' }) @IsOptional() autofail?: boolean;
}

@InputType()
export class LabelClustersInput {
  @Field(() => ClusterTargetInput) target!: ClusterTargetInput;
  @Field(() => [KeyValueInput]) @ArrayMaxSize(64) labels!: KeyValueInput[];
}

@InputType()
export class UnlabelClustersInput {
  @Field(() => ClusterTargetInput) target!: ClusterTargetInput;
  @Field(() => [String]) @ArrayMaxSize(64) keys!: string[];
}

@InputType({ description: 'Add replicas to a cluster.' })
export class ScaleClusterInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => Int, { defaultValue: 1 }) @Min(1) @Max(MAX_REPLICAS_PER_REQUEST) replicaCount!: number;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(63) resourcesConfig?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(KEY_VALUE, { message: '$property must be of the form key=value' }) nodeLabel?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(128) imageTag?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsIn(['ClusterIP', 'NodePort', 'LoadBalancer']) serviceType?: string;
}

@InputType({ description: 'Remove one replica.' })
export class ScaleDownInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { description: 'The replica (Deployment) name.' }) replica!: string;
  @Field(() => Boolean, { defaultValue: false, description: 'Keep its PVC.' }) keepData!: boolean;
}

@InputType({ description: 'A pgBackRest backup.' })
export class BackrestBackupInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => BackrestBackupType, { nullable: true, description: 'full, incr or diff; pgBackRest decides when absent.' }) @IsOptional() type?: BackrestBackupType;
  @Field(() => String, { nullable: true, description: 'Extra pgBackRest options, e.g. --start-fast.' }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true, description: 'local, s3 or local,s3.' }) @IsOptional() @IsIn(['local', 's3', 'local,s3', 's3,local']) storageType?: string;
}

@InputType({ description: 'A logical backup with pg_dump.' })
export class PgdumpBackupInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { nullable: true, description: 'pg_dump options; --dump-all selects pg_dumpall.' }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) pvcName?: string;
}

@InputType({ description: 'Restore a cluster from its pgBackRest repository into a new primary PVC.' })
export class BackrestRestoreInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { nullable: true, description: 'The PVC to restore into; <cluster>-<4 letters> when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) toPvc?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true, description: 'Point-in-time target, with --type=time in options.' }) @IsOptional() @MaxLength(128) pitrTarget?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(KEY_VALUE, { message: '$property must be of the form key=value' }) nodeLabel?: string;
  @Field(() => String, { nullable: true, description: 'local or s3.' }) @IsOptional() @IsIn(['local', 's3']) storageType?: string;
}

@InputType({ description: 'Restore a pg_dump backup into a cluster.' })
export class PgdumpRestoreInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String) fromCluster!: string;
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) fromPvc!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(1024) options?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(128) pitrTarget?: string;
}

@InputType({ description: 'A policy: inline SQL or a URL to fetch it from.' })
export class CreatePolicyInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) name!: string;
  @Field(() => String, { nullable: true }) @IsOptional() sql?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(2048) url?: string;
}

@InputType()
export class ApplyPolicyInput {
  @Field(() => String) policy!: string;
  @Field(() => ClusterTargetInput) target!: ClusterTargetInput;
  @Field(() => Boolean, { defaultValue: false, description: 'Only report which Deployments would be labelled.' }) dryRun!: boolean;
}

@InputType({ description: 'Promote a replica to primary.' })
export class FailoverInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { description: 'The replica Deployment to promote.' }) target!: string;
}

@InputType({ description: 'A legacy pg_basebackup (4.2.4 kept the route; its CLI no longer offered it).' })
export class BasebackupInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(63) storageConfig?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) pvcName?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(1024) options?: string;
}

@InputType({ description: 'Add a pgBouncer connection pooler to a running cluster.' })
export class AddPgbouncerInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { nullable: true, description: 'The pgBouncer user; pgbouncer when absent.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) username?: string;
  @Field(() => String, { nullable: true, description: 'Generated when absent.' }) @IsOptional() @Length(8, 128) password?: string;
}

@InputType({ description: 'Move a cluster to another image tag of the same major version.' })
export class UpgradeClusterInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { nullable: true, description: 'The new database image tag; pgo.yaml CCPImageTag when absent.' }) @IsOptional() @Length(1, 128) imageTag?: string;
}

@InputType({ description: 'Copy a cluster into a new one through its pgBackRest repository.' })
export class CloneClusterInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String, { description: 'The cluster to copy.' }) source!: string;
  @Field(() => String, { description: 'The new cluster; it must not exist.' }) @Length(1, 63) target!: string;
  @Field(() => String, { nullable: true, description: 'Repository to copy from: local or s3.' }) @IsOptional() @IsIn(['local', 's3']) storageSource?: string;
}

@InputType({ description: 'A pgbench run against a cluster.' })
export class BenchmarkClusterInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(10_000) clients?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(1_000) jobs?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(100_000) scale?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(10_000_000) transactions?: number;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 63) database?: string;
  @Field(() => String, { nullable: true, description: 'A policy whose SQL is the custom transaction script.' }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) policy?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(1024) benchmarkOptions?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(1024) initOptions?: string;
}

@InputType({ description: 'Restore a legacy pg_basebackup into a new PVC.' })
export class BasebackupRestoreInput {
  @Field(() => String) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) namespace!: string;
  @Field(() => String) cluster!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE }) toPvc?: string;
  @Field(() => String, { nullable: true, description: 'A path the backup recorded; the newest when absent.' }) @IsOptional() @MaxLength(1024) backupPath?: string;
}
