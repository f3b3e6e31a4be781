/** Small types shared by several object types. */
import { Field, ObjectType } from 'type-graphql';
import type { PgContainerResources, PgStorageSpec } from '../src/domain/custom-resources.js';

@ObjectType({ description: 'A Kubernetes label or a key/value parameter.' })
export class KeyValue {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  value!: string;
}

export function keyValues(map: Record<string, string> | undefined): KeyValue[] {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
}

@ObjectType({ description: 'Storage settings for a PVC (4.2.4 PgStorageSpec).' })
export class Storage {
  @Field(() => String, { description: 'The PVC name, once the controllers have created it.' })
  pvcName!: string;

  @Field(() => String, { description: 'create, dynamic, existing or emptydir.' })
  storageType!: string;

  @Field(() => String)
  storageClass!: string;

  @Field(() => String)
  accessMode!: string;

  @Field(() => String, { description: 'Requested size, e.g. 1G.' })
  size!: string;
}

export function toStorage(spec: PgStorageSpec | undefined): Storage {
  return { pvcName: spec?.name ?? '', storageType: spec?.storagetype ?? '', storageClass: spec?.storageclass ?? '', accessMode: spec?.accessmode ?? '', size: spec?.size ?? '' };
}

@ObjectType({ description: 'CPU and memory for the database container; empty strings mean "not set".' })
export class ContainerResources {
  @Field(() => String)
  requestsMemory!: string;

  @Field(() => String)
  requestsCpu!: string;

  @Field(() => String)
  limitsMemory!: string;

  @Field(() => String)
  limitsCpu!: string;
}

export function toResources(r: PgContainerResources | undefined): ContainerResources {
  return { requestsMemory: r?.requestsmemory ?? '', requestsCpu: r?.requestscpu ?? '', limitsMemory: r?.limitsmemory ?? '', limitsCpu: r?.limitscpu ?? '' };
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}
