/**
 * Recent changes per kind, so a subscriber that reconnects with the last resourceVersion it saw can
 * be sent what it missed. ResourceVersions are only compared for equality: the position of the
 * matching event in the log is what orders them. Anything older than the log answers "resync".
 */
import type { EventHub, KubeEvent } from '../kube/event-hub.js';

/** Events kept per kind: a few minutes of a busy namespace. */
export const CHANGE_LOG_SIZE = 5_000;

export class ChangeLog {
  private readonly byKind = new Map<string, KubeEvent[]>();
  private readonly detach: () => void;

  constructor(
    hub: EventHub,
    kinds: readonly string[],
    private readonly size = CHANGE_LOG_SIZE,
  ) {
    this.detach = hub.onEvent({ kind: [...kinds] }, (event) => this.record(event));
  }

  /** Events of a kind after the one that produced `resourceVersion`; undefined when it is no longer known. */
  after(kind: string, resourceVersion: string): KubeEvent[] | undefined {
    const events = this.byKind.get(kind) ?? [];
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i].object.metadata.resourceVersion === resourceVersion) return events.slice(i + 1);
    }
    return undefined;
  }

  close(): void {
    this.detach();
  }

  private record(event: KubeEvent): void {
    let events = this.byKind.get(event.kind);
    if (!events) {
      events = [];
      this.byKind.set(event.kind, events);
    }
    events.push(event);
    // Trimmed in chunks so recording stays O(1) amortised.
    if (events.length > this.size * 1.25) events.splice(0, events.length - this.size);
  }
}
