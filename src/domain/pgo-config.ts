/**
 * The pgo.yaml this server runs with, as pgo 4.2.4 held it (config.PgoConfig): its sections and
 * keys in pgo.yaml's own spelling and order, built from the settings. Keys this server has no
 * setting for hold 4.2.4's shipped defaults: where the server uses such a value (ports, the
 * strategy, the logging parameters) it uses that default.
 */
import type { PgoSettings } from './settings.js';

export interface PgoYamlCluster {
  CCPImagePrefix: string;
  CCPImageTag: string;
  PrimaryNodeLabel: string;
  ReplicaNodeLabel: string;
  Policies: string;
  LogStatement: string;
  LogMinDurationStatement: string;
  Metrics: boolean;
  Badger: boolean;
  Port: string;
  PGBadgerPort: string;
  ExporterPort: string;
  User: string;
  ArchiveTimeout: string;
  Database: string;
  PasswordAgeDays: string;
  PasswordLength: string;
  Strategy: string;
  Replicas: string;
  ServiceType: string;
  BackrestPort: number;
  Backrest: boolean;
  BackrestS3Bucket: string;
  BackrestS3Endpoint: string;
  BackrestS3Region: string;
  DisableAutofail: boolean;
  PgmonitorPassword: string;
  EnableCrunchyadm: boolean;
  DisableReplicaStartFailReinit: boolean;
  PodAntiAffinity: string;
  SyncReplication: boolean;
}

export interface PgoYamlStorage {
  AccessMode: string;
  Size: string;
  StorageType: string;
  StorageClass: string;
  Fsgroup: string;
  SupplementalGroups: string;
  MatchLabels: string;
}

export interface PgoYamlContainerResources {
  RequestsMemory: string;
  RequestsCPU: string;
  LimitsMemory: string;
  LimitsCPU: string;
}

export interface PgoYamlPgo {
  PreferredFailoverNode: string;
  Audit: boolean;
  PGOImagePrefix: string;
  PGOImageTag: string;
}

/** Named sections are maps, which pgo.yaml may leave out (Go's nil map). */
export interface PgoYaml {
  BasicAuth: string;
  Cluster: PgoYamlCluster;
  Pgo: PgoYamlPgo;
  ContainerResources: Record<string, PgoYamlContainerResources> | null;
  PrimaryStorage: string;
  BackupStorage: string;
  ReplicaStorage: string;
  BackrestStorage: string;
  Storage: Record<string, PgoYamlStorage> | null;
  DefaultContainerResources: string;
  DefaultLoadResources: string;
  DefaultRmdataResources: string;
  DefaultBackupResources: string;
  DefaultBadgerResources: string;
  DefaultPgbouncerResources: string;
}

/** Map keys in sorted order, as Go encodes a map; an empty map is absent. */
function sortedMap<T, U>(entries: Record<string, T>, convert: (value: T) => U): Record<string, U> | null {
  const keys = Object.keys(entries).sort();
  return keys.length === 0 ? null : Object.fromEntries(keys.map((k) => [k, convert(entries[k])]));
}

export function pgoYaml(s: PgoSettings): PgoYaml {
  return {
    // Every pgo request authenticates with basic credentials; the key is vestigial in 4.2.4.
    BasicAuth: '',
    Cluster: {
      CCPImagePrefix: s.ccpImagePrefix,
      CCPImageTag: s.ccpImageTag,
      PrimaryNodeLabel: s.primaryNodeLabel,
      ReplicaNodeLabel: s.replicaNodeLabel,
      Policies: s.policies,
      // The Patroni configuration the controllers render uses these values (postgres-ha.yaml).
      LogStatement: 'none',
      LogMinDurationStatement: '60000',
      Metrics: s.metrics,
      Badger: s.badger,
      Port: s.port,
      PGBadgerPort: s.pgBadgerPort,
      ExporterPort: s.exporterPort,
      User: s.user,
      ArchiveTimeout: s.archiveTimeout,
      Database: s.database,
      PasswordAgeDays: '60',
      PasswordLength: String(s.passwordLength),
      Strategy: '1',
      Replicas: s.replicas,
      ServiceType: s.serviceType,
      BackrestPort: 2022,
      Backrest: true,
      BackrestS3Bucket: s.backrestS3Bucket,
      BackrestS3Endpoint: s.backrestS3Endpoint,
      BackrestS3Region: s.backrestS3Region,
      DisableAutofail: s.disableAutofail,
      // No monitoring credentials are created here; 4.2.4 answered this password in clear text.
      PgmonitorPassword: '',
      EnableCrunchyadm: false,
      DisableReplicaStartFailReinit: false,
      PodAntiAffinity: s.podAntiAffinity,
      SyncReplication: s.syncReplication,
    },
    Pgo: { PreferredFailoverNode: '', Audit: false, PGOImagePrefix: s.pgoImagePrefix, PGOImageTag: s.pgoImageTag },
    ContainerResources: sortedMap(s.containerResources, (r) => ({ RequestsMemory: r.requestsmemory, RequestsCPU: r.requestscpu, LimitsMemory: r.limitsmemory, LimitsCPU: r.limitscpu })),
    PrimaryStorage: s.primaryStorage,
    BackupStorage: s.backupStorage,
    ReplicaStorage: s.replicaStorage,
    BackrestStorage: s.backrestStorage,
    Storage: sortedMap(s.storage, (st) => ({ AccessMode: st.accessmode, Size: st.size, StorageType: st.storagetype, StorageClass: st.storageclass, Fsgroup: st.fsgroup, SupplementalGroups: st.supplementalgroups, MatchLabels: st.matchLabels })),
    DefaultContainerResources: s.defaultContainerResources,
    DefaultLoadResources: '',
    DefaultRmdataResources: '',
    DefaultBackupResources: '',
    DefaultBadgerResources: '',
    DefaultPgbouncerResources: '',
  };
}
