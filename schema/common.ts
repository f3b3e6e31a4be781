/** Small types shared by several object types. */
import { Field, ObjectType } from 'type-graphql';
import type { PgContainerResources, PgStorageSpec } from '../src/domain/custom-resources.js';

/** Descriptions of the identity fields every object type shares, written once. */
export const DOC = {
  id: 'The Kubernetes uid: stable for the life of the object, new if it is deleted and re-created.',
  namespace: 'The Kubernetes namespace it lives in.',
  resourceVersion: 'Opaque version of the object; changes on every write, compare only for equality.',
  createdAt: 'When it was created (RFC 3339).',
  labels: 'Its Kubernetes labels.',
  state: 'The controllers\' state string (`status.state`), as 4.2.4 wrote it.',
  stateMessage: 'The controllers\' last message about the state (`status.message`).',
} as const;

@ObjectType({ description: 'A Kubernetes label or a key/value parameter.' })
export class KeyValue {
  @Field(() => String, { description: 'The label key or parameter name.' })
  key!: string;

  @Field(() => String, { description: 'Its value; may be empty.' })
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

  @Field(() => String, { description: 'The Kubernetes StorageClass the PVC asks for; the cluster default when empty.' })
  storageClass!: string;

  @Field(() => String, { description: 'How the volume may be mounted, e.g. ReadWriteOnce.' })
  accessMode!: string;

  @Field(() => String, { description: 'Requested size, e.g. 1G.' })
  size!: string;
}

export function toStorage(spec: PgStorageSpec | undefined): Storage {
  return { pvcName: spec?.name ?? '', storageType: spec?.storagetype ?? '', storageClass: spec?.storageclass ?? '', accessMode: spec?.accessmode ?? '', size: spec?.size ?? '' };
}

@ObjectType({ description: 'CPU and memory for the database container; empty strings mean "not set".' })
export class ContainerResources {
  @Field(() => String, { description: 'Memory the scheduler reserves for the container, e.g. 512Mi.' })
  requestsMemory!: string;

  @Field(() => String, { description: 'CPU the scheduler reserves for the container, e.g. 500m.' })
  requestsCpu!: string;

  @Field(() => String, { description: 'Memory above which the container is killed.' })
  limitsMemory!: string;

  @Field(() => String, { description: 'CPU the container is throttled to.' })
  limitsCpu!: string;
}

export function toResources(r: PgContainerResources | undefined): ContainerResources {
  return { requestsMemory: r?.requestsmemory ?? '', requestsCpu: r?.requestscpu ?? '', limitsMemory: r?.limitsmemory ?? '', limitsCpu: r?.limitscpu ?? '' };
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'More items follow this page: ask again with after set to endCursor.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Items precede this page (an after cursor was given).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first item; null for an empty page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the last item, to pass as after for the next page; null for an empty page.' })
  endCursor!: string | null;
}
