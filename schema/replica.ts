import { Field, ID, ObjectType } from 'type-graphql';
import type { Pgreplica } from '../src/domain/custom-resources.js';
import { ContainerResources, DOC, KeyValue, keyValues, Storage, toResources, toStorage } from './common.js';
import { ReplicaState, replicaState } from './enums.js';

@ObjectType({ description: 'A replica of a cluster (a Pgreplica custom resource): one more PostgreSQL instance streaming from the primary.' })
export class Replica {
  @Field(() => ID, { description: DOC.id }) id!: string;
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'Also the name of its Deployment and PVC.' }) name!: string;
  @Field(() => String, { description: 'The cluster it belongs to.' }) clusterName!: string;
  @Field(() => String, { description: DOC.resourceVersion }) resourceVersion!: string;
  @Field(() => String, { description: DOC.createdAt }) createdAt!: string;
  @Field(() => ReplicaState, { description: 'Where the replica is in its life.' }) state!: ReplicaState;
  @Field(() => String, { description: DOC.stateMessage }) stateMessage!: string;
  @Field(() => Boolean, { description: 'The controllers have built its Deployment.' }) built!: boolean;
  @Field(() => Storage, { description: 'Storage of its data volume.' }) storage!: Storage;
  @Field(() => ContainerResources, { description: 'CPU and memory of its database container.' }) resources!: ContainerResources;
  @Field(() => [KeyValue], { description: DOC.labels }) labels!: KeyValue[];
}

export function toReplica(cr: Pgreplica): Replica {
  return {
    id: cr.metadata.uid ?? '',
    namespace: cr.metadata.namespace ?? '',
    name: cr.metadata.name,
    clusterName: cr.spec.clustername ?? '',
    resourceVersion: cr.metadata.resourceVersion ?? '',
    createdAt: cr.metadata.creationTimestamp ?? '',
    state: replicaState(cr.status?.state),
    stateMessage: cr.status?.message ?? '',
    built: cr.spec.status === 'completed',
    storage: toStorage(cr.spec.replicastorage),
    resources: toResources(cr.spec.containerresources),
    labels: keyValues(cr.metadata.labels),
  };
}
