/**
 * The embedded API server's storage, after kine: a global revision counter, the current state of every
 * object, a per-type log of recent events used to resume watches and rebuild older list snapshots, and
 * beside each object the documents its field managers last applied (server-side apply).
 * One process owns the database (SQLite exclusive locking), better-sqlite3 is synchronous, so writes are
 * serialised by the event loop and revisions have no gaps. Everything but the applied documents is also
 * held in memory as JSON text, so reads never touch SQLite.
 */
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { JsonObject } from '../json.js';
import { isJsonObject } from '../json.js';
import { expired } from './api-error.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEntry {
  readonly resource: string;
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly rv: number;
  readonly json: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ownerUids: readonly string[];
}

export interface StoreEvent {
  readonly rev: number;
  readonly resource: string;
  readonly key: string;
  readonly type: EventType;
  /** New state, or the final state (carrying the deletion's revision) for DELETED. */
  readonly json: string;
  /** State before this write; null for ADDED. */
  readonly prevJson: string | null;
}

/** Events kept per resource type before the oldest are compacted (and watches from before them get 410). */
export const DEFAULT_WATCH_WINDOW = 1000;
/** The meta row holding the revision a brand-new store started at. */
const ORIGIN_KEY = 'origin';
/** Compaction runs once a type's log exceeds its window by this fraction, so it is batched. */
const COMPACTION_SLACK_FRACTION = 0.1;

