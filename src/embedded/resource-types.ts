/**
 * The kinds the embedded API server serves: a fixed set of built-in kinds plus one entry per stored
 * CustomResourceDefinition. Discovery, routing, validation and storage all read this one table, so a
 * kind is served exactly when it is listed here.
 */
import type { JsonObject } from '../json.js';
import { isJsonObject } from '../json.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Writes to the main resource keep the stored status; `/status` is served. */
  hasStatus: boolean;
  /** Kinds whose status reports observedGeneration carry metadata.generation. */
  tracksGeneration: boolean;
  /** Real servers answer an immediate DELETE of these kinds with the object, others with a Status. */
  deleteReturnsObject: boolean;
  /** Strategic merge patch is only defined for built-in kinds. */
  builtin: boolean;
  /** Names are DNS-1123 labels (namespaces, services) rather than subdomains. */
  nameIsLabel: boolean;
  verbs: readonly Verb[];
  /** openAPIV3Schema of a custom resource (validated by crd-schema.ts). */
  schema?: JsonObject;
  printerColumns: PrinterColumn[];
}

export function groupVersion(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

/** Storage identity of a kind: stable across versions of a group. */
export function resourceId(rt: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${rt.group || 'core'}/${rt.plural}`;
}

interface BuiltinSpec {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  hasStatus?: boolean;
  tracksGeneration?: boolean;
  deleteReturnsObject?: boolean;
  nameIsLabel?: boolean;
  verbs?: readonly Verb[];
}

function builtin(spec: BuiltinSpec): ResourceType {
  return {
    group: spec.group,
    version: spec.version,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    hasStatus: spec.hasStatus ?? false,
    tracksGeneration: spec.tracksGeneration ?? false,
    deleteReturnsObject: spec.deleteReturnsObject ?? false,
    builtin: true,
    nameIsLabel: spec.nameIsLabel ?? false,
    verbs: spec.verbs ?? ALL_VERBS,
    printerColumns: [],
  };
}

const NAMESPACE_VERBS: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const BUILTIN_TYPES: readonly ResourceType[] = [
  builtin({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], hasStatus: true, deleteReturnsObject: true, nameIsLabel: true, verbs: NAMESPACE_VERBS }),
  builtin({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] }),
  builtin({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret' }),
  builtin({ group: '', version: 'v1', plural: 'services', kind: 'Service', shortNames: ['svc'], categories: ['all'], hasStatus: true, deleteReturnsObject: true, nameIsLabel: true }),
  builtin({ group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] }),
  builtin({ group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', shortNames: ['pvc'], hasStatus: true, deleteReturnsObject: true }),
  builtin({ group: '', version: 'v1', plural: 'pods', kind: 'Pod', shortNames: ['po'], categories: ['all'], hasStatus: true, deleteReturnsObject: true }),
  builtin({ group: '', version: 'v1', plural: 'events', kind: 'Event', shortNames: ['ev'] }),
  builtin({ group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'], deleteReturnsObject: true }),
  builtin({ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], hasStatus: true, deleteReturnsObject: true }),
  builtin({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', shortNames: ['deploy'], categories: ['all'], hasStatus: true, tracksGeneration: true }),
  builtin({ group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', shortNames: ['rs'], categories: ['all'], hasStatus: true, tracksGeneration: true }),
  builtin({ group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', categories: ['all'], hasStatus: true, tracksGeneration: true }),
  builtin({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' }),
  builtin({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], hasStatus: true, tracksGeneration: true }),
];

export const CRD_TYPE = BUILTIN_TYPES.find((t) => t.plural === 'customresourcedefinitions') as ResourceType;
export const NAMESPACE_TYPE = BUILTIN_TYPES.find((t) => t.plural === 'namespaces') as ResourceType;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The served type a stored CRD defines, or undefined when the CRD names no served version. */
export function typeFromCrd(crd: JsonObject): ResourceType | undefined {
  const spec = crd.spec;
  if (!isJsonObject(spec) || !isJsonObject(spec.names) || !Array.isArray(spec.versions)) return undefined;
  const version = spec.versions.find((v) => isJsonObject(v) && v.served === true);
  if (!isJsonObject(version) || typeof version.name !== 'string') return undefined;
  const names = spec.names;
  const kind = String(names.kind ?? '');
  const subresources = isJsonObject(version.subresources) ? version.subresources : {};
  const schema = isJsonObject(version.schema) && isJsonObject(version.schema.openAPIV3Schema) ? version.schema.openAPIV3Schema : undefined;
  const columns: PrinterColumn[] = Array.isArray(version.additionalPrinterColumns)
    ? version.additionalPrinterColumns.filter(isJsonObject).map((c) => ({
        name: String(c.name ?? ''),
        type: String(c.type ?? 'string'),
        format: typeof c.format === 'string' ? c.format : '',
        description: typeof c.description === 'string' ? c.description : '',
        priority: typeof c.priority === 'number' ? c.priority : 0,
        jsonPath: String(c.jsonPath ?? ''),
      }))
    : [];
  const rt: ResourceType = {
    group: String(spec.group ?? ''),
    version: version.name,
    plural: String(names.plural ?? ''),
    singular: String(names.singular ?? kind.toLowerCase()),
    kind,
    listKind: String(names.listKind ?? `${kind}List`),
    namespaced: spec.scope !== 'Cluster',
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    hasStatus: isJsonObject(subresources.status),
    tracksGeneration: true,
    deleteReturnsObject: false,
    builtin: false,
    nameIsLabel: false,
    verbs: ALL_VERBS,
    printerColumns: columns,
  };
  if (schema) rt.schema = schema;
  return rt;
}

/** Lookup of served types, rebuilt whenever a CRD is written. */
export class ResourceRegistry {
  private byPath = new Map<string, ResourceType>();
  private custom: ResourceType[] = [];

  constructor() {
    this.rebuild();
  }

  setCustomTypes(types: ResourceType[]): void {
    this.custom = types;
    this.rebuild();
  }

  private rebuild(): void {
    this.byPath.clear();
    for (const t of [...BUILTIN_TYPES, ...this.custom]) this.byPath.set(`${groupVersion(t)}/${t.plural}`, t);
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group ? `${group}/` : ''}${version}/${plural}`);
  }

  all(): ResourceType[] {
    return [...BUILTIN_TYPES, ...this.custom];
  }

  /** Served group versions in discovery order: core first, then groups in the order they appear. */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const t of this.all()) {
      const gv = groupVersion(t);
      if (!seen.has(gv)) seen.set(gv, { group: t.group, version: t.version });
    }
    return [...seen.values()];
  }

  typesIn(group: string, version: string): ResourceType[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }

  namespacedTypes(): ResourceType[] {
    return this.all().filter((t) => t.namespaced);
  }
}
