/**
 * A work queue of keys with client-go's guarantees: a key waits at most once, a key is never
 * processed by two workers at a time, and a key added while it is processed runs again after.
 * Failed keys come back after an exponential backoff per key.
 */

export const BACKOFF_BASE_MS = 10;
export const BACKOFF_MAX_MS = 60_000;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly waiting = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly takers: ((key: string | undefined) => void)[] = [];
  private shut = false;

  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shut) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    const taker = this.takers.shift();
    if (taker) {
      this.waiting.delete(key);
      this.processing.add(key);
      taker(key);
    } else this.queue.push(key);
  }

  /** Adds the key after a delay (a requeue-after, or a backoff). */
  addAfter(key: string, delayMs: number): void {
    if (this.shut) return;
    if (delayMs <= 0) return this.add(key);
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delayMs),
    );
  }

  /** Requeues a failed key with its backoff doubled. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the backoff of a key that succeeded. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, or undefined once the queue is shut down. */
  take(): Promise<string | undefined> {
    if (this.shut) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.waiting.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** Marks a key processed; one added meanwhile is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutdown(): void {
    this.shut = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const taker of this.takers.splice(0)) taker(undefined);
  }
}
