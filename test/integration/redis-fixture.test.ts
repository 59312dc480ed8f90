// The redis-server fixture against a real client (ioredis): it serves, pause() is an outage a
// client notices, resume() brings a server back on the same address, stop() leaves nothing behind.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../fixtures/redis-server';

/** Whether anything accepts a TCP connection on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('redis-server fixture (a real Redis on 127.0.0.1)', function () {
  this.timeout(30_000);
  let server: RedisServer | undefined;
  const clients: Redis[] = [];

  function client(url: string): Redis {
    // maxRetriesPerRequest 0: a command fails at the first failed reconnect instead of waiting
    // for the server. The error listener keeps ioredis from logging each failed reconnect.
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    c.on('error', () => {});
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await server?.stop();
    server = undefined;
  });

  it('serves commands, fails them while paused and serves again on the same port after resume', async () => {
    server = await startRedis();
    assert.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);

    const first = client(server.url);
    await first.connect();
    assert.equal(await first.set('floorline:key', 'value'), 'OK');
    assert.equal(await first.get('floorline:key'), 'value');

    // Wait for the client to see the drop, so the command below meets the outage rather than
    // racing the close event.
    const closed = once(first, 'close');
    await server.pause();
    await closed;
    assert.equal(await listening(server.port), false, 'nothing listens while paused');
    await assert.rejects(first.get('floorline:key'));

    await server.resume();
    const second = client(server.url);
    await second.connect();
    assert.equal(await second.ping(), 'PONG');
    assert.equal(await second.get('floorline:key'), null, 'a resumed server starts empty');
    assert.equal(await second.set('floorline:key', 'again'), 'OK');
    assert.equal(await second.get('floorline:key'), 'again');

    await server.stop();
    assert.equal(await listening(server.port), false, 'nothing listens after stop');
  });

  it('gives each server its own port', async () => {
    server = await startRedis();
    const other = await startRedis();
    try {
      assert.notEqual(other.port, server.port);
      const c = client(other.url);
      await c.connect();
      assert.equal(await c.ping(), 'PONG');
    } finally {
      await other.stop();
    }
  });
});
