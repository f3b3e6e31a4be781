/**
 * Sends one subscription's results down its WebSocket as graphql-ws `next` frames. A result's JSON
 * is computed once however many subscribers it goes to (identical subscriptions share the result
 * object, see subscription-fanout.ts): each frame is that one string behind the subscriber's own
 * id. A socket whose unsent bytes pass the limit is closed with the "too slow: reconnect and
 * resync" code, so a client that stops reading cannot make the server hold more.
 */
import type { ExecutionResult } from 'graphql';
import { MessageType } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { WS_CLOSE_CODES } from '../protocol.js';
import { codedError } from './errors.js';
import { SubscriberTooSlow } from './subscription-fanout.js';

/** Unsent bytes a client may have queued before it is disconnected as too slow. */
export const MAX_SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;

const payloads = new WeakMap<ExecutionResult, string>();

/** The JSON of a result's `next` payload, serialized on first use and reused for every subscriber. */
export function serializedPayload(result: ExecutionResult): string {
  let json = payloads.get(result);
  if (json === undefined) {
    json = JSON.stringify(result.errors ? { ...result, errors: result.errors.map(codedError) } : result);
    payloads.set(result, json);
  }
  return json;
}

export function closeTooSlow(socket: WebSocket): void {
  socket.close(WS_CLOSE_CODES.tooSlow, 'client too slow; reconnect and resync');
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * What graphql-ws iterates for a subscription: it yields nothing itself (the frames are already
 * sent) and ends when the results end, the socket closes or falls behind, or the client completes.
 */
export class SocketRelay implements AsyncIterableIterator<never> {
  private stopped = false;
  /** Ends the read under way, so a client's complete takes effect before the next result. */
  private interrupt: (() => void) | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly id: string,
    private readonly results: AsyncIterator<ExecutionResult>,
  ) {}

  async next(): Promise<IteratorResult<never>> {
    try {
      while (!this.stopped) {
        const step = await new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
          this.interrupt = () => resolve(DONE);
          this.results.next().then(resolve, reject);
        });
        if (step.done || !this.send(step.value)) break;
      }
      return DONE;
    } catch (error) {
      if (!(error instanceof SubscriberTooSlow)) throw error;
      closeTooSlow(this.socket);
      return DONE;
    } finally {
      void this.results.return?.();
    }
  }

  return(): Promise<IteratorResult<never>> {
    this.stopped = true;
    this.interrupt?.();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never> {
    return this;
  }

  private send(result: ExecutionResult): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) {
      closeTooSlow(this.socket);
      return false;
    }
    this.socket.send(`{"id":${JSON.stringify(this.id)},"type":"${MessageType.Next}","payload":${serializedPayload(result)}}`);
    return true;
  }
}
