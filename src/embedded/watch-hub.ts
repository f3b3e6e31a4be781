/**
 * Fan-out of committed events to open watches. Each event is filtered per watcher with the selector
 * transition rule (old matched / new matches → ADDED, MODIFIED, DELETED or nothing) and serialised to
 * its wire line once, however many watchers receive it.
 */
import type { JsonObject } from '../json.js';
import type { EventType, StoreEvent } from './store.js';

export interface WatchFilter {
  /** Only objects in this namespace (undefined: every namespace). */
  namespace?: string;
  /** Label and field selectors; undefined when the watch has none (no parsing needed). */
  matches?: (object: JsonObject) => boolean;
}

export interface HubWatcher {
  readonly filter: WatchFilter;
  /** `line` is the NDJSON wire form `{"type":…,"object":…}\n` of (type, json). */
  deliver(type: EventType, json: string, line: string): void;
}

export function watchLine(type: string, json: string): string {
  return `{"type":"${type}","object":${json}}\n`;
}

/** Which event (if any) a watcher with `filter` sees for a store event. */
export function eventFor(filter: WatchFilter, event: StoreEvent, parsed: ParsedEvent): { type: EventType; json: string } | undefined {
  if (filter.namespace !== undefined && !event.key.startsWith(`${filter.namespace}\0`)) return undefined;
  if (!filter.matches) return { type: event.type, json: event.json };
  const newMatches = event.type !== 'DELETED' && filter.matches(parsed.object());
  const oldMatches = event.type === 'DELETED' ? filter.matches(parsed.object()) : event.prevJson !== null && filter.matches(parsed.previous() as JsonObject);
  if (event.type === 'DELETED') return oldMatches ? { type: 'DELETED', json: event.json } : undefined;
  if (newMatches) return { type: oldMatches ? 'MODIFIED' : 'ADDED', json: event.json };
  return oldMatches ? { type: 'DELETED', json: event.json } : undefined;
}

/** Parses an event's states at most once, and only when some watcher has a selector. */
export class ParsedEvent {
  private obj: JsonObject | undefined;
  private prev: JsonObject | null | undefined;

  constructor(private readonly event: StoreEvent) {}

  object(): JsonObject {
    return (this.obj ??= JSON.parse(this.event.json) as JsonObject);
  }

  previous(): JsonObject | null {
    if (this.prev === undefined) this.prev = this.event.prevJson === null ? null : (JSON.parse(this.event.prevJson) as JsonObject);
    return this.prev;
  }
}

export class WatchHub {
  private readonly watchers = new Map<string, Set<HubWatcher>>();

  add(resource: string, watcher: HubWatcher): () => void {
    let set = this.watchers.get(resource);
    if (!set) this.watchers.set(resource, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
    };
  }

  count(resource?: string): number {
    if (resource !== undefined) return this.watchers.get(resource)?.size ?? 0;
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  dispatch(event: StoreEvent): void {
    const set = this.watchers.get(event.resource);
    if (!set || set.size === 0) return;
    const parsed = new ParsedEvent(event);
    const lines = new Map<EventType, string>();
    for (const watcher of [...set]) {
      const seen = eventFor(watcher.filter, event, parsed);
      if (!seen) continue;
      let line = lines.get(seen.type);
      if (line === undefined) lines.set(seen.type, (line = watchLine(seen.type, seen.json)));
      watcher.deliver(seen.type, seen.json, line);
    }
  }
}
