/** The socket relay over real WebSocket connections: one result, many subscribers, one serialization. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ExecutionResult } from 'graphql';
import WebSocket, { WebSocketServer } from 'ws';
import { SocketRelay } from '../../src/graphql/socket-relay.js';

describe('socket relay', () => {
  let server: WebSocketServer;
  const accepted: WebSocket[] = [];

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket) => accepted.push(socket));
    await once(server, 'listening');
  });
  after(() => {
    for (const client of server.clients) client.terminate();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A client connection and the server's end of it. */
  async function connect(): Promise<{ client: WebSocket; served: WebSocket }> {
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await once(client, 'open');
    while (accepted.length === 0) await new Promise((r) => setImmediate(r));
    return { client, served: accepted.shift() as WebSocket };
  }

  test('a result sent to two subscribers is serialized once, and each frame carries the same payload under its own id', async () => {
    let serializations = 0;
    const result: ExecutionResult = {
      data: {
        get clusterChanged() {
          serializations++;
          return { type: 'ADDED' };
        },
      },
    };
    const oneResult = async function* (): AsyncGenerator<ExecutionResult> {
      yield result;
    };
    const a = await connect();
    const b = await connect();
    after(() => [a, b].forEach(({ client }) => client.terminate()));
    const frames = Promise.all([a, b].map(({ client }) => once(client, 'message').then(([data]) => String(data))));
    await new SocketRelay(a.served, 'first', oneResult()).next();
    await new SocketRelay(b.served, 'second', oneResult()).next();
    const [first, second] = await frames;
    assert.equal(serializations, 1);
    assert.equal(first, '{"id":"first","type":"next","payload":{"data":{"clusterChanged":{"type":"ADDED"}}}}');
    assert.equal(second, '{"id":"second","type":"next","payload":{"data":{"clusterChanged":{"type":"ADDED"}}}}');
  });
});
