// The agent's connection against a real WebSocket server: how soon it dials again when the server
// accepts and closes at once (a load balancer with no server behind it, a server refusing it),
// and when a server that answered goes away.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ServerConnection } from './server-connection.ts';

/** A server that calls `onConnection` with each socket and notes when each connection came. */
async function startServer(onConnection: (socket: WebSocket, index: number) => void): Promise<{ server: WebSocketServer; url: string; times: number[] }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const times: number[] = [];
  server.on('connection', (socket) => {
    times.push(performance.now());
    onConnection(socket, times.length - 1);
  });
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, times };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const gaps = (times: number[]) => times.slice(1).map((time, i) => time - times[i]!);

describe('ServerConnection', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const close of cleanup.splice(0)) close();
  });

  function connect(url: string, heartbeatMs = 5_000): ServerConnection {
    // random 0: the shortest delay of each attempt, 125 ms doubling.
    const connection = new ServerConnection({
      urls: [url], token: () => 'swt_test', heartbeatMs, random: () => 0,
      onOpen: () => undefined, onMessage: () => undefined, onUnauthorized: () => Promise.resolve(),
    });
    cleanup.push(() => connection.close());
    connection.start();
    return connection;
  }

  it('backs off further each time a server accepts and closes at once, as if it had refused', async () => {
    const { server, url, times } = await startServer((socket) => socket.close(1011, 'no backend'));
    cleanup.push(() => server.close());
    connect(url);
    await until(() => times.length >= 5, 10_000);
    // 125, 250, 500, 1000 ms at least (timers never fire early), not 125 ms each time.
    const waited = gaps(times.slice(0, 5));
    for (const [i, gap] of waited.entries()) expect(gap, `gap ${i} of ${waited.join(', ')}`).toBeGreaterThanOrEqual(125 * 2 ** i - 5);
  });

  it('dials again quickly once a server that answered and held the connection a heartbeat interval goes away', async () => {
    // The first three close at once (125, 250, then 500 ms before the next); the fourth answers, then closes after 400 ms.
    const { server, url, times } = await startServer((socket, index) => {
      if (index === 3) socket.send(JSON.stringify({ type: 'heartbeat_ack' }), () => setTimeout(() => socket.close(1001, 'restarting'), 400));
      else socket.close(1011, 'no backend');
    });
    cleanup.push(() => server.close());
    connect(url, 300);
    await until(() => times.length >= 5, 10_000);
    const [, , , toAnswering, afterAnswered] = [0, ...gaps(times)];
    expect(toAnswering).toBeGreaterThanOrEqual(495);
    // Back to the first delay (125 ms), not the next one (1000 ms); 400 ms of it the server held the connection.
    expect(afterAnswered).toBeLessThan(900);
  });

  it('backs off further each time a server answers and closes at once (two agents with one token replacing each other)', async () => {
    const { server, url, times } = await startServer((socket) => {
      socket.send(JSON.stringify({ type: 'heartbeat_ack' }), () => setTimeout(() => socket.close(4000, 'replaced by a newer connection'), 20));
    });
    cleanup.push(() => server.close());
    connect(url);
    await until(() => times.length >= 5, 10_000);
    const waited = gaps(times.slice(0, 5));
    for (const [i, gap] of waited.entries()) expect(gap, `gap ${i} of ${waited.join(', ')}`).toBeGreaterThanOrEqual(125 * 2 ** i - 5);
  });
});
