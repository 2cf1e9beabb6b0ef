// The PostgreSQL central log's own edge cases beyond the contract (SLIPWAY_TEST_POSTGRES_URL): two
// server instances storing one batch at once, batches whose sources interleave, resends that meet
// several chunks.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { logTokens } from '../../core/logs/log-tokens.ts';
import { matchesLogQuery } from '../../core/logs/log-filter.ts';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { logLine } from '../contract/fixtures.ts';
import type { Store } from '../store.ts';
import { POSTGRES_INDEXED_CHARS } from '../migrations/002-log-search.ts';
import { MAX_CHUNK_LINES } from './postgres-log-chunk-rows.ts';
import { INDEX_BYTES_PER_PASS } from './postgres-log-index.ts';
import { indexedPart, lexeme } from './postgres-log-index-words.ts';
import { openPostgresStore } from './postgres-store.ts';
import { mixedText } from './mixed-text-fixture.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;

describe.skipIf(url === undefined || url === '')('PostgreSQL log store', { timeout: 30_000 }, () => {
  const schemas: string[] = [];
  const open = (schema = `slipway_test_logs_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`): Promise<Store> => {
    schemas.push(schema);
    return openPostgresStore(url!, { schema });
  };
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const schema of new Set(schemas)) await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }, 60_000);

  it('stores a batch two server instances receive at once exactly once: the second waits for the first and skips its lines', async () => {
    const first = await open();
    const second = await open(schemas.at(-1));
    try {
      const batch = Array.from({ length: 1500 }, (_, seq) => logLine('agent-1', seq));
      let secondDone: Promise<number> | undefined;
      const firstStored = await first.transaction(async (trx) => {
        const stored = await trx.logs.append(batch);
        secondDone = second.logs.append(batch).then((lines) => lines.length);
        await waitForAdvisoryLockWaiter();
        return stored.length;
      });
      expect(firstStored).toBe(1500);
      expect(await secondDone).toBe(0);
      expect((await first.logs.size()).lines).toBe(1500);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('keeps the order of a batch whose sources interleave', async () => {
    const store = await open();
    try {
      const batch = [logLine('a', 1), logLine('b', 1), logLine('a', 2), logLine('a', 3), logLine('b', 2)];
      const stored = await store.logs.append(batch);
      expect(stored.map(({ id: _id, ...line }) => line)).toEqual(batch);
      expect(await store.logs.list({ limit: 10 })).toEqual(stored);
      expect(stored.map((l) => l.id)).toEqual([...stored.map((l) => l.id)].sort((x, y) => x - y));
    } finally {
      await store.close();
    }
  });

  it('skips the lines of a resend stored in several chunks, and stores a line older than any stored', async () => {
    const store = await open();
    try {
      await store.logs.append(Array.from({ length: 3 * MAX_CHUNK_LINES }, (_, seq) => logLine('a', seq + 10)));
      const resend = [logLine('a', 10 + MAX_CHUNK_LINES - 1), logLine('a', 10 + MAX_CHUNK_LINES), logLine('a', 10 + 3 * MAX_CHUNK_LINES), logLine('a', 5)];
      expect((await store.logs.append(resend)).map((l) => l.seq)).toEqual([10 + 3 * MAX_CHUNK_LINES, 5]);
      expect((await store.logs.size()).lines).toBe(3 * MAX_CHUNK_LINES + 2);
    } finally {
      await store.close();
    }
  });

  it('stores NUL and half a surrogate pair in any field as U+FFFD: the chunk and its neighbours stay readable, its words indexable', async () => {
    const store = await open();
    try {
      const odd = logLine('a', 2, { stream: '/var/log/\uD83D', level: 'x\0y', app: 'shop\uDE00', env: 'e\0', runId: 'r\0', deploymentId: 'd\uD800', host: 'web\0' });
      const stored = await store.logs.append([logLine('a', 1), odd, logLine('a', 3)]);
      const expected = { stream: '/var/log/\uFFFD', level: 'x\uFFFDy', app: 'shop\uFFFD', env: 'e\uFFFD', runId: 'r\uFFFD', deploymentId: 'd\uFFFD', host: 'web\uFFFD' };
      expect(stored[1]).toMatchObject(expected);
      expect(await store.logs.list({ limit: 10 })).toEqual(stored);
      expect((await store.logs.search({ stream: '/var/log/\uFFFD', order: 'asc', limit: 10 })).map((l) => l.seq)).toEqual([2]);
      while (!(await store.logs.indexPending(1000)).done);
      expect((await store.logs.search({ order: 'desc', limit: 1 }))[0]!.seq).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('indexes a chunk by the words the server reads in its lines, whatever the characters, and finds each line by each of them', async () => {
    const store = await open();
    const schema = schemas.at(-1)!;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const odd = [
        'café-au-lait\u00A0noir État İstanbul straße ΣΊΣΥΦΟΣ ﬁne e\u0301te ٣٤ ５ｘ zero\u200Bwidth ideo\u3000space 🙂ok',
        '1e5abc abc1e5 1e5e5 0x1F request_id=1e5a7c0ffee0 v1.2.3 http://example.com/a?b=c user@example.com /var/log/app.log',
        'quotes "a" \'b\' back\\slash {brace} [bracket] a,b;c tab\there new\nline \uFFFD',
        'x'.repeat(3000), `${'y'.repeat(POSTGRES_INDEXED_CHARS - 2)} cutword after`, 'MiXeD CaSe mixed case MIXED',
        ...Array.from({ length: 200 }, (_, i) => mixedText(i)),
      ];
      await store.logs.append(odd.map((text, seq) => logLine('a', seq, { text })));
      while (!(await store.logs.indexPending(1000)).done);
      const { rows } = await client.query<{ words: string[]; texts: (string | null)[] }>(`
        select tsvector_to_array(words) as words, array(select e.line->>9 from json_array_elements(c.body::json) as e (line)) as texts
        from "${schema}".log_line_chunks c`);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const expected = new Set(row.texts.flatMap((t) => (t === null ? [] : logTokens(indexedPart(t)).map(lexeme))));
        expect(new Set(row.words)).toEqual(expected);
      }
      // The words of the hand-made lines and of a few random ones: a search each.
      const words = new Set(odd.slice(0, 26).flatMap((t) => logTokens(t)));
      for (const word of words) {
        const found = (await store.logs.search({ query: parseLogQuery(word), order: 'asc', limit: 1000 })).map((l) => l.text);
        expect(found, word).toEqual(odd.filter((t) => matchesLogQuery(parseLogQuery(word), indexedPart(t))));
      }
    } finally {
      await client.end();
      await store.close();
    }
  });

  it('indexes at most INDEX_BYTES_PER_PASS bytes of chunks in one pass, however few their lines', async () => {
    const store = await open();
    try {
      // One line of 250,000 characters a chunk (MAX_CHUNK_TEXT_BYTES): 40 chunks, 10 MB.
      const long = 'w'.repeat(249_990);
      await store.logs.append(Array.from({ length: 40 }, (_, seq) => logLine('a', seq, { text: `${long} ${seq}` })));
      const first = await store.logs.indexPending(10_000);
      expect(first.indexed).toBe(Math.floor(INDEX_BYTES_PER_PASS / (250_000 + 400)));
      expect(first.done).toBe(false);
      while (!(await store.logs.indexPending(10_000)).done);
      expect(await store.logs.indexPending(10_000)).toEqual({ indexed: 0, done: true });
    } finally {
      await store.close();
    }
  });

  /** Polls until a session waits for an advisory lock (the second append, for the source the first holds). */
  async function waitForAdvisoryLockWaiter(): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`);
        if ((rows[0]?.n ?? 0) > 0) return;
        if (Date.now() > deadline) throw new Error('the second append never waited for the first');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await client.end();
    }
  }
});
