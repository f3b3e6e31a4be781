/**
 * The pgo.yaml settings the API consulted when it built custom resources, with the defaults
 * 4.2.4 shipped. One object, passed to every service, so a deployment can override them in one
 * place.
 */
import type { PgContainerResources, PgStorageSpec } from './custom-resources.js';


export interface PgoSettings {
  ccpImagePrefix: string;
  ccpImageTag: string;
  pgoImagePrefix: string;
  pgoImageTag: string;
  port: string;
  pgBadgerPort: string;
  exporterPort: string;
  user: string;
  database: string;
  passwordLength: number;
  replicas: string;
  archiveTimeout: string;
  serviceType: string;
  disableAutofail: boolean;
  metrics: boolean;
  badger: boolean;
  podAntiAffinity: string;
  syncReplication: boolean;
  backrestS3Bucket: string;
  backrestS3Region: string;
  backrestS3Endpoint: string;
  primaryNodeLabel: string;
  replicaNodeLabel: string;
  policies: string;
  /** Named storage configurations and which one each role uses by default. */
  storage: Record<string, Omit<PgStorageSpec, 'name'>>;
  primaryStorage: string;
  backupStorage: string;
  replicaStorage: string;
  backrestStorage: string;
  /** Named container resource configurations; empty names mean "none". */
  containerResources: Record<string, PgContainerResources>;
  defaultContainerResources: string;
}

export const DEFAULT_STORAGE_NAME = 'storageos';

export function defaultSettings(): PgoSettings {
  return {
    ccpImagePrefix: 'registry.developers.crunchydata.com/crunchydata',
    ccpImageTag: 'centos7-12.4-4.2.4',
    pgoImagePrefix: 'registry.developers.crunchydata.com/crunchydata',
    pgoImageTag: 'centos7-4.2.4',
    port: '5432',
    pgBadgerPort: '10000',
    exporterPort: '9187',
    user: 'testuser',
    database: 'userdb',
    passwordLength: 24,
    replicas: '0',
    archiveTimeout: '60',
    serviceType: 'ClusterIP',
    disableAutofail: false,
    metrics: false,
    badger: false,
    podAntiAffinity: 'preferred',
    syncReplication: false,
    backrestS3Bucket: '',
    backrestS3Region: '',
    backrestS3Endpoint: '',
    primaryNodeLabel: '',
    replicaNodeLabel: '',
    policies: '',
    storage: {
      [DEFAULT_STORAGE_NAME]: { storageclass: 'fast', accessmode: 'ReadWriteOnce', size: '300M', storagetype: 'dynamic', fsgroup: '26', supplementalgroups: '', matchLabels: '' },
    },
    primaryStorage: DEFAULT_STORAGE_NAME,
    backupStorage: DEFAULT_STORAGE_NAME,
    replicaStorage: DEFAULT_STORAGE_NAME,
    backrestStorage: DEFAULT_STORAGE_NAME,
    containerResources: {},
    defaultContainerResources: '',
  };
}

