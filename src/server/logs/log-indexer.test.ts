// The server's log indexer: it fills PostgreSQL's full-text index behind ingest until nothing
// waits, yields to ingest while lines flow, logs a failure and tries again, and stops when closed.
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { logLine } from '../../storage/contract/fixtures.ts';
import { openPostgresStore } from '../../storage/postgres/postgres-store.ts';
import type { LogIndexProgress, Store } from '../../storage/store.ts';
import { startLogIndexer } from './log-indexer.ts';

/** A store whose indexPending answers from `answers` in turn (an Error is thrown), then "done". */
function storeAnswering(answers: (LogIndexProgress | Error)[]): { store: Store; calls: () => number } {
  let calls = 0;
  const indexPending = () => {
    const answer = answers[calls++] ?? { indexed: 0, done: true };
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { store: { logs: { indexPending } } as unknown as Store, calls: () => calls };
}

describe('log indexer', () => {
  it('indexes pass after pass until nothing waits', async () => {
    const { store, calls } = storeAnswering([{ indexed: 10, done: false }, { indexed: 10, done: false }, { indexed: 3, done: true }]);
    const indexer = startLogIndexer({ store, log: pino({ level: 'silent' }), idleMs: 10 });
    await indexer.drain();
    expect(calls()).toBeGreaterThanOrEqual(3);
    await indexer.close();
  });

  it('logs a failure and tries again after the idle interval', async () => {
    const errors: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => errors.push((JSON.parse(line) as { msg: string }).msg) });
    const { store, calls } = storeAnswering([new Error('connection reset'), { indexed: 5, done: true }]);
    const indexer = startLogIndexer({ store, log, idleMs: 10 });
    await indexer.drain();
    expect(errors).toEqual(['indexing the central log for search failed; trying again']);
    expect(calls()).toBeGreaterThanOrEqual(2);
    await indexer.close();
  });

  it('yields to ingest: one pass a second while lines flow, the rest at full speed once they stop', async () => {
    vi.useFakeTimers();
    try {
      let writes = 0;
      let flowing = true;
      const { store, calls } = storeAnswering(Array.from({ length: 100 }, () => ({ indexed: 10, done: false })));
      const indexer = startLogIndexer({ store, log: pino({ level: 'silent' }), writesCommitted: () => (flowing ? ++writes : writes) });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(calls()).toBeGreaterThanOrEqual(5);
      expect(calls()).toBeLessThanOrEqual(6);
      flowing = false;
      await vi.advanceTimersByTimeAsync(1_500);
      expect(calls()).toBeGreaterThan(100);
      await indexer.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('indexes at full speed while lines flow once it has been behind for the longest lag allowed', async () => {
    vi.useFakeTimers();
    try {
      let writes = 0;
      const { store, calls } = storeAnswering(Array.from({ length: 100 }, () => ({ indexed: 10, done: false })));
      const pacing = { quietMs: 500, busyPassIntervalMs: 1_000, maxBehindMs: 10_000 };
      const indexer = startLogIndexer({ store, log: pino({ level: 'silent' }), writesCommitted: () => ++writes, pacing });
      await vi.advanceTimersByTimeAsync(9_000);
      expect(calls()).toBeLessThanOrEqual(10);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(calls()).toBeGreaterThan(100);
      await indexer.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs two passes at once at full speed, and drains only when the last of them ends', async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const ends: (() => void)[] = [];
    const indexPending = () => new Promise<LogIndexProgress>((resolve) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const done = ++calls > 6;
      ends.push(() => {
        inFlight -= 1;
        resolve({ indexed: done ? 0 : 10, done });
      });
    });
    const indexer = startLogIndexer({ store: { logs: { indexPending } } as unknown as Store, log: pino({ level: 'silent' }), idleMs: 10 });
    let drained = false;
    let inFlightWhenDrained = -1;
    void indexer.drain().then(() => {
      drained = true;
      inFlightWhenDrained = inFlight;
    });
    const deadline = Date.now() + 5_000;
    while (!drained && Date.now() < deadline) {
      const end = ends.shift();
      if (end) end();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(drained).toBe(true);
    expect(most).toBe(2);
    expect(inFlightWhenDrained).toBe(0);
    await indexer.close();
  });

  it('looks with one pass at a time while nothing waits', async () => {
    vi.useFakeTimers();
    try {
      const { store, calls } = storeAnswering([]);
      const indexer = startLogIndexer({ store, log: pino({ level: 'silent' }), idleMs: 250 });
      await vi.advanceTimersByTimeAsync(2_500);
      expect(calls()).toBeGreaterThanOrEqual(10);
      expect(calls()).toBeLessThanOrEqual(13);
      await indexer.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops looking once closed', async () => {
    const { store, calls } = storeAnswering([]);
    const indexer = startLogIndexer({ store, log: pino({ level: 'silent' }), idleMs: 5 });
    await indexer.close();
    const after = calls();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls()).toBe(after);
  });

  const url = process.env.SLIPWAY_TEST_POSTGRES_URL;
  describe.skipIf(url === undefined || url === '')('on PostgreSQL', () => {
    const schema = `slipway_test_indexer_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
    afterAll(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });

    it('puts every appended line in the index', async () => {
      const store = await openPostgresStore(url!, { schema });
      const indexer = startLogIndexer({ store, log: pino({ level: 'silent' }), idleMs: 10 });
      try {
        await store.logs.append(Array.from({ length: 12_000 }, (_, seq) => logLine('a', seq, { text: `line ${seq}` })));
        await store.logs.append([logLine('b', 1, { text: 'another source' })]);
        await indexer.drain();
        expect(await store.logs.indexPending(100)).toEqual({ indexed: 0, done: true });
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const { rows } = await client.query<{ n: string }>(`select sum(lines) as n from "${schema}".log_line_chunks where words is not null`);
        await client.end();
        expect(Number(rows[0]!.n)).toBe(12_001);
      } finally {
        await indexer.close();
        await store.close();
      }
    });
  });
});