/** Sort key: namespace then name, like etcd key order ('\0' sorts below every name character). */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}\0${name}`;
}

function metadataOf(object: JsonObject): JsonObject {
  return isJsonObject(object.metadata) ? object.metadata : {};
}

function labelsOf(metadata: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  if (isJsonObject(metadata.labels)) for (const [k, v] of Object.entries(metadata.labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

function ownerUidsOf(metadata: JsonObject): string[] {
  if (!Array.isArray(metadata.ownerReferences)) return [];
  return metadata.ownerReferences.filter(isJsonObject).map((r) => String(r.uid ?? '')).filter(Boolean);
}

interface TypeState {
  entries: Map<string, StoredEntry>;
  sortedKeys: string[] | null;
  ring: StoreEvent[];
  floor: number;
}

export interface StoreOptions {
  watchWindow?: number;
  /** For tests of crash safety: 'FULL' survives power loss, 'NORMAL' only a process kill. */
  synchronous?: 'FULL' | 'NORMAL';
}

export class Store {
  private readonly db: Database.Database;
  private readonly types = new Map<string, TypeState>();
  private readonly byUid = new Map<string, StoredEntry>();
  private readonly dependents = new Map<string, Set<StoredEntry>>();
  private readonly window: number;
  private rev: number;
  private readonly origin: number;
  private listeners: ((event: StoreEvent, entry: StoredEntry | undefined) => void)[] = [];

  private readonly stmts: {
    setMeta: Database.Statement;
    upsert: Database.Statement;
    deleteObject: Database.Statement;
    insertEvent: Database.Statement;
    compact: Database.Statement;
    getApplied: Database.Statement;
    setApplied: Database.Statement;
    deleteApplied: Database.Statement;
  };

  constructor(path: string, options: StoreOptions = {}) {
    this.window = options.watchWindow ?? DEFAULT_WATCH_WINDOW;
    this.db = new Database(path);
    chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    // Exclusive locking makes a second process fail fast instead of corrupting the revision sequence,
    // and the lock dies with the process (no stale lock file after kill -9).
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, resource TEXT NOT NULL, rv INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (rev INTEGER PRIMARY KEY, resource TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, prev TEXT);
      CREATE INDEX IF NOT EXISTS events_by_resource ON events (resource, rev);
      CREATE TABLE IF NOT EXISTS applied (key TEXT NOT NULL, manager TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (key, manager));
    `);
    this.db.exec('BEGIN IMMEDIATE; COMMIT;');
    this.stmts = {
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      upsert: this.db.prepare('INSERT INTO objects (key, resource, rv, body) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET rv = excluded.rv, body = excluded.body'),
      deleteObject: this.db.prepare('DELETE FROM objects WHERE key = ?'),
      insertEvent: this.db.prepare('INSERT INTO events (rev, resource, key, type, body, prev) VALUES (?, ?, ?, ?, ?, ?)'),
      compact: this.db.prepare('DELETE FROM events WHERE resource = ? AND rev <= ?'),
      getApplied: this.db.prepare('SELECT body FROM applied WHERE key = ? AND manager = ?'),
      setApplied: this.db.prepare('INSERT INTO applied (key, manager, body) VALUES (?, ?, ?) ON CONFLICT(key, manager) DO UPDATE SET body = excluded.body'),
      deleteApplied: this.db.prepare('DELETE FROM applied WHERE key = ?'),
    };
    this.rev = this.loadRevision();
    this.origin = this.loadOrigin();
    this.load();
  }

  private loadRevision(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'revision'").get() as { value: string } | undefined;
    if (row) return Number(row.value);
    // A brand-new store starts above any revision a client of a wiped store could still hold, and
    // records where it started: revisions below that were never issued here.
    const seed = Date.now() * 1000;
    this.db.transaction(() => {
      this.stmts.setMeta.run('revision', String(seed));
      this.stmts.setMeta.run(ORIGIN_KEY, String(seed));
    })();
    return seed;
  }

  /**
   * The revision this store started at. A client holding an older one (from a wiped or replaced
   * store) cannot resume from it: its watch gets 410 Expired and relists, as after a compaction.
   * Stores created before the origin was recorded answer 0 (every revision may be theirs).
   */
  private loadOrigin(): number {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(ORIGIN_KEY) as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  private load(): void {
    const objects = this.db.prepare('SELECT key, resource, body FROM objects').iterate() as Iterable<{ key: string; resource: string; body: string }>;
    for (const row of objects) {
      const object = JSON.parse(row.body) as JsonObject;
      const [ns, name] = splitKey(row.key.slice(row.resource.length + 1));
      this.index(this.entryFor(row.resource, ns, name, object, row.body));
    }
    const floors = this.db.prepare("SELECT key, value FROM meta WHERE key LIKE 'floor:%'").all() as { key: string; value: string }[];
    for (const f of floors) this.typeState(f.key.slice('floor:'.length)).floor = Number(f.value);
    const events = this.db.prepare('SELECT rev, resource, key, type, body, prev FROM events ORDER BY rev').iterate() as Iterable<{
      rev: number;
      resource: string;
      key: string;
      type: EventType;
      body: string;
      prev: string | null;
    }>;
    for (const e of events) {
      this.typeState(e.resource).ring.push({ rev: e.rev, resource: e.resource, key: e.key, type: e.type, json: e.body, prevJson: e.prev });
    }
  }

  private typeState(resource: string): TypeState {
    let state = this.types.get(resource);
    if (!state) {
      state = { entries: new Map(), sortedKeys: null, ring: [], floor: this.origin };
      this.types.set(resource, state);
    }
    return state;
  }

  private entryFor(resource: string, namespace: string, name: string, object: JsonObject, json: string): StoredEntry {
    const metadata = metadataOf(object);
    return {
      resource,
      key: objectKey(namespace, name),
      namespace,
      name,
      uid: String(metadata.uid ?? ''),
      rv: Number(metadata.resourceVersion ?? 0),
      json,
      labels: labelsOf(metadata),
      ownerUids: ownerUidsOf(metadata),
    };
  }

  private index(entry: StoredEntry): void {
    const state = this.typeState(entry.resource);
    const previous = state.entries.get(entry.key);
    if (previous) this.unindexRelations(previous);
    else state.sortedKeys = null;
    state.entries.set(entry.key, entry);
    if (entry.uid) this.byUid.set(entry.uid, entry);
    for (const owner of entry.ownerUids) {
      let set = this.dependents.get(owner);
      if (!set) this.dependents.set(owner, (set = new Set()));
      set.add(entry);
    }
  }

  private unindexRelations(entry: StoredEntry): void {
    if (this.byUid.get(entry.uid) === entry) this.byUid.delete(entry.uid);
    for (const owner of entry.ownerUids) {
      const set = this.dependents.get(owner);
      if (!set) continue;
      set.delete(entry);
      if (set.size === 0) this.dependents.delete(owner);
    }
  }

  private unindex(entry: StoredEntry): void {
    const state = this.typeState(entry.resource);
    state.entries.delete(entry.key);
    state.sortedKeys = null;
    this.unindexRelations(entry);
  }

  /** The current global revision: the resourceVersion of the newest write. */
  get revision(): number {
    return this.rev;
  }

  onCommit(listener: (event: StoreEvent, entry: StoredEntry | undefined) => void): void {
    this.listeners.push(listener);
  }

  get(resource: string, namespace: string, name: string): StoredEntry | undefined {
    return this.types.get(resource)?.entries.get(objectKey(namespace, name));
  }

  getByUid(uid: string): StoredEntry | undefined {
    return this.byUid.get(uid);
  }

  dependentsOf(uid: string): StoredEntry[] {
    return [...(this.dependents.get(uid) ?? [])];
  }

  /** Every object whose ownerReferences name a uid (for the garbage collector's startup sweep). */
  ownerUids(): string[] {
    return [...this.dependents.keys()];
  }

  count(resource: string): number {
    return this.types.get(resource)?.entries.size ?? 0;
  }

  /** Current objects of a type in key order, optionally in one namespace. */
  list(resource: string, namespace?: string): StoredEntry[] {
    const state = this.types.get(resource);
    if (!state) return [];
    if (!state.sortedKeys) state.sortedKeys = [...state.entries.keys()].sort(compareKeys);
    const keys = state.sortedKeys;
    if (namespace === undefined) return keys.map((k) => state.entries.get(k) as StoredEntry);
    const prefix = `${namespace}\0`;
    const out: StoredEntry[] = [];
    for (let i = lowerBound(keys, prefix); i < keys.length && keys[i].startsWith(prefix); i++) out.push(state.entries.get(keys[i]) as StoredEntry);
    return out;
  }

  namespacesInUse(resource: string): Set<string> {
    const out = new Set<string>();
    for (const e of this.types.get(resource)?.entries.values() ?? []) out.add(e.namespace);
    return out;
  }

  /**
   * The objects of a type as they were at revision `at` (key order), rebuilt from the event log:
   * the state at `at` of a key written since is the previous state of its first later event.
   */
  listAt(resource: string, at: number, namespace?: string): { key: string; json: string }[] {
    const state = this.typeState(resource);
    if (at < state.floor) throw expired(`too old resource version: ${at} (${state.floor})`);
    const overrides = new Map<string, string | null>();
    for (let i = state.ring.length - 1; i >= 0 && state.ring[i].rev > at; i--) {
      const e = state.ring[i];
      overrides.set(e.key, e.prevJson);
    }
    const current = this.list(resource, namespace).map((e) => ({ key: e.key, json: e.json }));
    if (overrides.size === 0) return current;
    const prefix = namespace === undefined ? undefined : `${namespace}\0`;
    const merged = new Map<string, string>();
    for (const c of current) merged.set(c.key, c.json);
    for (const [key, json] of overrides) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      if (json === null) merged.delete(key);
      else merged.set(key, json);
    }
    return [...merged.keys()].sort(compareKeys).map((key) => ({ key, json: merged.get(key) as string }));
  }

  /** Events of a type newer than `after`; throws 410 Expired when some were compacted away. */
  eventsAfter(resource: string, after: number): StoreEvent[] {
    const state = this.typeState(resource);
    if (after < state.floor) throw expired(`too old resource version: ${after} (${state.floor})`);
    const ring = state.ring;
    let i = ring.length;
    while (i > 0 && ring[i - 1].rev > after) i--;
    return ring.slice(i);
  }

  floor(resource: string): number {
    return this.typeState(resource).floor;
  }

  /**
   * Persist a new state (ADDED or MODIFIED). `object` is owned by the store afterwards; its
   * metadata.resourceVersion is set to the new revision.
   */
  put(resource: string, namespace: string, name: string, object: JsonObject): StoreEvent {
    const previous = this.get(resource, namespace, name);
    return this.commit(resource, namespace, name, object, previous ? 'MODIFIED' : 'ADDED', previous);
  }

  /** Remove an object; `finalState` is what the DELETED event carries. */
  remove(resource: string, namespace: string, name: string, finalState: JsonObject): StoreEvent {
    return this.commit(resource, namespace, name, finalState, 'DELETED', this.get(resource, namespace, name));
  }

  private commit(resource: string, namespace: string, name: string, object: JsonObject, type: EventType, previous: StoredEntry | undefined): StoreEvent {
    const rev = this.rev + 1;
    const metadata = metadataOf(object);
    metadata.resourceVersion = String(rev);
    object.metadata = metadata;
    const json = JSON.stringify(object);
    const key = objectKey(namespace, name);
    const dbKey = storageKey(resource, key);
    const state = this.typeState(resource);
    const event: StoreEvent = { rev, resource, key, type, json, prevJson: previous?.json ?? null };
    const excess = state.ring.length + 1 - this.window;
    const compactTo = excess > Math.max(1, Math.floor(this.window * COMPACTION_SLACK_FRACTION)) ? state.ring[excess - 1].rev : undefined;
    this.db.transaction(() => {
      if (type === 'DELETED') {
        this.stmts.deleteObject.run(dbKey);
        this.stmts.deleteApplied.run(dbKey);
      } else this.stmts.upsert.run(dbKey, resource, rev, json);
      this.stmts.insertEvent.run(rev, resource, key, type, json, event.prevJson);
      this.stmts.setMeta.run('revision', String(rev));
      if (compactTo !== undefined) {
        this.stmts.compact.run(resource, compactTo);
        this.stmts.setMeta.run(`floor:${resource}`, String(compactTo));
      }
    })();
    // Only now is the write durable: update memory and tell listeners.
    this.rev = rev;
    if (compactTo !== undefined) {
      state.ring.splice(0, excess);
      state.floor = compactTo;
    }
    state.ring.push(event);
    let entry: StoredEntry | undefined;
    if (type === 'DELETED') {
      if (previous) this.unindex(previous);
    } else {
      entry = this.entryFor(resource, namespace, name, object, json);
      this.index(entry);
    }
    for (const listener of this.listeners) listener(event, entry);
    return event;
  }

  /**
   * The document a field manager last applied to an object (server-side apply), kept beside the
   * object until it is deleted. Read from SQLite: apply is rare, unlike the reads memory serves.
   */
  appliedBy(resource: string, namespace: string, name: string, manager: string): JsonObject | undefined {
    const row = this.stmts.getApplied.get(storageKey(resource, objectKey(namespace, name)), manager) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as JsonObject) : undefined;
  }

  recordApplied(resource: string, namespace: string, name: string, manager: string, document: JsonObject): void {
    this.stmts.setApplied.run(storageKey(resource, objectKey(namespace, name)), manager, JSON.stringify(document));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The key of an object's rows in SQLite: its resource before its object key. */
function storageKey(resource: string, key: string): string {
  return `${resource}\0${key}`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('\0');
  return [key.slice(0, i), key.slice(i + 1)];
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
