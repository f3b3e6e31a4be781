/**
 * The semantics of the Kubernetes API verbs over the store: create, update, patch, delete (with
 * finalizers, garbage collection and namespace termination), list with selectors and chunking. The
 * HTTP layer only parses requests and renders answers; everything a client can observe about an
 * object's life is decided here.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject, JsonValue } from '../json.js';
import { isJsonObject, jsonEqual } from '../json.js';
import { LabelSelectorError, parseLabelSelector } from '../kube/label-selector.js';
import type { LabelSelector } from '../kube/label-selector.js';
import type { ResourceRef, StatusCause } from './api-error.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
  forbidden,
  invalid,
  invalidValue,
  notFound,
  requiredValue,
  resourceVersionTooLarge,
  unsupportedMediaType,
} from './api-error.js';
import { applyBuiltinRules, builtinTypeProblem } from './builtin-rules.js';
import type { RuleContext } from './builtin-rules.js';
import { validateCustomResource } from './crd-schema.js';
import type { StructuralSchema } from './crd-schema.js';
import { parseFieldSelector } from './field-selector.js';
import type { FieldSelector } from './field-selector.js';
import { finalizersOf, generatedName, metadataCauses, nameProblem, nowTimestamp } from './object-meta.js';
import { applyServerSide, applyShape } from './patch/apply-patch.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { applyStrategicMergePatch } from './patch/strategic-merge-patch.js';
import type { ResourceRegistry, ResourceType } from './resource-types.js';
import { CRD_TYPE, groupVersion, NAMESPACE_TYPE, resourceId, typeFromCrd } from './resource-types.js';
import type { Store, StoredEntry } from './store.js';
import { objectKey } from './store.js';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
}

export interface WriteResult {
  code: number;
  json: string;
  warnings: string[];
}

export interface DeleteOptions {
  propagationPolicy?: Propagation;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  resourceVersion: string;
  items: string[];
  continue?: string;
  remainingItemCount?: number;
}

export interface Selectors {
  label: LabelSelector;
  field: FieldSelector;
}

const FOREGROUND_FINALIZER = 'foregroundDeletion';
const ORPHAN_FINALIZER = 'orphan';
const NAMESPACE_FINALIZER = 'kubernetes';
/** generateName retries before giving up with AlreadyExists, as the real registry does. */
const GENERATE_NAME_ATTEMPTS = 8;
/** First service IP handed out, inside the default 10.96.0.0/12 service range. */
const SERVICE_IP_BASE = (10 << 24) | (96 << 16);
const SERVICE_IP_COUNT = 1 << 20;

const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface ContinueToken {
  rv: number;
  start: string;
}

