import { Field, ID, ObjectType } from 'type-graphql';
import type { Pgbackup } from '../src/domain/custom-resources.js';
import { Storage, toStorage } from './common.js';

@ObjectType({ description: 'A legacy pg_basebackup of a cluster (a Pgbackup custom resource; one per cluster).' })
export class Basebackup {
  @Field(() => ID) id!: string;
  @Field(() => String) namespace!: string;
  @Field(() => String, { description: 'Also the cluster name.' }) name!: string;
  @Field(() => String, { description: 'Job status: initial, Backup Job Submitted, … Backup Job Completed.' }) backupStatus!: string;
  @Field(() => String, { description: 'The PVC the backup is written to; the default when empty.' }) pvcName!: string;
  @Field(() => String) options!: string;
  @Field(() => Storage) storage!: Storage;
  @Field(() => [String], { description: 'Backup paths recorded when jobs finished.' }) paths!: string[];
  @Field(() => String) state!: string;
  @Field(() => String) resourceVersion!: string;
}

export function toBasebackup(cr: Pgbackup): Basebackup {
  return {
    id: cr.metadata.uid ?? '',
    namespace: cr.metadata.namespace ?? '',
    name: cr.metadata.name,
    backupStatus: cr.spec.backupstatus ?? '',
    pvcName: cr.spec.backuppvc ?? '',
    options: cr.spec.backupopts ?? '',
    storage: toStorage(cr.spec.storagespec),
    paths: Object.keys(cr.spec.toc ?? {}).sort(),
    state: cr.status?.state ?? '',
    resourceVersion: cr.metadata.resourceVersion ?? '',
  };
}
