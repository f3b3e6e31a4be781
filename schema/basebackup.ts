import { Field, ID, ObjectType } from 'type-graphql';
import type { Pgbackup } from '../src/domain/custom-resources.js';
import { DOC, Storage, toStorage } from './common.js';

@ObjectType({ description: 'A legacy pg_basebackup of a cluster (a Pgbackup custom resource; one per cluster).' })
export class Basebackup {
  @Field(() => ID, { description: DOC.id }) id!: string;
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'Also the cluster name.' }) name!: string;
  @Field(() => String, { description: 'Job status: initial, Backup Job Submitted, … Backup Job Completed.' }) backupStatus!: string;
  @Field(() => String, { description: 'The PVC the backup is written to; the default when empty.' }) pvcName!: string;
  @Field(() => String, { description: 'Extra pg_basebackup options the backup runs with.' }) options!: string;
  @Field(() => Storage, { description: 'The storage settings of the backup PVC.' }) storage!: Storage;
  @Field(() => [String], { description: 'Backup paths recorded when jobs finished.' }) paths!: string[];
  @Field(() => String, { description: DOC.state }) state!: string;
  @Field(() => String, { description: DOC.resourceVersion }) resourceVersion!: string;
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
