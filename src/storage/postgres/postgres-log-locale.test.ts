// The PostgreSQL central log's search in a database made with the C locale (initdb or a container
// with no LANG set; SLIPWAY_TEST_POSTGRES_URL): PostgreSQL's [[:alnum:]] and lower() then know
// only ASCII, while the query's words (logTokens) are Unicode letters, so a line holding "naïve"
// or "ÉCOLE" is never found by those words. Known defect, not fixed: the search needs a collation
// that knows Unicode letters on every server (ICU's "und-x-icu" or "C.utf8" are not always there).
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { logLine } from '../contract/fixtures.ts';
import { openPostgresStore } from './postgres-store.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;
const database = 'slipway_test_c_locale';

describe.skipIf(url === undefined || url === '')('PostgreSQL log search in a C-locale database', { timeout: 30_000 }, () => {
  const cLocaleUrl = () => {
    const parsed = new URL(url!);
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop database if exists ${database} with (force)`);
    await client.end();
  }, 60_000);

  it.fails('finds a line by a word with letters outside ASCII (known defect: C locale)', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop database if exists ${database} with (force)`);
    await client.query(`create database ${database} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
    await client.end();
    const store = await openPostgresStore(cLocaleUrl(), { schema: 'slipway_test_locale' });
    try {
      await store.logs.append([logLine('agent-1', 1, { text: 'naïve ÉCOLE started' })]);
      while (!(await store.logs.indexPending(1000)).done);
      for (const q of ['naïve', 'école', 'ÉCOLE']) {
        expect((await store.logs.search({ query: parseLogQuery(q), order: 'asc', limit: 10 })).map((l) => l.text), q).toEqual(['naïve ÉCOLE started']);
      }
    } finally {
      await store.close();
    }
  });
});