function metadataOf(object: JsonObject): JsonObject {
  if (!isJsonObject(object.metadata)) object.metadata = {};
  return object.metadata as JsonObject;
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function parseSelectors(rt: ResourceType, labelSelector: string | undefined, fieldSelector: string | undefined): Selectors {
  let label: LabelSelector;
  try {
    label = parseLabelSelector(labelSelector ?? '');
  } catch (e) {
    if (e instanceof LabelSelectorError) throw badRequest(e.message);
    throw e;
  }
  return { label, field: parseFieldSelector(fieldSelector ?? '', rt.kind) };
}

export function selectorsMatch(selectors: Selectors, object: JsonObject): boolean {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  return selectors.label.matches(isJsonObject(metadata.labels) ? (metadata.labels as Record<string, string>) : undefined) && selectors.field.matches(object);
}

export class ApiCore {
  private nextServiceIp = 10;

  constructor(
    readonly store: Store,
    readonly registry: ResourceRegistry,
  ) {
    this.refreshCustomTypes();
  }

  ref(rt: ResourceType, name: string): ResourceRef {
    return { group: rt.group, plural: rt.plural, name };
  }

  typeOf(entry: StoredEntry): ResourceType | undefined {
    return this.registry.all().find((t) => resourceId(t) === entry.resource);
  }

  entry(rt: ResourceType, namespace: string, name: string): StoredEntry {
    const entry = this.store.get(resourceId(rt), rt.namespaced ? namespace : '', name);
    if (!entry) throw notFound(this.ref(rt, name));
    return entry;
  }

  // ---- create -------------------------------------------------------------------------------

  create(rt: ResourceType, namespace: string, body: JsonValue, options: WriteOptions): WriteResult {
    if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
    this.checkTypeMeta(rt, body);
    this.checkDecodable(rt, body);
    const object = structuredClone(body);
    const metadata = metadataOf(object);
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') throw badRequest('resourceVersion should not be set on objects to be created');
    if (rt.namespaced) {
      this.checkNamespaceMatches(metadata, namespace);
      metadata.namespace = namespace;
      this.checkNamespaceWritable(namespace);
    } else delete metadata.namespace;
    for (const field of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']) delete metadata[field];
    object.apiVersion = groupVersion(rt);
    object.kind = rt.kind;
    metadata.uid = randomUUID();
    metadata.creationTimestamp = nowTimestamp();
    if (rt.tracksGeneration) metadata.generation = 1;
    else delete metadata.generation;
    if (rt.hasStatus) delete object.status;

    const generate = (typeof metadata.name !== 'string' || metadata.name === '') && typeof metadata.generateName === 'string' && metadata.generateName !== '';
    if (generate) metadata.name = generatedName(String(metadata.generateName));
    const warnings = this.validate(rt, object, undefined, options.fieldValidation, String(metadata.name ?? ''));
    const ns = rt.namespaced ? namespace : '';
    if (generate) {
      for (let attempt = 1; this.store.get(resourceId(rt), ns, String(metadata.name)) && attempt < GENERATE_NAME_ATTEMPTS; attempt++) {
        metadata.name = generatedName(String(metadata.generateName));
      }
    }
    const name = String(metadata.name);
    if (this.store.get(resourceId(rt), ns, name)) throw alreadyExists(this.ref(rt, name));
    if (options.dryRun) return { code: 201, json: JSON.stringify(object), warnings };
    const event = this.store.put(resourceId(rt), ns, name, object);
    this.afterWrite(rt, object);
    this.collectIfOwnerless(resourceId(rt), ns, name);
    return { code: 201, json: event.json, warnings };
  }

  /**
   * An object created with owner references none of which exist is garbage, as the GC of a real
   * cluster finds it soon after (a controller acting on a stale cache creates such objects).
   * Collected after the create has answered, as Kubernetes does.
   */
  private collectIfOwnerless(resource: string, namespace: string, name: string): void {
    const entry = this.store.get(resource, namespace, name);
    if (!entry || entry.ownerUids.length === 0 || entry.ownerUids.some((uid) => this.ownerExists(uid, entry))) return;
    setImmediate(() => this.collectOrphan(entry));
  }

  // ---- update -------------------------------------------------------------------------------

  update(rt: ResourceType, namespace: string, name: string, body: JsonValue, subresource: string | undefined, options: WriteOptions): WriteResult {
    if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
    this.checkTypeMeta(rt, body);
    this.checkDecodable(rt, body);
    const entry = this.entry(rt, namespace, name);
    const bodyMeta = isJsonObject(body.metadata) ? body.metadata : {};
    if (bodyMeta.name !== undefined && bodyMeta.name !== name) throw badRequest('the name of the object (' + String(bodyMeta.name) + ') does not match the name on the URL (' + name + ')');
    if (rt.namespaced) this.checkNamespaceMatches(bodyMeta, namespace);
    const rv = str(bodyMeta.resourceVersion);
    if (rv === undefined || rv === '') {
      if (!rt.builtin) {
        throw invalid(rt.kind, rt.group, name, [invalidValue('metadata.resourceVersion', '0x0', 'must be specified for an update')]);
      }
    } else if (rv !== String(entry.rv)) throw conflict(this.ref(rt, name));
    return this.writeExisting(rt, entry, structuredClone(body), subresource, options);
  }

  patch(
    rt: ResourceType,
    namespace: string,
    name: string,
    contentType: string,
    patchBody: JsonValue,
    subresource: string | undefined,
    options: WriteOptions & { fieldManager?: string; force?: boolean },
  ): WriteResult {
    if (contentType === PATCH_TYPES.strategic && !rt.builtin) {
      throw unsupportedMediaType([PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]);
    }
    if (contentType === PATCH_TYPES.apply) return this.apply(rt, namespace, name, patchBody, subresource, options);
    const entry = this.store.get(resourceId(rt), rt.namespaced ? namespace : '', name);
    if (!entry) throw notFound(this.ref(rt, name));
    const current = JSON.parse(entry.json) as JsonObject;
    let patched: JsonValue;
    switch (contentType) {
      case PATCH_TYPES.json:
        patched = applyJsonPatch(current, patchBody, { kind: rt.kind, group: rt.group, name });
        break;
      case PATCH_TYPES.merge:
        if (!isJsonObject(patchBody)) throw badRequest('the merge patch must be a JSON object');
        patched = applyMergePatch(current, patchBody);
        break;
      case PATCH_TYPES.strategic:
        if (!isJsonObject(patchBody)) throw badRequest('the strategic merge patch must be a JSON object');
        patched = applyStrategicMergePatch(current, patchBody, rt.kind);
        break;
      default:
        throw unsupportedMediaType(rt.builtin ? Object.values(PATCH_TYPES) : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]);
    }
    return this.writePatched(rt, namespace, entry, patched, subresource, options);
  }

  /**
   * Server-side apply: creates the absent object, else removes what this manager applied before and
   * omits now and merges the rest (patch/apply-patch.ts). The applied document is recorded per
   * manager (and subresource) beside the object.
   */
  private apply(
    rt: ResourceType,
    namespace: string,
    name: string,
    patchBody: JsonValue,
    subresource: string | undefined,
    options: WriteOptions & { fieldManager?: string },
  ): WriteResult {
    if (!options.fieldManager) throw badRequest('PATCH, application/apply-patch+yaml requests must supply a fieldManager (the fieldManager query parameter)');
    if (!isJsonObject(patchBody)) throw badRequest('the apply patch must be a YAML or JSON object');
    this.checkTypeMeta(rt, patchBody);
    const ns = rt.namespaced ? namespace : '';
    // '\0' cannot occur in a query parameter kubectl sends: it separates the manager from the subresource.
    const manager = subresource ? `${options.fieldManager}\0${subresource}` : options.fieldManager;
    const entry = this.store.get(resourceId(rt), ns, name);
    let result: WriteResult;
    if (!entry) {
      const metadata = isJsonObject(patchBody.metadata) ? patchBody.metadata : {};
      if (metadata.name !== undefined && metadata.name !== name) throw badRequest('the name of the object does not match the name on the URL');
      result = this.create(rt, namespace, { ...patchBody, metadata: { ...metadata, name } }, options);
    } else {
      const previous = this.store.appliedBy(resourceId(rt), ns, name, manager);
      const shape = applyShape(rt.kind, rt.builtin ? undefined : (rt.schema as unknown as StructuralSchema | undefined));
      const patched = applyServerSide(JSON.parse(entry.json) as JsonObject, patchBody, previous, shape);
      result = this.writePatched(rt, namespace, entry, patched, subresource, options);
    }
    if (!options.dryRun && this.store.get(resourceId(rt), ns, name)) this.store.recordApplied(resourceId(rt), ns, name, manager, patchBody);
    return result;
  }

  /** The checks every patch result passes before it is written. */
  private writePatched(rt: ResourceType, namespace: string, entry: StoredEntry, patched: JsonValue, subresource: string | undefined, options: WriteOptions): WriteResult {
    const name = entry.name;
    if (!isJsonObject(patched)) throw badRequest('the patched object is not a JSON object');
    // A patch that leaves a field undecodable is the patch's fault: 422, as the apiserver's patch handler answers.
    const problem = builtinTypeProblem(rt, patched);
    if (problem) throw invalid(rt.kind, rt.group, name, [{ reason: 'FieldValueTypeInvalid', field: problem.field, message: `Invalid value: ${JSON.stringify(problem.value)}: ${problem.message}` }]);
    const patchedMeta = metadataOf(patched);
    if (patchedMeta.resourceVersion !== undefined && String(patchedMeta.resourceVersion) !== String(entry.rv)) throw conflict(this.ref(rt, name));
    if (patchedMeta.name !== name) throw badRequest('the name of the object does not match the name on the URL');
    // An empty namespace is filled from the URL, as the apiserver's BeforeUpdate does.
    if (rt.namespaced) this.checkNamespaceMatches(patchedMeta, namespace);
    return this.writeExisting(rt, entry, patched, subresource, options);
  }

  /** The common tail of update and patch: merge per subresource rules, validate, persist. */
  private writeExisting(rt: ResourceType, entry: StoredEntry, body: JsonObject, subresource: string | undefined, options: WriteOptions): WriteResult {
    const old = JSON.parse(entry.json) as JsonObject;
    let next: JsonObject;
    if (subresource === 'status') {
      next = structuredClone(old);
      if (body.status === undefined) delete next.status;
      else next.status = body.status;
    } else {
      next = body;
      if (rt.hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
    }
    next.apiVersion = groupVersion(rt);
    next.kind = rt.kind;
    const metadata = metadataOf(next);
    const oldMeta = metadataOf(old);
    for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name']) {
      if (oldMeta[field] === undefined) delete metadata[field];
      else metadata[field] = oldMeta[field];
    }
    delete metadata.managedFields;
    delete metadata.selfLink;
    metadata.resourceVersion = String(entry.rv);
    if (oldMeta.deletionTimestamp !== undefined) {
      const before = new Set(finalizersOf(oldMeta));
      if (finalizersOf(metadata).some((f) => !before.has(f))) {
        throw invalid(rt.kind, rt.group, entry.name, [
          { reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted' },
        ]);
      }
    }
    const warnings = this.validate(rt, next, old, options.fieldValidation, entry.name);
    if (rt.tracksGeneration && subresource !== 'status' && !jsonEqual(specPart(rt, next), specPart(rt, old))) {
      metadata.generation = Number(oldMeta.generation ?? 1) + 1;
    }
    if (jsonEqual(next, old)) return { code: 200, json: entry.json, warnings };
    if (options.dryRun) return { code: 200, json: JSON.stringify(next), warnings };
    if (metadata.deletionTimestamp !== undefined && finalizersOf(metadata).length === 0) {
      const event = this.store.remove(entry.resource, entry.namespace, entry.name, next);
      this.afterRemove(rt, entry, next);
      return { code: 200, json: event.json, warnings };
    }
    const event = this.store.put(entry.resource, entry.namespace, entry.name, next);
    this.afterWrite(rt, next);
    // A dependent that stops blocking (reference dropped, blockOwnerDeletion cleared) may release its owner.
    for (const ownerUid of entry.ownerUids) if (blocksOwnerDeletion(old, ownerUid) && !blocksOwnerDeletion(next, ownerUid)) this.finishForeground(ownerUid);
    return { code: 200, json: event.json, warnings };
  }

  // ---- delete -------------------------------------------------------------------------------

  delete(rt: ResourceType, namespace: string, name: string, options: DeleteOptions): WriteResult {
    const entry = this.entry(rt, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== entry.uid) {
      throw conflict(this.ref(rt, name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${entry.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== String(entry.rv)) {
      throw conflict(this.ref(rt, name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${entry.rv}`);
    }
    if (options.dryRun) return { code: 200, json: rt.deleteReturnsObject ? entry.json : JSON.stringify(this.successStatus(rt, entry)), warnings: [] };
    const result = this.deleteEntry(rt, entry, options.propagationPolicy ?? 'Background');
    if (result.removed && !rt.deleteReturnsObject) return { code: 200, json: JSON.stringify(this.successStatus(rt, entry)), warnings: [] };
    return { code: 200, json: result.json, warnings: [] };
  }

  deleteCollection(rt: ResourceType, namespace: string | undefined, list: ListOptions, options: DeleteOptions): string[] {
    const selectors = parseSelectors(rt, list.labelSelector, list.fieldSelector);
    const deleted: string[] = [];
    for (const entry of this.store.list(resourceId(rt), rt.namespaced ? namespace : undefined)) {
      if (!selectorsMatch(selectors, JSON.parse(entry.json) as JsonObject)) continue;
      if (options.dryRun) deleted.push(entry.json);
      else {
        const current = this.store.get(entry.resource, entry.namespace, entry.name);
        if (current) deleted.push(this.deleteEntry(rt, current, options.propagationPolicy ?? 'Background').json);
      }
    }
    return deleted;
  }

  private successStatus(rt: ResourceType, entry: StoredEntry): JsonObject {
    const details: JsonObject = { name: entry.name };
    if (rt.group) details.group = rt.group;
    details.kind = rt.plural;
    details.uid = entry.uid;
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
  }

  /**
   * Delete now, or mark for deletion when finalizers (the object's own, or the propagation policy's)
   * must run first. Returns the last state written.
   */
  private deleteEntry(rt: ResourceType, entry: StoredEntry, propagation: Propagation): { removed: boolean; json: string } {
    const object = JSON.parse(entry.json) as JsonObject;
    const metadata = metadataOf(object);
    if (rt === NAMESPACE_TYPE || resourceId(rt) === resourceId(NAMESPACE_TYPE)) return this.terminateNamespace(entry, object);
    const finalizers = finalizersOf(metadata);
    const hasDependents = this.store.dependentsOf(entry.uid).length > 0;
    if (propagation === 'Foreground' && hasDependents && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
    if (propagation === 'Orphan' && hasDependents && !finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);
    if (finalizers.length === 0) {
      const event = this.store.remove(entry.resource, entry.namespace, entry.name, object);
      this.afterRemove(rt, entry, object);
      return { removed: true, json: event.json };
    }
    const alreadyDeleting = metadata.deletionTimestamp !== undefined;
    metadata.finalizers = finalizers;
    if (!alreadyDeleting) {
      metadata.deletionTimestamp = nowTimestamp();
      metadata.deletionGracePeriodSeconds = 0;
    }
    let last = jsonEqual(JSON.parse(entry.json), object) ? entry.json : this.store.put(entry.resource, entry.namespace, entry.name, object).json;
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      for (const dependent of this.store.dependentsOf(entry.uid)) this.collectForForeground(dependent, entry.uid);
      last = this.finishForeground(entry.uid) ?? last;
    }
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const dependent of this.store.dependentsOf(entry.uid)) this.dropOwnerReference(dependent, entry.uid);
      last = this.removeFinalizer(entry.uid, ORPHAN_FINALIZER) ?? last;
    }
    const gone = !this.store.getByUid(entry.uid);
    return { removed: gone, json: last };
  }

  /**
   * A dependent of an owner deleted in the foreground: deleted too, unless another owner still holds
   * it, in which case it only loses the reference (what Kubernetes' garbage collector does).
   */
  private collectForForeground(dependent: StoredEntry, ownerUid: string): void {
    const rt = this.typeOf(dependent);
    const current = this.store.get(dependent.resource, dependent.namespace, dependent.name);
    if (!rt || !current) return;
    if (current.ownerUids.some((uid) => uid !== ownerUid && this.solidOwner(uid, current))) this.dropOwnerReference(current, ownerUid);
    else this.deleteEntry(rt, current, 'Foreground');
  }

  /** An owner that exists and is not itself waiting for its dependents to go. */
  private solidOwner(uid: string, dependent: StoredEntry): boolean {
    if (!this.ownerExists(uid, dependent)) return false;
    const owner = this.store.getByUid(uid) as StoredEntry;
    const metadata = metadataOf(JSON.parse(owner.json) as JsonObject);
    return metadata.deletionTimestamp === undefined || !finalizersOf(metadata).includes(FOREGROUND_FINALIZER);
  }

  private dropOwnerReference(dependent: StoredEntry, ownerUid: string): void {
    const current = this.store.get(dependent.resource, dependent.namespace, dependent.name);
    if (!current) return;
    const object = JSON.parse(current.json) as JsonObject;
    const metadata = metadataOf(object);
    const refs = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences : [];
    const kept = refs.filter((r) => !(isJsonObject(r) && r.uid === ownerUid));
    if (kept.length === refs.length) return;
    if (kept.length === 0) delete metadata.ownerReferences;
    else metadata.ownerReferences = kept;
    this.store.put(current.resource, current.namespace, current.name, object);
  }

  /** Remove one finalizer from the object with this uid; deletes it when it was the last. */
  private removeFinalizer(uid: string, finalizer: string): string | undefined {
    const entry = this.store.getByUid(uid);
    if (!entry) return undefined;
    const object = JSON.parse(entry.json) as JsonObject;
    const metadata = metadataOf(object);
    const finalizers = finalizersOf(metadata);
    if (!finalizers.includes(finalizer)) return undefined;
    const kept = finalizers.filter((f) => f !== finalizer);
    if (kept.length === 0) delete metadata.finalizers;
    else metadata.finalizers = kept;
    const rt = this.typeOf(entry);
    if (kept.length === 0 && metadata.deletionTimestamp !== undefined) {
      const event = this.store.remove(entry.resource, entry.namespace, entry.name, object);
      if (rt) this.afterRemove(rt, entry, object);
      return event.json;
    }
    return this.store.put(entry.resource, entry.namespace, entry.name, object).json;
  }

  private finishForeground(ownerUid: string): string | undefined {
    const owner = this.store.getByUid(ownerUid);
    if (!owner) return undefined;
    const metadata = metadataOf(JSON.parse(owner.json) as JsonObject);
    if (!finalizersOf(metadata).includes(FOREGROUND_FINALIZER)) return undefined;
    // Only dependents that say so hold their owner back; the others are collected once it is gone.
    if (this.store.dependentsOf(ownerUid).some((d) => blocksOwnerDeletion(JSON.parse(d.json) as JsonObject, ownerUid))) return undefined;
    return this.removeFinalizer(ownerUid, FOREGROUND_FINALIZER);
  }

  private terminateNamespace(entry: StoredEntry, object: JsonObject): { removed: boolean; json: string } {
    const metadata = metadataOf(object);
    let json = entry.json;
    if (metadata.deletionTimestamp === undefined) {
      metadata.deletionTimestamp = nowTimestamp();
      metadata.deletionGracePeriodSeconds = 0;
      object.status = { phase: 'Terminating' };
      json = this.store.put(entry.resource, '', entry.name, object).json;
    }
    for (const rt of this.registry.namespacedTypes()) {
      for (const item of this.store.list(resourceId(rt), entry.name)) {
        const current = this.store.get(item.resource, item.namespace, item.name);
        if (current) this.deleteEntry(rt, current, 'Background');
      }
    }
    const final = this.finishNamespace(entry.name);
    return final ? { removed: true, json: final } : { removed: false, json };
  }

  /** Remove a terminating namespace once nothing is left in it. */
  private finishNamespace(namespace: string): string | undefined {
    const entry = this.store.get(resourceId(NAMESPACE_TYPE), '', namespace);
    if (!entry) return undefined;
    const object = JSON.parse(entry.json) as JsonObject;
    if (metadataOf(object).deletionTimestamp === undefined) return undefined;
    for (const rt of this.registry.namespacedTypes()) if (this.store.list(resourceId(rt), namespace).length > 0) return undefined;
    if (isJsonObject(object.spec)) object.spec.finalizers = (Array.isArray(object.spec.finalizers) ? object.spec.finalizers : []).filter((f) => f !== NAMESPACE_FINALIZER);
    const event = this.store.remove(entry.resource, '', namespace, object);
    return event.json;
  }

  /** Garbage collection and bookkeeping that follow an object's removal. */
  private afterRemove(rt: ResourceType, entry: StoredEntry, finalState: JsonObject): void {
    for (const dependent of this.store.dependentsOf(entry.uid)) this.collectOrphan(dependent);
    for (const ownerUid of entry.ownerUids) this.finishForeground(ownerUid);
    if (rt.namespaced && entry.namespace) this.finishNamespace(entry.namespace);
    if (resourceId(rt) === resourceId(CRD_TYPE)) {
      const removedType = typeFromCrd(finalState);
      if (removedType) {
        for (const item of this.store.list(resourceId(removedType))) {
          const current = this.store.get(item.resource, item.namespace, item.name);
          if (current) this.store.remove(current.resource, current.namespace, current.name, JSON.parse(current.json) as JsonObject);
        }
      }
      this.refreshCustomTypes();
    }
  }

  /** A dependent whose owner is gone: drop the dangling reference, or delete it if no owner is left. */
  private collectOrphan(dependent: StoredEntry): void {
    const current = this.store.get(dependent.resource, dependent.namespace, dependent.name);
    if (!current) return;
    const liveOwners = current.ownerUids.filter((uid) => this.ownerExists(uid, current));
    if (liveOwners.length > 0) {
      for (const uid of current.ownerUids) if (!liveOwners.includes(uid)) this.dropOwnerReference(current, uid);
      return;
    }
    const rt = this.typeOf(current);
    if (rt) this.deleteEntry(rt, current, 'Background');
  }

  /** Owners resolve in the dependent's namespace or among cluster-scoped objects, never elsewhere. */
  private ownerExists(uid: string, dependent: StoredEntry): boolean {
    const owner = this.store.getByUid(uid);
    if (!owner) return false;
    return owner.namespace === '' || owner.namespace === dependent.namespace;
  }

  /** Startup sweep: objects whose owners vanished (a crash mid-cascade) are garbage too. */
  collectGarbage(): number {
    let collected = 0;
    for (const ownerUid of this.store.ownerUids()) {
      for (const dependent of this.store.dependentsOf(ownerUid)) {
        if (this.ownerExists(ownerUid, dependent)) continue;
        this.collectOrphan(dependent);
        collected++;
      }
    }
    for (const ns of this.store.list(resourceId(NAMESPACE_TYPE))) this.finishNamespace(ns.name);
    return collected;
  }

  private afterWrite(rt: ResourceType, object: JsonObject): void {
    if (resourceId(rt) === resourceId(CRD_TYPE)) this.refreshCustomTypes();
    void object;
  }

  refreshCustomTypes(): void {
    const types: ResourceType[] = [];
    for (const entry of this.store.list(resourceId(CRD_TYPE))) {
      const crd = JSON.parse(entry.json) as JsonObject;
      if (metadataOf(crd).deletionTimestamp !== undefined) continue;
      const rt = typeFromCrd(crd);
      if (rt) types.push(rt);
    }
    this.registry.setCustomTypes(types);
  }

  // ---- list ---------------------------------------------------------------------------------

  list(rt: ResourceType, namespace: string | undefined, options: ListOptions): ListResult {
    const selectors = parseSelectors(rt, options.labelSelector, options.fieldSelector);
    const resource = resourceId(rt);
    const ns = rt.namespaced ? namespace : undefined;
    let token: ContinueToken | undefined;
    if (options.continue) token = decodeContinue(options.continue);
    const requested = options.resourceVersion;
    if (requested !== undefined && requested !== '' && !/^\d+$/.test(requested)) throw badRequest(`invalid resource version: ${requested}`);
    if (options.resourceVersionMatch !== undefined && options.resourceVersionMatch !== '') {
      if (!['Exact', 'NotOlderThan'].includes(options.resourceVersionMatch)) throw badRequest(`resourceVersionMatch: Unsupported value: "${options.resourceVersionMatch}"`);
      if (!requested) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    const current = this.store.revision;
    const asked = requested ? Number(requested) : undefined;
    // A revision from the future (the store was wiped or replaced under a running client) is never waited for.
    const newest = Math.max(asked ?? 0, token?.rv ?? 0);
    if (newest > current) throw resourceVersionTooLarge(newest, current);
    let snapshot: number | undefined;
    if (token) snapshot = token.rv;
    else if (asked !== undefined && asked !== 0 && (options.resourceVersionMatch === 'Exact' || (options.resourceVersionMatch === undefined && options.limit))) snapshot = asked;

    let rows: { key: string; json: string; labels?: Readonly<Record<string, string>> }[];
    if (snapshot !== undefined && snapshot !== current) {
      try {
        rows = this.store.listAt(resource, snapshot, ns);
      } catch (e) {
        // The fresh token continues after the same key at the current revision: an inconsistent list, as the message says.
        if (e instanceof ApiError && e.code === 410 && token) throw expired(CONTINUE_TOO_OLD, encodeContinue({ rv: current, start: token.start }));
        throw e;
      }
    } else rows = this.store.list(resource, ns);
    const listRv = snapshot ?? current;

    const nameEquals = selectors.field.nameEquals();
    const needsObject = selectors.field.requirements.some((r) => r.field !== 'metadata.name' && r.field !== 'metadata.namespace');
    const items: string[] = [];
    let lastKey = '';
    let remaining = 0;
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    for (const row of rows) {
      if (token && row.key <= token.start) continue;
      const sep = row.key.indexOf('\0');
      if (nameEquals !== undefined && row.key.slice(sep + 1) !== nameEquals) continue;
      if (needsObject || !row.labels) {
        if (!selectorsMatch(selectors, JSON.parse(row.json) as JsonObject)) continue;
      } else {
        if (!selectors.label.matches(row.labels)) continue;
        if (!selectors.field.matches({ metadata: { name: row.key.slice(sep + 1), namespace: row.key.slice(0, sep) } })) continue;
      }
      if (items.length < limit) {
        items.push(row.json);
        lastKey = row.key;
      } else remaining++;
    }
    const result: ListResult = { resourceVersion: String(listRv), items };
    if (remaining > 0) {
      result.continue = encodeContinue({ rv: listRv, start: lastKey });
      result.remainingItemCount = remaining;
    }
    return result;
  }

  // ---- validation ---------------------------------------------------------------------------

  private checkTypeMeta(rt: ResourceType, body: JsonObject): void {
    if (body.apiVersion !== undefined && body.apiVersion !== groupVersion(rt)) {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${groupVersion(rt)})`);
    }
    if (body.kind !== undefined && body.kind !== rt.kind) {
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${rt.kind})`);
    }
    if (body.metadata !== undefined && !isJsonObject(body.metadata)) throw badRequest('metadata must be an object');
  }

  /** A request body whose fields do not decode into the kind's types: 400, as the apiserver's decoder answers. */
  private checkDecodable(rt: ResourceType, body: JsonObject): void {
    const problem = builtinTypeProblem(rt, body);
    if (problem) throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${problem.message}`);
  }

  private checkNamespaceMatches(metadata: JsonObject, namespace: string): void {
    if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  private checkNamespaceWritable(namespace: string): void {
    const ns = this.store.get(resourceId(NAMESPACE_TYPE), '', namespace);
    if (!ns) throw notFound({ group: '', plural: 'namespaces', name: namespace });
    const metadata = metadataOf(JSON.parse(ns.json) as JsonObject);
    if (metadata.deletionTimestamp !== undefined) {
      throw forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`, { group: '', plural: 'namespaces', name: namespace });
    }
  }

  /** Name, metadata, kind rules and CRD schema; throws 422 with every cause, returns warnings. */
  private validate(rt: ResourceType, object: JsonObject, old: JsonObject | undefined, fieldValidation: FieldValidation, name: string): string[] {
    const metadata = metadataOf(object);
    const causes: StatusCause[] = [];
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      causes.push({ ...requiredValue('metadata.name'), message: 'Required value: name or generateName is required' });
    } else if (!old) {
      const problem = nameProblem(rt, metadata.name);
      if (problem) causes.push(invalidValue('metadata.name', metadata.name, problem));
    }
    causes.push(...metadataCauses(metadata));
    const warnings: string[] = [];
    if (causes.length === 0) causes.push(...applyBuiltinRules(rt, object, old, this.ruleContext));
    if (!rt.builtin && rt.schema) {
      const result = validateCustomResource(rt.schema as unknown as StructuralSchema, object);
      causes.push(...result.causes);
      if (result.unknownFields.length > 0) {
        if (fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${result.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`);
        if (fieldValidation === 'Warn') warnings.push(...result.unknownFields.map((f) => `unknown field "${f}"`));
      }
      for (const key of Object.keys(object)) delete object[key];
      Object.assign(object, result.value);
    }
    if (causes.length > 0) throw invalid(rt.kind, rt.group, name || String(metadata.generateName ?? ''), causes);
    return warnings;
  }

  private readonly ruleContext: RuleContext = {
    allocateClusterIP: () => {
      const used = new Set<string>();
      for (const svc of this.store.list('core/services')) {
        const spec = (JSON.parse(svc.json) as JsonObject).spec;
        if (isJsonObject(spec) && typeof spec.clusterIP === 'string') used.add(spec.clusterIP);
      }
      for (let i = 0; i < SERVICE_IP_COUNT; i++) {
        const n = SERVICE_IP_BASE + ((this.nextServiceIp + i) % SERVICE_IP_COUNT);
        const ip = `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
        if (!used.has(ip) && (n & 255) !== 0 && (n & 255) !== 255) {
          this.nextServiceIp = (this.nextServiceIp + i + 1) % SERVICE_IP_COUNT;
          return ip;
        }
      }
      throw new ApiError(500, 'InternalError', 'the service IP range is exhausted');
    },
  };
}

function blocksOwnerDeletion(dependent: JsonObject, ownerUid: string): boolean {
  const refs = isJsonObject(dependent.metadata) ? dependent.metadata.ownerReferences : undefined;
  return Array.isArray(refs) && refs.some((r) => isJsonObject(r) && r.uid === ownerUid && r.blockOwnerDeletion === true);
}

/** What generation tracks: everything but metadata, and status when it is a subresource. */
function specPart(rt: ResourceType, object: JsonObject): JsonObject {
  const copy: JsonObject = { ...object };
  delete copy.metadata;
  delete copy.apiVersion;
  delete copy.kind;
  if (rt.hasStatus) delete copy.status;
  return copy;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ rv: token.rv, start: token.start }), 'utf8').toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (isJsonObject(parsed) && Number.isSafeInteger(parsed.rv) && (parsed.rv as number) >= 0 && typeof parsed.start === 'string') {
      return { rv: parsed.rv as number, start: parsed.start };
    }
  } catch {
    // fall through to the 400 below
  }
  throw badRequest('continue key is not valid: the token could not be decoded');
}

export { objectKey };
