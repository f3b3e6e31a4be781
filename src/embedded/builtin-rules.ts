/**
 * What the real apiserver does with the built-in kinds this server stores: first the typing its Go
 * structs impose when a body is decoded (a string where an int32 belongs cannot be stored), then the
 * per-kind strategies on create and update: defaults that keep `kubectl apply` re-runs quiet,
 * server-populated fields, and the validation and immutability rules a client can observe. Objects
 * are mutated in place; problems are returned as causes (422).
 */
import type { JsonObject, JsonValue } from '../json.js';
import { isJsonObject, jsonEqual } from '../json.js';
import { labelSelectorFromObject, LabelSelectorError } from '../kube/label-selector.js';
import type { StatusCause } from './api-error.js';
import { invalidValue, requiredValue } from './api-error.js';
import { structuralSchemaProblems } from './crd-schema.js';
import type { ResourceType } from './resource-types.js';

export interface RuleContext {
  /** A free cluster IP for a new Service. */
  allocateClusterIP(): string;
}

type Rule = (object: JsonObject, old: JsonObject | undefined, ctx: RuleContext) => StatusCause[];

const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

function obj(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (isJsonObject(value)) return value;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function path(object: JsonObject, ...keys: string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = object;
  for (const k of keys) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function immutable(field: string, now: JsonValue | undefined, before: JsonValue | undefined, message = 'field is immutable'): StatusCause[] {
  return jsonEqual(now ?? null, before ?? null) ? [] : [invalidValue(field, now ?? null, message)];
}

function dataKeyCauses(field: string, data: JsonValue | undefined): StatusCause[] {
  if (data === undefined || data === null) return [];
  if (!isJsonObject(data)) return [invalidValue(field, data, 'must be a map')];
  return Object.keys(data)
    .filter((k) => !CONFIGMAP_KEY.test(k))
    .map((k) => invalidValue(field, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
}

function immutableDataCauses(object: JsonObject, old: JsonObject | undefined): StatusCause[] {
  if (!old || old.immutable !== true) return [];
  const causes: StatusCause[] = [];
  for (const field of ['data', 'binaryData', 'stringData']) {
    if (!jsonEqual(object[field] ?? null, old[field] ?? null)) causes.push({ reason: 'FieldValueForbidden', field, message: 'Forbidden: field is immutable when `immutable` is set' });
  }
  if (object.immutable !== true) causes.push({ reason: 'FieldValueForbidden', field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set' });
  return causes;
}

const namespaceRule: Rule = (ns, old) => {
  const metadata = obj(ns, 'metadata');
  const labels = obj(metadata, 'labels');
  labels['kubernetes.io/metadata.name'] = String(metadata.name ?? '');
  if (!old) {
    const spec = obj(ns, 'spec');
    if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
    ns.status = { phase: 'Active' };
  }
  return [];
};

const configMapRule: Rule = (cm, old) => [...dataKeyCauses('data', cm.data), ...dataKeyCauses('binaryData', cm.binaryData), ...immutableDataCauses(cm, old)];

const secretRule: Rule = (secret, old) => {
  if (typeof secret.type !== 'string' || secret.type === '') secret.type = old && typeof old.type === 'string' ? old.type : 'Opaque';
  // stringData is a write-only convenience: merged into data, never stored.
  if (isJsonObject(secret.stringData)) {
    const data = obj(secret, 'data');
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
  }
  delete secret.stringData;
  const causes = [...dataKeyCauses('data', secret.data), ...immutableDataCauses(secret, old)];
  if (old && old.type !== secret.type) causes.push(invalidValue('type', secret.type, 'field is immutable'));
  return causes;
};

const serviceRule: Rule = (svc, old, ctx) => {
  const spec = obj(svc, 'spec');
  if (typeof spec.type !== 'string' || spec.type === '') spec.type = 'ClusterIP';
  if (typeof spec.sessionAffinity !== 'string') spec.sessionAffinity = 'None';
  const causes: StatusCause[] = [];
  const oldSpec = old && isJsonObject(old.spec) ? old.spec : undefined;
  if (oldSpec) {
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = oldSpec.clusterIP ?? null;
    if (spec.clusterIPs === undefined) spec.clusterIPs = oldSpec.clusterIPs ?? null;
    causes.push(...immutable('spec.clusterIP', spec.clusterIP, oldSpec.clusterIP));
  } else if (spec.type !== 'ExternalName' && (spec.clusterIP === undefined || spec.clusterIP === '' || spec.clusterIP === null)) {
    spec.clusterIP = ctx.allocateClusterIP();
  }
  if (typeof spec.clusterIP === 'string' && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  if (Array.isArray(spec.ports)) {
    const seen = new Set<string>();
    spec.ports.forEach((p, i) => {
      if (!isJsonObject(p)) return causes.push(invalidValue(`spec.ports[${i}]`, p, 'must be an object'));
      if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) {
        causes.push(invalidValue(`spec.ports[${i}].port`, p.port ?? null, 'must be between 1 and 65535, inclusive'));
      }
      if (typeof p.protocol !== 'string') p.protocol = 'TCP';
      if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port ?? null;
      const id = `${String(p.port)}/${String(p.protocol)}`;
      if (seen.has(id)) causes.push({ reason: 'FieldValueDuplicate', field: `spec.ports[${i}]`, message: `Duplicate value: ${JSON.stringify(p)}` });
      seen.add(id);
      if (Array.isArray(spec.ports) && spec.ports.length > 1 && (typeof p.name !== 'string' || p.name === '')) causes.push(requiredValue(`spec.ports[${i}].name`));
      return undefined;
    });
  }
  if (!isJsonObject(svc.status)) svc.status = { loadBalancer: {} };
  return causes;
};

const pvcRule: Rule = (pvc, old) => {
  const spec = obj(pvc, 'spec');
  if (typeof spec.volumeMode !== 'string') spec.volumeMode = 'Filesystem';
  if (!old) {
    if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) return [requiredValue('spec.accessModes')];
    if (!isJsonObject(path(spec, 'resources', 'requests')) || path(spec, 'resources', 'requests', 'storage') === undefined) return [requiredValue('spec.resources[storage]')];
    if (!isJsonObject(pvc.status)) pvc.status = { phase: 'Pending' };
    return [];
  }
  const oldSpec = isJsonObject(old.spec) ? old.spec : {};
  const strip = (s: JsonObject): JsonObject => {
    const copy = structuredClone(s);
    if (isJsonObject(copy.resources)) delete copy.resources.requests;
    delete copy.volumeName;
    return copy;
  };
  return jsonEqual(strip(spec), strip(oldSpec))
    ? []
    : [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests for bound claims' }];
};

function selectorCauses(kind: string, spec: JsonObject, templateLabels: JsonValue | undefined): StatusCause[] {
  if (!isJsonObject(spec.selector)) return [requiredValue('spec.selector')];
  try {
    const selector = labelSelectorFromObject(spec.selector as Parameters<typeof labelSelectorFromObject>[0]);
    if (selector.empty) return [invalidValue('spec.selector', spec.selector, `empty selector is invalid for ${kind}`)];
    const labels = isJsonObject(templateLabels) ? (templateLabels as Record<string, string>) : {};
    if (!selector.matches(labels)) return [invalidValue('spec.template.metadata.labels', templateLabels ?? null, '`selector` does not match template `labels`')];
  } catch (e) {
    if (e instanceof LabelSelectorError) return [invalidValue('spec.selector', spec.selector, e.message)];
    throw e;
  }
  return [];
}

const deploymentRule: Rule = (deploy, old) => {
  const spec = obj(deploy, 'spec');
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  if (typeof spec.revisionHistoryLimit !== 'number') spec.revisionHistoryLimit = 10;
  if (typeof spec.progressDeadlineSeconds !== 'number') spec.progressDeadlineSeconds = 600;
  if (!isJsonObject(spec.strategy)) spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  const causes = selectorCauses('Deployment', spec, path(spec, 'template', 'metadata', 'labels'));
  if (typeof spec.replicas === 'number' && spec.replicas < 0) causes.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  if (old) causes.push(...immutable('spec.selector', spec.selector, path(old, 'spec', 'selector')));
  return causes;
};

const replicaSetRule: Rule = (rs, old) => {
  const spec = obj(rs, 'spec');
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  const causes = selectorCauses('ReplicaSet', spec, path(spec, 'template', 'metadata', 'labels'));
  if (old) causes.push(...immutable('spec.selector', spec.selector, path(old, 'spec', 'selector')));
  return causes;
};

const jobRule: Rule = (job, old) => {
  const spec = obj(job, 'spec');
  if (old) {
    return [
      ...immutable('spec.selector', spec.selector, path(old, 'spec', 'selector')),
      ...immutable('spec.template', spec.template, path(old, 'spec', 'template')),
    ];
  }
  const uid = String(path(job, 'metadata', 'uid') ?? '');
  const name = String(path(job, 'metadata', 'name') ?? '');
  if (typeof spec.backoffLimit !== 'number') spec.backoffLimit = 6;
  if (typeof spec.completions !== 'number') spec.completions = 1;
  if (typeof spec.parallelism !== 'number') spec.parallelism = 1;
  if (typeof spec.completionMode !== 'string') spec.completionMode = 'NonIndexed';
  if (!isJsonObject(spec.template)) return [requiredValue('spec.template')];
  // The server generates the selector and pod labels that tie a Job to its Pods, as real servers do.
  if (spec.manualSelector !== true) {
    const templateMeta = obj(spec.template, 'metadata');
    const labels = obj(templateMeta, 'labels');
    labels['controller-uid'] = uid;
    labels['job-name'] = name;
    labels['batch.kubernetes.io/controller-uid'] = uid;
    labels['batch.kubernetes.io/job-name'] = name;
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  }
  const restart = path(spec, 'template', 'spec', 'restartPolicy');
  if (restart !== 'Never' && restart !== 'OnFailure') {
    return [{ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: ${JSON.stringify(restart ?? 'Always')}: supported values: "OnFailure", "Never"` }];
  }
  return selectorCauses('Job', spec, path(spec, 'template', 'metadata', 'labels'));
};

const eventRule: Rule = (event) => {
  if (!isJsonObject(event.involvedObject)) return [requiredValue('involvedObject')];
  if (typeof event.type !== 'string' || event.type === '') event.type = 'Normal';
  return [];
};

const podRule: Rule = (pod, old) => {
  const spec = obj(pod, 'spec');
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) return [requiredValue('spec.containers')];
  if (typeof spec.restartPolicy !== 'string') spec.restartPolicy = 'Always';
  if (typeof spec.schedulerName !== 'string') spec.schedulerName = 'default-scheduler';
  if (typeof spec.serviceAccountName !== 'string') spec.serviceAccountName = 'default';
  if (typeof spec.terminationGracePeriodSeconds !== 'number') spec.terminationGracePeriodSeconds = 30;
  if (!old && !isJsonObject(pod.status)) pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
  return [];
};

/** The CRD's own shape: one served version, names, scope, a structural schema. */
const crdRule: Rule = (crd) => {
  const spec = obj(crd, 'spec');
  const names = isJsonObject(spec.names) ? spec.names : undefined;
  const causes: StatusCause[] = [];
  if (typeof spec.group !== 'string' || spec.group === '') causes.push(requiredValue('spec.group'));
  if (!names) causes.push(requiredValue('spec.names'));
  else {
    for (const k of ['plural', 'kind']) if (typeof names[k] !== 'string' || names[k] === '') causes.push(requiredValue(`spec.names.${k}`));
    if (typeof names.singular !== 'string' || names.singular === '') names.singular = String(names.kind ?? '').toLowerCase();
    if (typeof names.listKind !== 'string' || names.listKind === '') names.listKind = `${String(names.kind ?? '')}List`;
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"` });
  }
  const expectedName = names ? `${String(names.plural ?? '')}.${String(spec.group ?? '')}` : '';
  const name = String(path(crd, 'metadata', 'name') ?? '');
  if (names && name !== expectedName) causes.push(invalidValue('metadata.name', name, `must be spec.names.plural+"."+spec.group`));
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) causes.push(requiredValue('spec.versions'));
  else if (spec.versions.length > 1) causes.push(invalidValue('spec.versions', spec.versions.length, 'this server serves exactly one version per CustomResourceDefinition (multiple versions are not supported)'));
  else {
    const version = spec.versions[0];
    if (!isJsonObject(version) || typeof version.name !== 'string') causes.push(requiredValue('spec.versions[0].name'));
    else {
      if (version.served !== true) causes.push(invalidValue('spec.versions[0].served', version.served ?? false, 'the only version must be served'));
      if (version.storage !== true) causes.push(invalidValue('spec.versions[0].storage', version.storage ?? false, 'must have exactly one version marked as storage version'));
      const schema = path(version, 'schema', 'openAPIV3Schema');
      if (!isJsonObject(schema)) causes.push(requiredValue('spec.versions[0].schema.openAPIV3Schema'));
      else causes.push(...structuralSchemaProblems(schema, 'spec.versions[0].schema.openAPIV3Schema'));
    }
  }
  if (isJsonObject(spec.conversion) && spec.conversion.strategy !== undefined && spec.conversion.strategy !== 'None') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.conversion.strategy', message: `Unsupported value: ${JSON.stringify(spec.conversion.strategy)}: conversion webhooks are not supported` });
  }
  if (causes.length > 0) return causes;
  // The apiextensions controllers would set these a moment later; here the server does it at once.
  const version = (spec.versions as JsonObject[])[0];
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  crd.status = {
    conditions: [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
    ],
    acceptedNames: structuredClone(names as JsonObject),
    storedVersions: [String(version.name)],
  };
  return [];
};

const RULES: Record<string, Rule> = {
  'core/namespaces': namespaceRule,
  'core/configmaps': configMapRule,
  'core/secrets': secretRule,
  'core/services': serviceRule,
  'core/persistentvolumeclaims': pvcRule,
  'core/pods': podRule,
  'core/events': eventRule,
  'apps/deployments': deploymentRule,
  'apps/replicasets': replicaSetRule,
  'batch/jobs': jobRule,
  'apiextensions.k8s.io/customresourcedefinitions': crdRule,
};

/** Apply the kind's defaults and checks; `old` is the stored object on update. */
export function applyBuiltinRules(rt: ResourceType, object: JsonObject, old: JsonObject | undefined, ctx: RuleContext): StatusCause[] {
  const rule = RULES[`${rt.group || 'core'}/${rt.plural}`];
  return rule ? rule(object, old, ctx) : [];
}

// ---- typing ---------------------------------------------------------------------------------

/** The JSON a built-in field decodes from, after the Go type the real apiserver declares for it. */
type FieldType =
  | { readonly scalar: Scalar }
  | { readonly struct: string; readonly fields: Readonly<Record<string, FieldType>> }
  | { readonly mapOf: FieldType }
  | { readonly listOf: FieldType };

type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'base64' | 'time' | 'int-or-string' | 'quantity';

/** A field whose JSON cannot decode into its declared type: what a real decoder reports. */
export interface TypeProblem {
  field: string;
  value: JsonValue;
  /** Worded like the Go decoder's error, naming the field. */
  message: string;
}

const STRING: FieldType = { scalar: 'string' };
const INT32: FieldType = { scalar: 'int32' };
const INT64: FieldType = { scalar: 'int64' };
const BOOL: FieldType = { scalar: 'bool' };
const BASE64_BYTES: FieldType = { scalar: 'base64' };
/** metav1.Time and metav1.MicroTime: RFC 3339 strings. */
const TIME: FieldType = { scalar: 'time' };
const INT_OR_STRING: FieldType = { scalar: 'int-or-string' };
const QUANTITY: FieldType = { scalar: 'quantity' };
const struct = (name: string, fields: Record<string, FieldType> = {}): FieldType => ({ struct: name, fields });
const mapOf = (value: FieldType): FieldType => ({ mapOf: value });
const listOf = (item: FieldType): FieldType => ({ listOf: item });

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

const GO_SCALAR: Record<Scalar, string> = {
  string: 'string',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
  base64: '[]uint8',
  time: 'v1.Time',
  'int-or-string': 'intstr.IntOrString',
  quantity: 'resource.Quantity',
};

const STRING_MAP = mapOf(STRING);
const OBJECT_META_FIELDS = struct('ObjectMeta', {
  name: STRING,
  generateName: STRING,
  namespace: STRING,
  uid: STRING,
  resourceVersion: STRING,
  generation: INT64,
  creationTimestamp: TIME,
  deletionTimestamp: TIME,
  deletionGracePeriodSeconds: INT64,
  labels: STRING_MAP,
  annotations: STRING_MAP,
  finalizers: listOf(STRING),
  ownerReferences: listOf(struct('OwnerReference', { apiVersion: STRING, kind: STRING, name: STRING, uid: STRING, controller: BOOL, blockOwnerDeletion: BOOL })),
});
const LABEL_SELECTOR = struct('LabelSelector', {
  matchLabels: STRING_MAP,
  matchExpressions: listOf(struct('LabelSelectorRequirement', { key: STRING, operator: STRING, values: listOf(STRING) })),
});
const CONTAINER = struct('Container', {
  name: STRING,
  image: STRING,
  command: listOf(STRING),
  args: listOf(STRING),
  env: listOf(struct('EnvVar', { name: STRING, value: STRING })),
  ports: listOf(struct('ContainerPort', { name: STRING, containerPort: INT32, protocol: STRING })),
  volumeMounts: listOf(struct('VolumeMount', { name: STRING, mountPath: STRING, readOnly: BOOL })),
});
const POD_SPEC = struct('PodSpec', {
  containers: listOf(CONTAINER),
  initContainers: listOf(CONTAINER),
  volumes: listOf(struct('Volume', { name: STRING })),
  restartPolicy: STRING,
  nodeName: STRING,
  nodeSelector: STRING_MAP,
  schedulerName: STRING,
  serviceAccountName: STRING,
  terminationGracePeriodSeconds: INT64,
  activeDeadlineSeconds: INT64,
});
const POD_TEMPLATE = struct('PodTemplateSpec', { metadata: OBJECT_META_FIELDS, spec: POD_SPEC });

/** One table per kind: the fields a client can get wrong that the apiserver's decoder refuses. */
const TYPES: Record<string, FieldType> = {
  'core/namespaces': struct('Namespace', {
    spec: struct('NamespaceSpec', { finalizers: listOf(STRING) }),
    status: struct('NamespaceStatus', { phase: STRING }),
  }),
  'core/configmaps': struct('ConfigMap', { data: STRING_MAP, binaryData: mapOf(BASE64_BYTES), immutable: BOOL }),
  'core/secrets': struct('Secret', { data: mapOf(BASE64_BYTES), stringData: STRING_MAP, type: STRING, immutable: BOOL }),
  'core/services': struct('Service', {
    spec: struct('ServiceSpec', {
      type: STRING,
      clusterIP: STRING,
      clusterIPs: listOf(STRING),
      ports: listOf(struct('ServicePort', { name: STRING, protocol: STRING, port: INT32, targetPort: INT_OR_STRING, nodePort: INT32 })),
      selector: STRING_MAP,
      sessionAffinity: STRING,
      externalName: STRING,
      publishNotReadyAddresses: BOOL,
    }),
    status: struct('ServiceStatus'),
  }),
  'core/persistentvolumeclaims': struct('PersistentVolumeClaim', {
    spec: struct('PersistentVolumeClaimSpec', {
      accessModes: listOf(STRING),
      resources: struct('VolumeResourceRequirements', { requests: mapOf(QUANTITY), limits: mapOf(QUANTITY) }),
      storageClassName: STRING,
      volumeName: STRING,
      volumeMode: STRING,
      selector: LABEL_SELECTOR,
    }),
    status: struct('PersistentVolumeClaimStatus', { phase: STRING, capacity: mapOf(QUANTITY) }),
  }),
  'core/pods': struct('Pod', { spec: POD_SPEC, status: struct('PodStatus', { phase: STRING, podIP: STRING, hostIP: STRING, startTime: TIME }) }),
  'core/events': struct('Event', {
    involvedObject: struct('ObjectReference', {
      kind: STRING,
      namespace: STRING,
      name: STRING,
      uid: STRING,
      apiVersion: STRING,
      resourceVersion: STRING,
      fieldPath: STRING,
    }),
    reason: STRING,
    message: STRING,
    type: STRING,
    count: INT32,
    source: struct('EventSource', { component: STRING, host: STRING }),
    firstTimestamp: TIME,
    lastTimestamp: TIME,
    eventTime: TIME,
    reportingComponent: STRING,
    reportingInstance: STRING,
  }),
  'core/nodes': struct('Node', { spec: struct('NodeSpec', { unschedulable: BOOL, podCIDR: STRING }), status: struct('NodeStatus') }),
  'apps/deployments': struct('Deployment', {
    spec: struct('DeploymentSpec', {
      replicas: INT32,
      selector: LABEL_SELECTOR,
      template: POD_TEMPLATE,
      strategy: struct('DeploymentStrategy', { type: STRING }),
      minReadySeconds: INT32,
      revisionHistoryLimit: INT32,
      paused: BOOL,
      progressDeadlineSeconds: INT32,
    }),
    status: struct('DeploymentStatus', { observedGeneration: INT64, replicas: INT32, updatedReplicas: INT32, readyReplicas: INT32, availableReplicas: INT32 }),
  }),
  'apps/replicasets': struct('ReplicaSet', {
    spec: struct('ReplicaSetSpec', { replicas: INT32, minReadySeconds: INT32, selector: LABEL_SELECTOR, template: POD_TEMPLATE }),
    status: struct('ReplicaSetStatus', { replicas: INT32, readyReplicas: INT32, availableReplicas: INT32, observedGeneration: INT64 }),
  }),
  'batch/jobs': struct('Job', {
    spec: struct('JobSpec', {
      parallelism: INT32,
      completions: INT32,
      backoffLimit: INT32,
      activeDeadlineSeconds: INT64,
      ttlSecondsAfterFinished: INT32,
      selector: LABEL_SELECTOR,
      manualSelector: BOOL,
      template: POD_TEMPLATE,
      suspend: BOOL,
      completionMode: STRING,
    }),
    status: struct('JobStatus', { active: INT32, succeeded: INT32, failed: INT32, startTime: TIME, completionTime: TIME }),
  }),
  'coordination.k8s.io/leases': struct('Lease', {
    spec: struct('LeaseSpec', { holderIdentity: STRING, leaseDurationSeconds: INT32, acquireTime: TIME, renewTime: TIME, leaseTransitions: INT32 }),
  }),
  'apiextensions.k8s.io/customresourcedefinitions': struct('CustomResourceDefinition', {
    spec: struct('CustomResourceDefinitionSpec', {
      group: STRING,
      scope: STRING,
      names: struct('CustomResourceDefinitionNames', { plural: STRING, singular: STRING, kind: STRING, listKind: STRING, shortNames: listOf(STRING), categories: listOf(STRING) }),
      versions: listOf(struct('CustomResourceDefinitionVersion', { name: STRING, served: BOOL, storage: BOOL })),
    }),
    status: struct('CustomResourceDefinitionStatus'),
  }),
};

function jsonTypeOf(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'number' ? `number ${value}` : typeof value;
}

function goTypeOf(type: FieldType): string {
  if ('scalar' in type) return GO_SCALAR[type.scalar];
  if ('struct' in type) return `v1.${type.struct}`;
  if ('mapOf' in type) return `map[string]${goTypeOf(type.mapOf)}`;
  return `[]${goTypeOf(type.listOf)}`;
}

function scalarFits(scalar: Scalar, value: JsonValue): boolean {
  switch (scalar) {
    case 'string':
    case 'time':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'int32':
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX;
    case 'int64':
      return Number.isSafeInteger(value);
    case 'base64':
      return typeof value === 'string';
    case 'int-or-string':
      return typeof value === 'string' || (Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX);
    case 'quantity':
      return typeof value === 'string' || typeof value === 'number';
  }
}

/** Format problems of a value whose JSON type is right (base64 text, RFC 3339 times). */
function formatProblem(scalar: Scalar, value: JsonValue): string | undefined {
  if (scalar === 'base64' && !BASE64.test(value as string)) return 'illegal base64 data';
  if (scalar === 'time' && (!RFC3339.test(value as string) || Number.isNaN(Date.parse(value as string)))) return 'not an RFC 3339 time';
  return undefined;
}

function problemIn(kind: string, type: FieldType, value: JsonValue, path: string): TypeProblem | undefined {
  // Go decodes null into any field as its zero value.
  if (value === null) return undefined;
  const mismatch = (): TypeProblem => ({
    field: path,
    value,
    message: `json: cannot unmarshal ${jsonTypeOf(value)} into Go struct field ${kind}.${path} of type ${goTypeOf(type)}`,
  });
  if ('scalar' in type) {
    if (!scalarFits(type.scalar, value)) return mismatch();
    const format = formatProblem(type.scalar, value);
    return format ? { field: path, value, message: `${format} in Go struct field ${kind}.${path} of type ${goTypeOf(type)}` } : undefined;
  }
  if ('listOf' in type) {
    if (!Array.isArray(value)) return mismatch();
    for (const [i, item] of value.entries()) {
      const problem = problemIn(kind, type.listOf, item, `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isJsonObject(value)) return mismatch();
  for (const [key, item] of Object.entries(value)) {
    const itemType = 'mapOf' in type ? type.mapOf : Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    const problem = itemType && problemIn(kind, itemType, item, path ? `${path}.${key}` : key);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The first field of an object that its Go type could not decode, or undefined: metadata for every
 * kind; other fields only for kinds and fields with a table entry (custom resources have their CRD
 * schema instead).
 */
export function builtinTypeProblem(rt: ResourceType, object: JsonObject): TypeProblem | undefined {
  // Every kind, custom ones included, decodes its metadata into ObjectMeta.
  const metaProblem = object.metadata === undefined ? undefined : problemIn(rt.kind, OBJECT_META_FIELDS, object.metadata, 'metadata');
  if (metaProblem) return metaProblem;
  const type = TYPES[`${rt.group || 'core'}/${rt.plural}`];
  return type ? problemIn(rt.kind, type, object, '') : undefined;
}
