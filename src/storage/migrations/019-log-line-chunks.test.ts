// Migration 019 on a PostgreSQL database an older server left behind (SLIPWAY_TEST_POSTGRES_URL):
// the lines stored move into chunks (one source each, in the order stored, new ids in that order),
// the old tables go, and every LogStore method works on the moved lines, before and after indexing.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { indexAll } from '../contract/log-search-contract.ts';
import { logLine } from '../contract/fixtures.ts';
import { openPostgresStore } from '../postgres/postgres-store.ts';
import { dropSchemas } from '../postgres/drop-schemas-fixture.ts';
import { postgresSchemaBefore } from './postgres-schema-fixture.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;
const schema = `slipway_test_m019_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;

describe.skipIf(url === undefined || url === '')('migration 019-log-line-chunks', () => {
  const highSchema = `${schema}_high`;
  afterAll(() => dropSchemas(url!, [schema, highSchema]));

  it('gives the moved and the new lines ids above every old id, so a tail resuming after an old id (Last-Event-ID) misses none', { timeout: 60_000 }, async () => {
    const { pool, close } = await postgresSchemaBefore(url!, highSchema, '019');
    // Retention removed all but the newest of millions of lines: few lines, high ids.
    const oldId = 9_000_000;
    await pool.query(`insert into log_lines (id, at, source, seq, host, stream, text) values (${oldId - 1}, 1, 'a', 1, 'web-1', 'app', 'one'), (${oldId}, 2, 'a', 2, 'web-1', 'app', 'two')`);
    await close();

    const store = await openPostgresStore(url!, { schema: highSchema });
    try {
      const [added] = await store.logs.append([logLine('a', 3)]);
      expect(added!.id).toBeGreaterThan(oldId);
      // A client that saw line 'two' under its old id resumes after it: it gets the new line (and, the old
      // ids being gone, the moved lines again rather than nothing).
      const resumed = await store.logs.search({ order: 'asc', afterId: oldId, limit: 10 });
      expect(resumed.map((l) => l.seq)).toEqual([1, 2, 3]);
    } finally {
      await store.close();
    }
  });

  it('moves the lines stored into chunks in their order, and every read, resend check and retention works on them', { timeout: 60_000 }, async () => {
    const { pool, close } = await postgresSchemaBefore(url!, schema, '019');
    // a: 1..1200 with b's two lines in between (after a's 600th), and one line of a run.
    await pool.query(`insert into log_lines (at, source, seq, host, stream, text)
      select 1000 + g, 'a', g, 'web-1', 'app', 'line ' || g || ' of a' from generate_series(1, 600) g`);
    await pool.query(`insert into log_lines (at, source, seq, host, stream, level, run_id, text) values
      (50, 'b', 1, 'web-2', 'deploy', 'error', 'r1', 'disk full on web-2'), (60, 'b', 2, 'web-2', 'deploy', null, null, 'all fine')`);
    await pool.query(`insert into log_lines (at, source, seq, host, stream, text)
      select 1000 + g, 'a', g, 'web-1', 'app', 'line ' || g || ' of a' from generate_series(601, 1200) g`);
    await close();

    const store = await openPostgresStore(url!, { schema });
    try {
      const all = await store.logs.list({ limit: 2000 });
      expect(all.map((l) => `${l.source}${l.seq}`)).toEqual([
        ...Array.from({ length: 600 }, (_, i) => `a${i + 1}`), 'b1', 'b2', ...Array.from({ length: 600 }, (_, i) => `a${i + 601}`),
      ]);
      expect(all.map((l) => l.id)).toEqual([...all.map((l) => l.id)].sort((x, y) => x - y));
      expect(all[600]).toMatchObject({ at: 50, host: 'web-2', stream: 'deploy', level: 'error', runId: 'r1', deploymentId: null, app: null, text: 'disk full on web-2' });
      expect(await store.logs.size()).toEqual({ lines: 1202, bytes: all.reduce((sum, l) => sum + l.text.length + 400, 0) });
      expect(await store.logs.maxSeq('a')).toBe(1200);
      expect((await store.logs.list({ runId: 'r1', limit: 10 })).map((l) => l.text)).toEqual(['disk full on web-2']);
      const found = async (q: string) => (await store.logs.search({ query: parseLogQuery(q), order: 'asc', limit: 10, host: 'web-2' })).map((l) => l.text);
      expect(await found('"disk full"')).toEqual(['disk full on web-2']);
      expect((await store.logs.indexPending(10_000)).indexed).toBe(1202);
      await indexAll(store);
      expect(await found('"disk full"')).toEqual(['disk full on web-2']);
      expect(await store.logs.append([logLine('a', 1200), logLine('b', 2), logLine('b', 3)])).toHaveLength(1);
      expect(await store.logs.deleteOlderThan(1000)).toBe(2);
      expect(await found('disk')).toEqual([]);
      expect((await store.logs.size()).lines).toBe(1201);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query(`select table_name from information_schema.tables where table_schema = $1 and table_name like 'log%' order by 1`, [schema]);
      await client.end();
      expect(rows).toEqual([{ table_name: 'log_line_chunks' }, { table_name: 'log_seq_marks' }]);
    } finally {
      await store.close();
    }
  });
});
