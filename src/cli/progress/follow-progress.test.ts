// Following something through the events stream (a real HTTP server): a fetch on connecting and
// on each event that concerns it, never two at once, until the state says it is over.
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../base/errors.ts';
import { followProgress } from './follow-progress.ts';
import { SseTestServer, type StreamRequest } from './sse-test-server.ts';

/** Polls until the condition holds (within 5 s). */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('followProgress', () => {
  let server: SseTestServer;
  let stream: StreamRequest | undefined;

  const start = async () => {
    stream = undefined;
    server = await new SseTestServer((request) => {
      request.open();
      stream = request;
    }).listen();
  };

  afterEach(() => server.close());

  it('fetches when connected and again on each event that concerns it, until the state says it is over', async () => {
    await start();
    let fetches = 0;
    const shown: number[] = [];
    const ended = await followProgress({ url: server.url, token: 't' }, {
      filter: { run: 'run-1' },
      fetch: () => Promise.resolve(++fetches),
      concerns: (event) => event.message !== 'unrelated',
      update: (state) => {
        shown.push(state);
        if (state === 1) {
          stream!.send(1, 'unrelated');
          stream!.send(2);
        }
        if (state === 2) stream!.send(3);
        return state === 3;
      },
    });
    expect(ended).toBe(3);
    expect(shown).toEqual([1, 2, 3]);
  });

  it('never fetches twice at once, and fetches once more for the events that came during a fetch', async () => {
    await start();
    let running = 0;
    let most = 0;
    let fetches = 0;
    let received = 0;
    let release: (() => void) | undefined;
    const ended = followProgress({ url: server.url, token: 't' }, {
      filter: {},
      concerns: () => ++received > 0,
      fetch: async () => {
        running++;
        most = Math.max(most, running);
        fetches++;
        if (fetches === 1) {
          for (let id = 1; id <= 5; id++) stream!.send(id);
          await new Promise<void>((resolve) => (release = resolve));
        }
        running--;
        return fetches;
      },
      update: (state) => state === 2,
    });
    await until('the five events to arrive during the first fetch', () => received === 5);
    release!();
    expect(await ended).toBe(2);
    expect(most).toBe(1);
  });

  it('rejects with the error of a fetch the server refused', async () => {
    await start();
    const following = followProgress({ url: server.url, token: 't' }, {
      filter: {},
      fetch: () => Promise.reject(new NotFoundError('SLIPWAY_RUN_NOT_FOUND', 'hello has no run #9')),
      update: () => false,
    });
    await expect(following).rejects.toMatchObject({ code: 'SLIPWAY_RUN_NOT_FOUND' });
  });

  it('resolves with nothing when its signal aborts, and closes the stream', async () => {
    await start();
    const stop = new AbortController();
    const following = followProgress({ url: server.url, token: 't' }, {
      filter: {},
      fetch: () => Promise.resolve(1),
      update: () => {
        stop.abort();
        return false;
      },
    }, stop.signal);
    expect(await following).toBeUndefined();
    await new Promise<void>((resolve) => (stream!.request.socket.destroyed ? resolve() : stream!.request.socket.once('close', resolve)));
  });
});
