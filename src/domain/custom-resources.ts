/**
 * The five custom resources with the JSON keys pgo 4.2.4 serialised (capitalised storage keys,
 * `podPodAntiAffinity`, every numeric value a string). Objects this project writes carry every
 * spec key, empty strings included, because 4.2.4 JSON-patched some of them with `replace`.
 */
import type { KubeObject, ResourceHandle } from '../kube/resources.js';
import { PGBACKUPS, PGCLUSTERS, PGPOLICIES, PGREPLICAS, PGTASKS } from '../kube/resources.js';

export interface PgStorageSpec {
  name: string;
  storageclass: string;
  accessmode: string;
  size: string;
  storagetype: string;
  fsgroup: string;
  supplementalgroups: string;
  matchLabels: string;
}

export interface PgContainerResources {
  requestsmemory: string;
  requestscpu: string;
  limitsmemory: string;
  limitscpu: string;
}

export interface CrStatus {
  state?: string;
  message?: string;
}

export interface PgclusterSpec {
  namespace: string;
  name: string;
  clustername: string;
  policies: string;
  ccpimage: string;
  ccpimagetag: string;
  port: string;
  pgbadgerport: string;
  exporterport: string;
  nodename: string;
  PrimaryStorage: PgStorageSpec;
  ArchiveStorage: PgStorageSpec;
  ReplicaStorage: PgStorageSpec;
  BackrestStorage: PgStorageSpec;
  ContainerResources: PgContainerResources;
  primaryhost: string;
  user: string;
  database: string;
  replicas: string;
  strategy: string;
  secretfrom: string;
  usersecretname: string;
  rootsecretname: string;
  primarysecretname: string;
  collectSecretName: string;
  status: string;
  pswlastupdate: string;
  customconfig: string;
  userlabels: Record<string, string>;
  podPodAntiAffinity: string;
  syncReplication: boolean | null;
  backrestS3Bucket: string;
  backrestS3Region: string;
  backrestS3Endpoint: string;
}

export interface PgreplicaSpec {
  namespace: string;
  name: string;
  clustername: string;
  replicastorage: PgStorageSpec;
  containerresources: PgContainerResources;
  status: string;
  userlabels: Record<string, string>;
}

export interface PgbackupSpec {
  namespace: string;
  name: string;
  storagespec: PgStorageSpec;
  ccpimagetag: string;
  backuphost: string;
  backupusersecret: string;
  backupport: string;
  backupstatus: string;
  backuppvc: string;
  backupopts: string;
  toc: Record<string, string>;
}

export interface PgpolicySpec {
  namespace: string;
  name: string;
  url: string;
  sql: string;
  status: string;
}

export interface PgtaskSpec {
  namespace: string;
  name: string;
  storagespec: PgStorageSpec;
  tasktype: string;
  status: string;
  parameters: Record<string, string>;
}

interface CustomResource<S> extends KubeObject {
  spec: S;
  status?: CrStatus;
}

export type Pgcluster = CustomResource<PgclusterSpec>;
export type Pgreplica = CustomResource<PgreplicaSpec>;
export type Pgbackup = CustomResource<PgbackupSpec>;
export type Pgpolicy = CustomResource<PgpolicySpec>;
export type Pgtask = CustomResource<PgtaskSpec>;

export const PGCLUSTER: ResourceHandle<Pgcluster> = PGCLUSTERS as ResourceHandle<Pgcluster>;
export const PGREPLICA: ResourceHandle<Pgreplica> = PGREPLICAS as ResourceHandle<Pgreplica>;
export const PGBACKUP: ResourceHandle<Pgbackup> = PGBACKUPS as ResourceHandle<Pgbackup>;
export const PGPOLICY: ResourceHandle<Pgpolicy> = PGPOLICIES as ResourceHandle<Pgpolicy>;
export const PGTASK: ResourceHandle<Pgtask> = PGTASKS as ResourceHandle<Pgtask>;

export function emptyStorage(): PgStorageSpec {
  return { name: '', storageclass: '', accessmode: '', size: '', storagetype: '', fsgroup: '', supplementalgroups: '', matchLabels: '' };
}

export function emptyResources(): PgContainerResources {
  return { requestsmemory: '', requestscpu: '', limitsmemory: '', limitscpu: '' };
}

/** A new custom resource object ready to POST. */
export function customResource<S>(handle: ResourceHandle, namespace: string, name: string, labels: Record<string, string>, spec: S): CustomResource<S> {
  // No labels means no `labels` key, as Kubernetes serialises an empty map (pg_dump tasks have none).
  const metadata = Object.keys(labels).length > 0 ? { name, namespace, labels } : { name, namespace };
  return { apiVersion: handle.apiVersion, kind: handle.kind, metadata, spec };
}
