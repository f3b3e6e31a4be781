/**
 * Identical live subscriptions share one execution. Subscribers with the same document, variables
 * and visibility (the namespaces they may see) join one group: the source stream is subscribed
 * once, each event is executed once, and the result object is handed to every member (so its bytes
 * are serialized once, see socket-relay.ts). Each member has a bounded queue; a member that falls
 * behind is ended with SubscriberTooSlow (its client is told to reconnect and resync) rather than
 * letting memory grow.
 */
import type { ExecutionResult } from 'graphql';

/** Results a member may have waiting before it is ended as too slow. */
export const MEMBER_QUEUE_LIMIT = 500;

type Source = AsyncIterator<ExecutionResult>;

/** Read from a member that fell MEMBER_QUEUE_LIMIT results behind: what it missed is gone. */
export class SubscriberTooSlow extends Error {
  constructor() {
    super(`subscriber fell more than ${MEMBER_QUEUE_LIMIT} results behind; reconnect and resync`);
  }
}

class Member implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiter: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  private ended = false;
  private overflowed = false;

  constructor(private readonly leave: (member: Member) => void) {}

  push(result: ExecutionResult): void {
    if (this.ended) return;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake({ value: result, done: false });
      return;
    }
    if (this.queue.length >= MEMBER_QUEUE_LIMIT) {
      this.overflowed = true;
      this.end();
      return;
    }
    this.queue.push(result);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.leave(this);
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.overflowed) return Promise.reject(new SubscriberTooSlow());
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

class Group {
  readonly members = new Set<Member>();

  constructor(
    private readonly source: Source,
    private readonly onEmpty: () => void,
  ) {
    void this.pump();
  }

  join(): Member {
    const member = new Member((m) => this.leave(m));
    this.members.add(member);
    return member;
  }

  private leave(member: Member): void {
    this.members.delete(member);
    if (this.members.size === 0) {
      this.onEmpty();
      void this.source.return?.();
    }
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const next = await this.source.next();
        if (next.done) break;
        for (const member of this.members) member.push(next.value);
      }
    } finally {
      for (const member of [...this.members]) member.end();
    }
  }
}

export class SubscriptionFanout {
  private readonly groups = new Map<string, Group>();

  /** Groups alive right now (for tests and metrics). */
  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * Joins the group for `key`, starting it with `start` when there is none. A start that answers
   * a single result (an error) is returned as it is and forms no group.
   */
  async subscribe(key: string, start: () => Promise<AsyncIterator<ExecutionResult> | ExecutionResult>): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const existing = this.groups.get(key);
    if (existing) return existing.join();
    const source = await start();
    if (!(Symbol.asyncIterator in source) && !('next' in source)) return source as ExecutionResult;
    // Another subscriber may have started the same group while this one awaited.
    const raced = this.groups.get(key);
    if (raced) {
      void (source as Source).return?.();
      return raced.join();
    }
    const group = new Group(source as Source, () => this.groups.delete(key));
    this.groups.set(key, group);
    return group.join();
  }
}
