/**
 * The five CustomResourceDefinitions in crds/: what a real cluster's `kubectl apply -f crds/` needs
 * (apiextensions.k8s.io/v1 shape, no unknown fields, a structural schema) and what pgo 4.2.4 needs
 * (its names, and every spec key exactly as its Go types serialised them, postgres-operator v4.2.4,
 * apis/cr/v1/*.go).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { structuralSchemaProblems, validateCustomResource } from '../../src/embedded/crd-schema.js';
import type { StructuralSchema } from '../../src/embedded/crd-schema.js';
import { isJsonObject } from '../../src/json.js';
import type { JsonObject, JsonValue } from '../../src/json.js';

/** Compiled to dist/test/crds/, three levels below the repository root. */
const CRD_DIR = resolve(import.meta.dirname, '../../../crds');

// ---------------------------------------------------------------------------------------------
// Fields of the apiextensions.k8s.io/v1 types (Kubernetes API reference), for the unknown-key check.
// ---------------------------------------------------------------------------------------------

const CUSTOM_RESOURCE_DEFINITION_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'] as const;
const OBJECT_META_FIELDS = [
  'annotations',
  'creationTimestamp',
  'deletionGracePeriodSeconds',
  'deletionTimestamp',
  'finalizers',
  'generateName',
  'generation',
  'labels',
  'managedFields',
  'name',
  'namespace',
  'ownerReferences',
  'resourceVersion',
  'selfLink',
  'uid',
] as const;
const CUSTOM_RESOURCE_DEFINITION_SPEC_FIELDS = ['conversion', 'group', 'names', 'preserveUnknownFields', 'scope', 'versions'] as const;
const CUSTOM_RESOURCE_DEFINITION_NAMES_FIELDS = ['categories', 'kind', 'listKind', 'plural', 'shortNames', 'singular'] as const;
const CUSTOM_RESOURCE_CONVERSION_FIELDS = ['strategy', 'webhook'] as const;
const WEBHOOK_CONVERSION_FIELDS = ['clientConfig', 'conversionReviewVersions'] as const;
const CUSTOM_RESOURCE_DEFINITION_VERSION_FIELDS = [
  'additionalPrinterColumns',
  'deprecated',
  'deprecationWarning',
  'name',
  'schema',
  'selectableFields',
  'served',
  'storage',
  'subresources',
] as const;
const CUSTOM_RESOURCE_COLUMN_DEFINITION_FIELDS = ['description', 'format', 'jsonPath', 'name', 'priority', 'type'] as const;
const SELECTABLE_FIELD_FIELDS = ['jsonPath'] as const;
const CUSTOM_RESOURCE_VALIDATION_FIELDS = ['openAPIV3Schema'] as const;
const CUSTOM_RESOURCE_SUBRESOURCES_FIELDS = ['scale', 'status'] as const;
/** CustomResourceSubresourceStatus has no fields: `status: {}`. */
const CUSTOM_RESOURCE_SUBRESOURCE_STATUS_FIELDS = [] as const;
const CUSTOM_RESOURCE_SUBRESOURCE_SCALE_FIELDS = ['labelSelectorPath', 'specReplicasPath', 'statusReplicasPath'] as const;
const CUSTOM_RESOURCE_DEFINITION_STATUS_FIELDS = ['acceptedNames', 'conditions', 'storedVersions'] as const;
const JSON_SCHEMA_PROPS_FIELDS = [
  '$ref',
  '$schema',
  'additionalItems',
  'additionalProperties',
  'allOf',
  'anyOf',
  'default',
  'definitions',
  'dependencies',
  'description',
  'enum',
  'example',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'externalDocs',
  'format',
  'id',
  'items',
  'maxItems',
  'maxLength',
  'maxProperties',
  'maximum',
  'minItems',
  'minLength',
  'minProperties',
  'minimum',
  'multipleOf',
  'not',
  'nullable',
  'oneOf',
  'pattern',
  'patternProperties',
  'properties',
  'required',
  'title',
  'type',
  'uniqueItems',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
] as const;
const EXTERNAL_DOCUMENTATION_FIELDS = ['description', 'url'] as const;
const VALIDATION_RULE_FIELDS = ['fieldPath', 'message', 'messageExpression', 'optionalOldSelf', 'reason', 'rule'] as const;
/** CustomResourceColumnDefinition.type values. */
const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'] as const;

