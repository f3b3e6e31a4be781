/** The Cluster type: a Pgcluster as an operator sees it. Relations are resolved in resolvers/. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { LABELS, USER_LABELS } from '../src/domain/constants.js';
import type { Pgcluster } from '../src/domain/custom-resources.js';
import { ClusterState, clusterState } from './enums.js';
import { ContainerResources, DOC, KeyValue, keyValues, Storage, toResources, toStorage } from './common.js';

@ObjectType({ description: 'A PostgreSQL cluster (a Pgcluster custom resource): a primary, its replicas, a pgBackRest repository and options.' })
export class Cluster {
  @Field(() => ID, { description: DOC.id }) id!: string;
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The cluster name: also its primary Deployment, Service and PVC name.' }) name!: string;
  @Field(() => String, { description: DOC.resourceVersion }) resourceVersion!: string;
  @Field(() => String, { description: DOC.createdAt }) createdAt!: string;
  @Field(() => ClusterState, { description: 'Where the cluster is in its life.' }) state!: ClusterState;
  @Field(() => String, { description: DOC.stateMessage }) stateMessage!: string;
  @Field(() => Boolean, { description: 'The controllers have built its objects (`spec.status=completed`).' }) built!: boolean;
  @Field(() => String, { description: 'Database image name, e.g. crunchy-postgres-ha.' }) image!: string;
  @Field(() => String, { description: 'Database image tag, e.g. centos7-12.4-4.2.4.' }) imageTag!: string;
  @Field(() => Int, { description: 'PostgreSQL port.' }) port!: number;
  @Field(() => String, { description: 'The application database.' }) database!: string;
  @Field(() => String, { description: 'The application user.' }) user!: string;
  @Field(() => Int, { description: 'Replicas asked for at creation.' }) replicasRequested!: number;
  @Field(() => Storage, { description: 'Storage of the primary\'s data volume.' }) primaryStorage!: Storage;
  @Field(() => Storage, { description: 'Storage each replica\'s data volume gets unless its scale request chose another.' }) replicaStorage!: Storage;
  @Field(() => Storage, { description: 'Storage of the pgBackRest repository volume.' }) backrestStorage!: Storage;
  @Field(() => ContainerResources, { description: 'CPU and memory of the database containers.' }) resources!: ContainerResources;
  @Field(() => Boolean, { description: 'Patroni fails over automatically (label `autofail`).' }) autofail!: boolean;
  @Field(() => Boolean, { description: 'A pgBouncer connection pooler is deployed.' }) pgbouncer!: boolean;
  @Field(() => Boolean, { description: 'The metrics sidecar is enabled.' }) metrics!: boolean;
  @Field(() => Boolean, { description: 'The pgBadger sidecar is enabled.' }) badger!: boolean;
  @Field(() => String, { description: 'The Deployment currently serving as primary (empty until built).' }) currentPrimary!: string;
  @Field(() => String, { nullable: true, description: 'The workflow that created or last restored it.' }) workflowId!: string | null;
  @Field(() => String, { description: 'The ConfigMap of custom PostgreSQL and Patroni settings it was created with; empty for none.' }) customConfig!: string;
  @Field(() => [String], { description: 'Names of policies applied to it (labels `<policy>=pgpolicy`).' }) policiesApplied!: string[];
  @Field(() => [KeyValue], { description: 'Labels of the Pgcluster.' }) labels!: KeyValue[];
  @Field(() => [KeyValue], { description: 'The 4.2.4 user labels (`spec.userlabels`), which also carry feature flags.' }) userLabels!: KeyValue[];
}

export function toCluster(cr: Pgcluster): Cluster {
  const labels = cr.metadata.labels ?? {};
  const spec = cr.spec;
  const user = spec.userlabels ?? {};
  return {
    id: cr.metadata.uid ?? '',
    namespace: cr.metadata.namespace ?? '',
    name: cr.metadata.name,
    resourceVersion: cr.metadata.resourceVersion ?? '',
    createdAt: cr.metadata.creationTimestamp ?? '',
    state: clusterState(cr.status?.state),
    stateMessage: cr.status?.message ?? '',
    built: spec.status === 'completed',
    image: spec.ccpimage ?? '',
    imageTag: spec.ccpimagetag ?? '',
    port: Number(spec.port) || 0,
    database: spec.database ?? '',
    user: spec.user ?? '',
    replicasRequested: Number(spec.replicas) || 0,
    primaryStorage: toStorage(spec.PrimaryStorage),
    replicaStorage: toStorage(spec.ReplicaStorage),
    backrestStorage: toStorage(spec.BackrestStorage),
    resources: toResources(spec.ContainerResources),
    autofail: labels[LABELS.autofail] === 'true',
    pgbouncer: labels[LABELS.pgbouncer] === 'true',
    metrics: user[USER_LABELS.collect] === 'true',
    badger: labels[LABELS.badger] === 'true',
    currentPrimary: labels[LABELS.currentPrimary] ?? user[LABELS.currentPrimary] ?? '',
    workflowId: labels[LABELS.workflowId] ?? user[USER_LABELS.workflowId] ?? null,
    customConfig: spec.customconfig ?? '',
    policiesApplied: Object.entries(labels).filter(([, v]) => v === 'pgpolicy').map(([k]) => k).sort(),
    labels: keyValues(labels),
    userLabels: keyValues(user),
  };
}
