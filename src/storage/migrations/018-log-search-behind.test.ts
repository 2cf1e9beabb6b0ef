// Migration 018 on a PostgreSQL database an older server left behind (SLIPWAY_TEST_POSTGRES_URL):
// the lines stored keep their words (copied, not computed again) and are found at once; lines
// appended after it are queued for the index and found before and after it is filled.
import { afterAll, describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { logLine } from '../contract/fixtures.ts';
import { openPostgresStore } from '../postgres/postgres-store.ts';
import { dropSchemas } from '../postgres/drop-schemas-fixture.ts';
import { postgresSchemaBefore } from './postgres-schema-fixture.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;
const schema = `slipway_test_m018_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;

describe.skipIf(url === undefined || url === '')('migration 018-log-search-behind', () => {
  afterAll(() => dropSchemas(url!, [schema]));

  it('keeps the words of the lines stored before it, and indexes later ones behind ingest', async () => {
    const { pool, close } = await postgresSchemaBefore(url!, schema, '018');
    await pool.query(`insert into log_lines (at, source, seq, host, stream, text) values (1, 'a', 1, 'web-1', 'app', 'disk full on web-1'), (2, 'a', 2, 'web-1', 'app', 'all fine')`);
    await close();

    const store = await openPostgresStore(url!, { schema });
    try {
      const found = async (q: string) => (await store.logs.search({ query: parseLogQuery(q), order: 'asc', limit: 10 })).map((l) => l.text);
      // Migration 019 then moved them into chunks, whose words the indexer computes again.
      expect(await store.logs.indexPending(100)).toEqual({ indexed: 2, done: true });
      expect(await found('"disk full"')).toEqual(['disk full on web-1']);
      await store.logs.append([logLine('a', 3, { text: 'disk full again' })]);
      expect(await found('disk')).toEqual(['disk full on web-1', 'disk full again']);
      expect(await store.logs.indexPending(100)).toEqual({ indexed: 1, done: true });
      expect(await found('disk')).toEqual(['disk full on web-1', 'disk full again']);
    } finally {
      await store.close();
    }
  });
});