/** Every key of the object that its apiextensions.k8s.io/v1 type does not declare, as paths. */
function unknownCrdKeys(crd: JsonObject): string[] {
  const found: string[] = [];
  const check = (value: JsonValue | undefined, allowed: readonly string[], at: string): JsonObject | undefined => {
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) {
      found.push(`${at} (not an object)`);
      return undefined;
    }
    for (const key of Object.keys(value)) if (!allowed.includes(key)) found.push(`${at}.${key}`);
    return value;
  };
  const eachItem = (value: JsonValue | undefined, at: string, visit: (item: JsonValue, itemAt: string) => void): void => {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      found.push(`${at} (not an array)`);
      return;
    }
    value.forEach((item, i) => visit(item, `${at}[${i}]`));
  };
  const schemaProps = (value: JsonValue | undefined, at: string): void => {
    const node = check(value, JSON_SCHEMA_PROPS_FIELDS, at);
    if (!node) return;
    for (const mapKey of ['properties', 'patternProperties', 'definitions'] as const) {
      const map = node[mapKey];
      if (map === undefined) continue;
      if (!isJsonObject(map)) found.push(`${at}.${mapKey} (not an object)`);
      else for (const [name, child] of Object.entries(map)) schemaProps(child, `${at}.${mapKey}[${name}]`);
    }
    for (const orBool of ['additionalProperties', 'additionalItems'] as const) {
      if (isJsonObject(node[orBool])) schemaProps(node[orBool], `${at}.${orBool}`);
    }
    if (Array.isArray(node.items)) eachItem(node.items, `${at}.items`, (item, itemAt) => schemaProps(item, itemAt));
    else schemaProps(node.items, `${at}.items`);
    for (const list of ['allOf', 'anyOf', 'oneOf'] as const) eachItem(node[list], `${at}.${list}`, (item, itemAt) => schemaProps(item, itemAt));
    schemaProps(node.not, `${at}.not`);
    if (isJsonObject(node.dependencies)) {
      for (const [name, dep] of Object.entries(node.dependencies)) if (!Array.isArray(dep)) schemaProps(dep, `${at}.dependencies[${name}]`);
    }
    check(node.externalDocs, EXTERNAL_DOCUMENTATION_FIELDS, `${at}.externalDocs`);
    eachItem(node['x-kubernetes-validations'], `${at}.x-kubernetes-validations`, (item, itemAt) => check(item, VALIDATION_RULE_FIELDS, itemAt));
  };

  check(crd, CUSTOM_RESOURCE_DEFINITION_FIELDS, '');
  check(crd.metadata, OBJECT_META_FIELDS, '.metadata');
  check(crd.status, CUSTOM_RESOURCE_DEFINITION_STATUS_FIELDS, '.status');
  const spec = check(crd.spec, CUSTOM_RESOURCE_DEFINITION_SPEC_FIELDS, '.spec');
  if (!spec) return found;
  check(spec.names, CUSTOM_RESOURCE_DEFINITION_NAMES_FIELDS, '.spec.names');
  const conversion = check(spec.conversion, CUSTOM_RESOURCE_CONVERSION_FIELDS, '.spec.conversion');
  if (conversion) check(conversion.webhook, WEBHOOK_CONVERSION_FIELDS, '.spec.conversion.webhook');
  eachItem(spec.versions, '.spec.versions', (item, at) => {
    const version = check(item, CUSTOM_RESOURCE_DEFINITION_VERSION_FIELDS, at);
    if (!version) return;
    eachItem(version.additionalPrinterColumns, `${at}.additionalPrinterColumns`, (column, columnAt) => check(column, CUSTOM_RESOURCE_COLUMN_DEFINITION_FIELDS, columnAt));
    eachItem(version.selectableFields, `${at}.selectableFields`, (field, fieldAt) => check(field, SELECTABLE_FIELD_FIELDS, fieldAt));
    const subresources = check(version.subresources, CUSTOM_RESOURCE_SUBRESOURCES_FIELDS, `${at}.subresources`);
    if (subresources) {
      check(subresources.status, CUSTOM_RESOURCE_SUBRESOURCE_STATUS_FIELDS, `${at}.subresources.status`);
      check(subresources.scale, CUSTOM_RESOURCE_SUBRESOURCE_SCALE_FIELDS, `${at}.subresources.scale`);
    }
    const schema = check(version.schema, CUSTOM_RESOURCE_VALIDATION_FIELDS, `${at}.schema`);
    if (schema) schemaProps(schema.openAPIV3Schema, `${at}.schema.openAPIV3Schema`);
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// What pgo 4.2.4 serialised (postgres-operator v4.2.4, apis/cr/v1/*.go).
// ---------------------------------------------------------------------------------------------

/** PgStorageSpec JSON keys (common.go). */
const PG_STORAGE_SPEC_KEYS = ['name', 'storageclass', 'accessmode', 'size', 'storagetype', 'fsgroup', 'supplementalgroups', 'matchLabels'] as const;
/** PgContainerResources JSON keys (common.go). */
const PG_CONTAINER_RESOURCES_KEYS = ['requestsmemory', 'requestscpu', 'limitsmemory', 'limitscpu'] as const;
/** The status struct of every kind: state and message. */
const STATUS_KEYS = ['state', 'message'] as const;

/** How a spec key is typed in the CRD schema. */
type KeyShape = 'string' | 'storage' | 'resources' | 'map' | 'nullable-boolean';

/**
 * PgclusterSpec (cluster.go). The five struct fields with malformed tags (`json:primarystorage`)
 * serialise under their Go field names, capitalised.
 */
const PGCLUSTER_SPEC: Record<string, KeyShape> = {
  namespace: 'string',
  name: 'string',
  clustername: 'string',
  policies: 'string',
  ccpimage: 'string',
  ccpimagetag: 'string',
  port: 'string',
  pgbadgerport: 'string',
  exporterport: 'string',
  nodename: 'string',
  PrimaryStorage: 'storage',
  ArchiveStorage: 'storage',
  ReplicaStorage: 'storage',
  BackrestStorage: 'storage',
  ContainerResources: 'resources',
  primaryhost: 'string',
  user: 'string',
  database: 'string',
  replicas: 'string',
  strategy: 'string',
  secretfrom: 'string',
  usersecretname: 'string',
  rootsecretname: 'string',
  primarysecretname: 'string',
  collectSecretName: 'string',
  status: 'string',
  pswlastupdate: 'string',
  customconfig: 'string',
  userlabels: 'map',
  podPodAntiAffinity: 'string',
  syncReplication: 'nullable-boolean',
  backrestS3Bucket: 'string',
  backrestS3Region: 'string',
  backrestS3Endpoint: 'string',
};
/** PgreplicaSpec (replica.go); here the storage tags are well formed, so the keys are lowercase. */
const PGREPLICA_SPEC: Record<string, KeyShape> = {
  namespace: 'string',
  name: 'string',
  clustername: 'string',
  replicastorage: 'storage',
  containerresources: 'resources',
  status: 'string',
  userlabels: 'map',
};
/** PgbackupSpec (backup.go). */
const PGBACKUP_SPEC: Record<string, KeyShape> = {
  namespace: 'string',
  name: 'string',
  storagespec: 'storage',
  ccpimagetag: 'string',
  backuphost: 'string',
  backupusersecret: 'string',
  backupport: 'string',
  backupstatus: 'string',
  backuppvc: 'string',
  backupopts: 'string',
  toc: 'map',
};
/** PgpolicySpec (policy.go). */
const PGPOLICY_SPEC: Record<string, KeyShape> = { namespace: 'string', name: 'string', url: 'string', sql: 'string', status: 'string' };
/** PgtaskSpec (task.go). */
const PGTASK_SPEC: Record<string, KeyShape> = {
  namespace: 'string',
  name: 'string',
  storagespec: 'storage',
  tasktype: 'string',
  status: 'string',
  parameters: 'map',
};

function storage(size: string, name = ''): JsonObject {
  return { name, storageclass: 'standard', accessmode: 'ReadWriteOnce', size, storagetype: size === '' ? '' : 'dynamic', fsgroup: size === '' ? '' : '26', supplementalgroups: '', matchLabels: '' };
}

function emptyStorage(): JsonObject {
  return { name: '', storageclass: '', accessmode: '', size: '', storagetype: '', fsgroup: '', supplementalgroups: '', matchLabels: '' };
}

function noResources(): JsonObject {
  return { requestsmemory: '', requestscpu: '', limitsmemory: '', limitscpu: '' };
}

/** Object metadata as a Go client sends it on create (ObjectMeta serialises creationTimestamp: null). */
function createMeta(name: string, labels: Record<string, string>): JsonObject {
  return { name, namespace: 'pgouser1', creationTimestamp: null, labels };
}

/** A Pgcluster as the 4.2.4 API created it and the operator then completed it. */
const PGCLUSTER_SAMPLE: JsonObject = {
  apiVersion: 'crunchydata.com/v1',
  kind: 'Pgcluster',
  metadata: createMeta('hippo', {
    autofail: 'true',
    'crunchy-pgbadger': 'false',
    'crunchy-pgha-scope': 'hippo',
    'current-primary': 'hippo',
    'deployment-name': 'hippo',
    name: 'hippo',
    'pg-cluster': 'hippo',
    'pgo-backrest': 'true',
    'pgo-version': '4.2.4',
    pgouser: 'admin',
    workflowid: '9d4a7f4e-3b1c-4c3e-9f0e-2a1b5c6d7e8f',
  }),
  spec: {
    namespace: 'pgouser1',
    name: 'hippo',
    clustername: 'hippo',
    policies: 'rlspolicy',
    ccpimage: 'crunchy-postgres-ha',
    ccpimagetag: 'centos7-12.4-4.2.4',
    port: '5432',
    pgbadgerport: '10000',
    exporterport: '9187',
    nodename: '',
    PrimaryStorage: storage('1G', 'hippo'),
    ArchiveStorage: emptyStorage(),
    ReplicaStorage: storage('1G'),
    BackrestStorage: storage('2G'),
    ContainerResources: { requestsmemory: '256Mi', requestscpu: '100m', limitsmemory: '512Mi', limitscpu: '500m' },
    primaryhost: 'hippo',
    user: 'testuser',
    database: 'userdb',
    replicas: '1',
    strategy: '1',
    secretfrom: '',
    usersecretname: 'hippo-testuser-secret',
    rootsecretname: 'hippo-postgres-secret',
    primarysecretname: 'hippo-primaryuser-secret',
    collectSecretName: 'hippo-collect-secret',
    status: 'completed',
    pswlastupdate: '2020-06-10T09:36:32Z',
    customconfig: '',
    userlabels: { crunchy_collect: 'false', 'pg-pod-anti-affinity': '', 'pgo-version': '4.2.4', 'backrest-storage-type': 'local' },
    podPodAntiAffinity: 'preferred',
    syncReplication: null,
    backrestS3Bucket: '',
    backrestS3Region: '',
    backrestS3Endpoint: '',
  },
  status: { state: 'pgcluster Initialized', message: 'Cluster has been initialized' },
};

/** A Pgreplica as the 4.2.4 scale API created it, after the operator built it. */
const PGREPLICA_SAMPLE: JsonObject = {
  apiVersion: 'crunchydata.com/v1',
  kind: 'Pgreplica',
  metadata: createMeta('hippo-xkqz', { name: 'hippo-xkqz', 'pg-cluster': 'hippo', pgouser: 'admin' }),
  spec: {
    namespace: 'pgouser1',
    name: 'hippo-xkqz',
    clustername: 'hippo',
    replicastorage: storage('1G', 'hippo-xkqz'),
    containerresources: noResources(),
    status: 'completed',
    userlabels: { crunchy_collect: 'false', 'pgo-version': '4.2.4', NodeLabelKey: '', NodeLabelValue: '' },
  },
  status: { state: 'pgreplica Processed', message: 'Successfully processed Pgreplica by controller' },
};

/** A legacy pg_basebackup Pgbackup as the 4.2.4 backup API created it, after one backup ran. */
const PGBACKUP_SAMPLE: JsonObject = {
  apiVersion: 'crunchydata.com/v1',
  kind: 'Pgbackup',
  metadata: createMeta('hippo', { 'pg-cluster': 'hippo', pgouser: 'admin' }),
  spec: {
    namespace: 'pgouser1',
    name: 'hippo',
    storagespec: storage('1G', 'hippo-backup'),
    ccpimagetag: 'centos7-12.4-4.2.4',
    backuphost: 'hippo',
    backupusersecret: 'hippo-primaryuser-secret',
    backupport: '5432',
    backupstatus: 'Backup Job Completed',
    backuppvc: '',
    backupopts: '',
    toc: { 'hippo-backups/2020-06-10-09-36-32': 'hippo-backups/2020-06-10-09-36-32' },
  },
  status: { state: 'pgbackup Processed', message: 'Successfully processed Pgbackup by controller' },
};

/** A Pgpolicy as the 4.2.4 policy API created it from a SQL file. */
const PGPOLICY_SAMPLE: JsonObject = {
  apiVersion: 'crunchydata.com/v1',
  kind: 'Pgpolicy',
  metadata: createMeta('rlspolicy', { pgouser: 'admin' }),
  spec: { namespace: 'pgouser1', name: 'rlspolicy', url: '', sql: 'create table if not exists audit_log (id serial primary key);', status: '' },
  status: { state: 'pgpolicy Processed', message: 'Successfully processed Pgpolicy by controller' },
};

/** The create-cluster workflow Pgtask the 4.2.4 API wrote, after the operator completed it. */
const PGTASK_SAMPLE: JsonObject = {
  apiVersion: 'crunchydata.com/v1',
  kind: 'Pgtask',
  metadata: createMeta('hippo-createcluster', { 'pg-cluster': 'hippo', pgouser: 'admin', workflowid: '9d4a7f4e-3b1c-4c3e-9f0e-2a1b5c6d7e8f' }),
  spec: {
    namespace: 'pgouser1',
    name: 'hippo-createcluster',
    storagespec: emptyStorage(),
    tasktype: 'workflow',
    status: '',
    parameters: {
      'task submitted': '2020-06-10T09:36:32Z',
      'task completed': '2020-06-10T09:37:58Z',
      'pg-cluster': 'hippo',
      workflowid: '9d4a7f4e-3b1c-4c3e-9f0e-2a1b5c6d7e8f',
    },
  },
  status: { state: 'pgtask Processed', message: 'Successfully processed Pgtask by controller' },
};

interface KindCase {
  file: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  spec: Record<string, KeyShape>;
  sample: JsonObject;
  /** A key 4.2.4 never wrote (a misspelling or case variant) and its path. */
  misspelt: { path: string[]; value: JsonValue };
  /** A 4.2.4 key given a value of the wrong JSON type. */
  wrongType: { path: string[]; value: JsonValue };
}

const KINDS: KindCase[] = [
  {
    file: 'pgclusters.yaml',
    plural: 'pgclusters',
    singular: 'pgcluster',
    kind: 'Pgcluster',
    listKind: 'PgclusterList',
    spec: PGCLUSTER_SPEC,
    sample: PGCLUSTER_SAMPLE,
    misspelt: { path: ['spec', 'PrimaryStorage', 'storageClass'], value: 'fast' },
    wrongType: { path: ['spec', 'PrimaryStorage', 'size'], value: 1 },
  },
  {
    file: 'pgreplicas.yaml',
    plural: 'pgreplicas',
    singular: 'pgreplica',
    kind: 'Pgreplica',
    listKind: 'PgreplicaList',
    spec: PGREPLICA_SPEC,
    sample: PGREPLICA_SAMPLE,
    misspelt: { path: ['spec', 'ReplicaStorage'], value: emptyStorage() },
    wrongType: { path: ['spec', 'replicastorage', 'fsgroup'], value: 26 },
  },
  {
    file: 'pgbackups.yaml',
    plural: 'pgbackups',
    singular: 'pgbackup',
    kind: 'Pgbackup',
    listKind: 'PgbackupList',
    spec: PGBACKUP_SPEC,
    sample: PGBACKUP_SAMPLE,
    misspelt: { path: ['spec', 'backupStatus'], value: 'initial' },
    wrongType: { path: ['spec', 'toc', 'hippo-backups/2020-06-10-09-36-32'], value: true },
  },
  {
    file: 'pgpolicies.yaml',
    plural: 'pgpolicies',
    singular: 'pgpolicy',
    kind: 'Pgpolicy',
    listKind: 'PgpolicyList',
    spec: PGPOLICY_SPEC,
    sample: PGPOLICY_SAMPLE,
    misspelt: { path: ['spec', 'SQL'], value: 'select 1;' },
    wrongType: { path: ['spec', 'sql'], value: ['select 1;'] },
  },
  {
    file: 'pgtasks.yaml',
    plural: 'pgtasks',
    singular: 'pgtask',
    kind: 'Pgtask',
    listKind: 'PgtaskList',
    spec: PGTASK_SPEC,
    sample: PGTASK_SAMPLE,
    misspelt: { path: ['spec', 'taskType'], value: 'workflow' },
    wrongType: { path: ['spec', 'parameters', 'pg-cluster'], value: 7 },
  },
];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function objectAt(value: JsonValue | undefined, ...path: (string | number)[]): JsonObject {
  let node: JsonValue | undefined = value;
  for (const step of path) {
    if (typeof step === 'number') node = Array.isArray(node) ? node[step] : undefined;
    else node = isJsonObject(node) ? node[step] : undefined;
  }
  assert.ok(isJsonObject(node), `expected an object at ${path.join('.')}`);
  return node;
}

function loadCrd(file: string): JsonObject {
  const docs = parseAllDocuments(readFileSync(join(CRD_DIR, file), 'utf8'));
  assert.equal(docs.length, 1, `${file}: expected exactly one YAML document`);
  const value: unknown = docs[0]?.toJS();
  assert.ok(isJsonObject(value), `${file}: expected a mapping`);
  return value;
}

function openApiSchema(crd: JsonObject): JsonObject {
  return objectAt(crd, 'spec', 'versions', 0, 'schema', 'openAPIV3Schema');
}

function validate(crd: JsonObject, object: JsonObject): ReturnType<typeof validateCustomResource> {
  return validateCustomResource(openApiSchema(crd) as unknown as StructuralSchema, object);
}

/** A deep copy of the object with `value` written at `path`. */
function withValue(object: JsonObject, path: string[], value: JsonValue): JsonObject {
  const copy = structuredClone(object);
  const parent = objectAt(copy, ...path.slice(0, -1));
  parent[path[path.length - 1] as string] = value;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('crds/ holds the five pgo 4.2.4 CustomResourceDefinitions', () => {
  test('the directory holds exactly the five CRD files', () => {
    const files = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml') || f.endsWith('.json'));
    assert.deepEqual(files.sort(), KINDS.map((k) => k.file).sort());
  });

  test('the known-field check reports keys that the apiextensions.k8s.io/v1 types do not declare', () => {
    const crd = loadCrd('pgpolicies.yaml');
    objectAt(crd, 'spec', 'versions', 0, 'subresources', 'status').enabled = true;
    objectAt(openApiSchema(crd), 'properties', 'spec', 'properties', 'url').optional = true;
    objectAt(crd, 'spec', 'names').short = 'pgp';
    assert.deepEqual(unknownCrdKeys(crd).sort(), [
      '.spec.names.short',
      '.spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[url].optional',
      '.spec.versions[0].subresources.status.enabled',
    ]);
  });
});

for (const k of KINDS) {
  describe(`crds/${k.file}`, () => {
    test('parses as exactly one YAML document without errors', () => {
      const docs = parseAllDocuments(readFileSync(join(CRD_DIR, k.file), 'utf8'));
      assert.equal(docs.length, 1);
      assert.deepEqual(docs[0]?.errors, []);
    });

    test('is an apiextensions.k8s.io/v1 CustomResourceDefinition named <plural>.crunchydata.com', () => {
      const crd = loadCrd(k.file);
      assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
      assert.equal(crd.kind, 'CustomResourceDefinition');
      assert.equal(objectAt(crd, 'metadata').name, `${k.plural}.crunchydata.com`);
      assert.equal(objectAt(crd, 'spec').group, 'crunchydata.com');
    });

    test('has exactly the names pgo 4.2.4 used, without short names or categories', () => {
      assert.deepEqual(objectAt(loadCrd(k.file), 'spec', 'names'), { plural: k.plural, singular: k.singular, kind: k.kind, listKind: k.listKind });
    });

    test('is namespaced', () => {
      assert.equal(objectAt(loadCrd(k.file), 'spec').scope, 'Namespaced');
    });

    test('has the single version v1, served and stored', () => {
      const versions = objectAt(loadCrd(k.file), 'spec').versions;
      assert.ok(Array.isArray(versions));
      assert.equal(versions.length, 1);
      const v = objectAt(versions, 0);
      assert.equal(v.name, 'v1');
      assert.equal(v.served, true);
      assert.equal(v.storage, true);
    });

    test('enables the status subresource and no scale subresource', () => {
      assert.deepEqual(objectAt(loadCrd(k.file), 'spec', 'versions', 0, 'subresources'), { status: {} });
    });

    test('has printer columns with a name, a supported type and a JSON path', () => {
      const columns = objectAt(loadCrd(k.file), 'spec', 'versions', 0).additionalPrinterColumns ?? [];
      assert.ok(Array.isArray(columns));
      for (const [i, column] of columns.entries()) {
        assert.ok(isJsonObject(column), `column ${i}`);
        assert.ok(typeof column.name === 'string' && column.name !== '', `column ${i} name`);
        assert.ok(PRINTER_COLUMN_TYPES.some((t) => t === column.type), `column ${i} type ${String(column.type)}`);
        assert.match(String(column.jsonPath), /^\.[A-Za-z]/, `column ${i} jsonPath`);
        assert.ok(column.priority === undefined || Number.isInteger(column.priority), `column ${i} priority`);
      }
    });

    test('has a structural openAPIV3Schema', () => {
      assert.deepEqual(structuralSchemaProblems(openApiSchema(loadCrd(k.file))), []);
    });

    test('uses only fields of the apiextensions.k8s.io/v1 types', () => {
      assert.deepEqual(unknownCrdKeys(loadCrd(k.file)), []);
    });

    test('declares exactly the spec keys the 4.2.4 Go type serialised', () => {
      const properties = objectAt(openApiSchema(loadCrd(k.file)), 'properties', 'spec', 'properties');
      assert.deepEqual(Object.keys(properties).sort(), Object.keys(k.spec).sort());
    });

    test('types every spec key as 4.2.4 serialised it: strings, storage specs, string maps, a nullable boolean', () => {
      const properties = objectAt(openApiSchema(loadCrd(k.file)), 'properties', 'spec', 'properties');
      const stringsOnly = (keys: readonly string[]): JsonObject => Object.fromEntries(keys.map((key) => [key, 'string']));
      for (const [key, shape] of Object.entries(k.spec)) {
        const prop = objectAt(properties, key);
        const typesOf = (schema: JsonObject): JsonObject => Object.fromEntries(Object.entries(objectAt(schema, 'properties')).map(([name, p]) => [name, objectAt(p).type ?? null]));
        switch (shape) {
          case 'string':
            assert.equal(prop.type, 'string', key);
            break;
          case 'storage':
            assert.equal(prop.type, 'object', key);
            assert.deepEqual(typesOf(prop), stringsOnly(PG_STORAGE_SPEC_KEYS), key);
            break;
          case 'resources':
            assert.equal(prop.type, 'object', key);
            assert.deepEqual(typesOf(prop), stringsOnly(PG_CONTAINER_RESOURCES_KEYS), key);
            break;
          case 'map':
            assert.equal(prop.type, 'object', key);
            assert.deepEqual(prop.additionalProperties, { type: 'string' }, key);
            break;
          case 'nullable-boolean':
            assert.equal(prop.type, 'boolean', key);
            assert.equal(prop.nullable, true, key);
            break;
        }
      }
    });

    test('declares status.state and status.message as strings', () => {
      const status = objectAt(openApiSchema(loadCrd(k.file)), 'properties', 'status');
      assert.equal(status.type, 'object');
      assert.deepEqual(Object.keys(objectAt(status, 'properties')).sort(), [...STATUS_KEYS].sort());
      for (const key of STATUS_KEYS) assert.equal(objectAt(status, 'properties', key).type, 'string');
    });

    test(`the ${k.kind} sample carries every spec key of the 4.2.4 Go type`, () => {
      assert.deepEqual(Object.keys(objectAt(k.sample, 'spec')).sort(), Object.keys(k.spec).sort());
    });

    test(`a ${k.kind} as 4.2.4 serialised it validates with no errors and nothing pruned`, () => {
      const result = validate(loadCrd(k.file), k.sample);
      assert.deepEqual(result.causes, []);
      assert.deepEqual(result.unknownFields, []);
      assert.deepEqual(result.value, k.sample);
    });

    test(`a misspelt key (${k.misspelt.path.join('.')}) is reported as an unknown field and pruned`, () => {
      const result = validate(loadCrd(k.file), withValue(k.sample, k.misspelt.path, k.misspelt.value));
      assert.deepEqual(result.unknownFields, [k.misspelt.path.join('.')]);
      assert.deepEqual(result.causes, []);
      assert.deepEqual(result.value, k.sample);
    });

    test(`a wrongly typed value (${k.wrongType.path.join('.')}) is reported with its path`, () => {
      const result = validate(loadCrd(k.file), withValue(k.sample, k.wrongType.path, k.wrongType.value));
      assert.deepEqual(
        result.causes.map((c) => [c.reason, c.field]),
        [['FieldValueTypeInvalid', k.wrongType.path.join('.')]],
      );
    });

    test('a wrongly typed status.state is reported with its path', () => {
      const result = validate(loadCrd(k.file), withValue(k.sample, ['status', 'state'], 1));
      assert.deepEqual(
        result.causes.map((c) => [c.reason, c.field]),
        [['FieldValueTypeInvalid', 'status.state']],
      );
    });
  });
}

describe('4.2.4 serialisation quirks against the CRDs', () => {
  test('the capitalised PrimaryStorage key written in lowercase is an unknown field, so a v1 cluster prunes it', () => {
    const crd = loadCrd('pgclusters.yaml');
    const object = structuredClone(PGCLUSTER_SAMPLE);
    const spec = objectAt(object, 'spec');
    spec.primarystorage = spec.PrimaryStorage as JsonValue;
    delete spec.PrimaryStorage;
    const result = validate(crd, object);
    assert.deepEqual(result.unknownFields, ['spec.primarystorage']);
    assert.equal(objectAt(result.value, 'spec').primarystorage, undefined);
  });

  test('a Pgcluster with syncReplication true validates', () => {
    const result = validate(loadCrd('pgclusters.yaml'), withValue(PGCLUSTER_SAMPLE, ['spec', 'syncReplication'], true));
    assert.deepEqual(result.causes, []);
  });

  test('a Pgcluster with syncReplication as the string "true" is reported at spec.syncReplication', () => {
    const result = validate(loadCrd('pgclusters.yaml'), withValue(PGCLUSTER_SAMPLE, ['spec', 'syncReplication'], 'true'));
    assert.deepEqual(
      result.causes.map((c) => [c.reason, c.field]),
      [['FieldValueTypeInvalid', 'spec.syncReplication']],
    );
  });

  test('a Pgcluster with a numeric port (4.2.4 wrote every number as a string) is reported at spec.port', () => {
    const result = validate(loadCrd('pgclusters.yaml'), withValue(PGCLUSTER_SAMPLE, ['spec', 'port'], 5432));
    assert.deepEqual(
      result.causes.map((c) => [c.reason, c.field]),
      [['FieldValueTypeInvalid', 'spec.port']],
    );
  });

  test('a Pgbackup the 4.2.4 scheduler wrote with a nil toc map (null) validates, and the null is pruned', () => {
    // pgo-scheduler's NewBaseBackupTask fills neither storagespec nor toc: Go writes "" strings and "toc": null.
    const scheduled: JsonObject = {
      apiVersion: 'crunchydata.com/v1',
      kind: 'Pgbackup',
      metadata: { name: 'hippo', creationTimestamp: null },
      spec: {
        namespace: '',
        name: 'hippo',
        storagespec: emptyStorage(),
        ccpimagetag: 'centos7-12.4-4.2.4',
        backuphost: 'hippo',
        backupusersecret: 'hippo-primaryuser-secret',
        backupport: '5432',
        backupstatus: 'initial',
        backuppvc: '',
        backupopts: '',
        toc: null,
      },
      status: {},
    };
    const result = validate(loadCrd('pgbackups.yaml'), scheduled);
    assert.deepEqual(result.causes, []);
    assert.deepEqual(result.unknownFields, []);
    assert.equal('toc' in objectAt(result.value, 'spec'), false);
  });
});
