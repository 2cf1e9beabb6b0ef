// Migration 021 on a PostgreSQL database an older server left behind (SLIPWAY_TEST_POSTGRES_URL):
// chunks it indexed with PostgreSQL's own words (here as a C-locale database made them: "ÉCOLE"
// as "École") are indexed again with the server's, and found by their words meanwhile.
import { afterAll, describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { openPostgresStore } from '../postgres/postgres-store.ts';
import { dropSchemas } from '../postgres/drop-schemas-fixture.ts';
import { postgresSchemaBefore } from './postgres-schema-fixture.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;
const schema = `slipway_test_m021_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;

describe.skipIf(url === undefined || url === '')('migration 021-log-words-by-server', () => {
  afterAll(() => dropSchemas(url!, [schema]));

  it('has every chunk indexed again by the server\'s words, and finds its lines before and after', async () => {
    const { pool, close } = await postgresSchemaBefore(url!, schema, '021');
    const body = JSON.stringify([[1, 1, 'web-1', null, null, 'app', null, null, null, 'naïve ÉCOLE started']]);
    await pool.query(`insert into log_line_chunks (source, first_seq, last_seq, min_at, max_at, lines, bytes, scope, body, words)
      values ('a', 1, 1, 1, 1, 1, 420, '{h:web-1,s:app}', $1, 'École na started ve'::tsvector)`, [body]);
    await close();

    const store = await openPostgresStore(url!, { schema });
    try {
      const found = async (q: string) => (await store.logs.search({ query: parseLogQuery(q), order: 'asc', limit: 10 })).map((l) => l.text);
      expect(await found('école')).toEqual(['naïve ÉCOLE started']);
      expect(await store.logs.indexPending(100)).toEqual({ indexed: 1, done: true });
      expect(await found('école naïve')).toEqual(['naïve ÉCOLE started']);
      expect(await found('started')).toEqual(['naïve ÉCOLE started']);
    } finally {
      await store.close();
    }
  });
});
