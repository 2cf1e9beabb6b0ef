// The CLI's reader of the events stream against a real HTTP server: resuming with Last-Event-ID,
// reconnecting a silent connection, a refused token, and a server that stays away.
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../base/errors.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import { followEvents } from './event-stream.ts';
import { SseTestServer } from './sse-test-server.ts';

const servers: SseTestServer[] = [];
const serve = (onRequest: ConstructorParameters<typeof SseTestServer>[0]) => {
  const server = new SseTestServer(onRequest);
  servers.push(server);
  return server.listen();
};

/** Follows until `count` events arrived; returns them with the number of connections made. */
async function follow(url: string, count: number, options: { idleTimeoutMs?: number } = {}) {
  const events: SlipwayEvent[] = [];
  let opened = 0;
  const stop = new AbortController();
  await followEvents({ url, token: 'swa_token' }, {
    filter: { run: 'run-1', project: 'hello' },
    signal: stop.signal,
    ...options,
    onOpen: () => opened++,
    onEvent: (event) => {
      events.push(event);
      if (events.length === count) stop.abort();
    },
  });
  return { events, opened };
}

describe('followEvents', () => {
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('asks with the token and the filter, and resumes after the last event seen when the stream ends', async () => {
    const server = await serve((stream, index) => {
      stream.open();
      if (index === 0) {
        stream.send(1);
        stream.send(2);
        stream.response.end();
      } else {
        stream.send(3);
      }
    });
    const { events, opened } = await follow(server.url, 3);
    expect(events.map((e) => e.message)).toEqual(['event 1', 'event 2', 'event 3']);
    expect(opened).toBe(2);
    expect(server.requests.map((r) => r.request.headers['last-event-id'])).toEqual([undefined, '2']);
    expect(server.requests[0]!.request.headers.authorization).toBe('Bearer swa_token');
    expect(server.requests[0]!.request.url).toBe('/api/v1/events/stream?run=run-1&project=hello');
  });

  it('drops a connection that went silent and makes it again', async () => {
    const server = await serve((stream, index) => {
      stream.open();
      stream.send(index + 1);
    });
    const { events } = await follow(server.url, 2, { idleTimeoutMs: 300 });
    expect(events.map((e) => e.id)).toEqual([1, 2]);
    expect(server.requests[1]!.request.headers['last-event-id']).toBe('1');
  });

  it('rejects with the server\'s error when it refuses the request, without trying again', async () => {
    const server = await serve((stream) => {
      stream.response.writeHead(401, { 'content-type': 'application/json' });
      stream.response.end(JSON.stringify({ error: { code: 'SLIPWAY_UNAUTHORIZED', message: 'a valid API token is required' } }));
    });
    const refused = follow(server.url, 1);
    await expect(refused).rejects.toBeInstanceOf(AuthError);
    await expect(refused).rejects.toMatchObject({ code: 'SLIPWAY_UNAUTHORIZED' });
    expect(server.requests).toHaveLength(1);
  });

  it('tries again after a server error, and gives up when the server stays unreachable', async () => {
    const server = await serve((stream, index) => {
      if (index === 0) {
        stream.response.writeHead(503).end();
        return;
      }
      stream.open();
      stream.send(1);
    });
    expect((await follow(server.url, 1)).events.map((e) => e.id)).toEqual([1]);
    const gone = server.url;
    await server.close();
    servers.length = 0;
    const stop = new AbortController();
    const following = followEvents({ url: gone, token: 't' }, { filter: {}, signal: stop.signal, giveUpAfterMs: 300, onOpen: () => undefined, onEvent: () => undefined });
    await expect(following).rejects.toMatchObject({ code: 'SLIPWAY_SERVER_UNREACHABLE' });
  });
});
