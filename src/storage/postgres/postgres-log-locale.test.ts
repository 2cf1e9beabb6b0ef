// The PostgreSQL central log's search gives the same answers whatever the database's locale
// (SLIPWAY_TEST_POSTGRES_URL; a database is made for each locale the server has): under the C
// locale PostgreSQL's [[:alnum:]], lower() and text search parser know only ASCII, so the words
// are read by the server (logTokens) and PostgreSQL only compares bytes. The answers must be the
// live tail's (matchesLogQuery), before and after the index is filled.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesLogQuery } from '../../core/logs/log-filter.ts';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { logLine } from '../contract/fixtures.ts';
import { openPostgresStore } from './postgres-store.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;
const suffix = globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 8);
const locales = [{ name: 'C', database: `slipway_test_c_locale_${suffix}` }, { name: 'C.UTF-8', database: `slipway_test_c_utf8_locale_${suffix}` }];

const texts = [
  'naïve ÉCOLE started', 'İstanbul office ready', 'ΣΊΣΥΦΟΣ rolled the stone', 'Straße gesperrt', 'ĳssel and Ǆungla',
  '\u212Aelvin scale', 'PLAIN ascii INFO line', 'école fermée', 'Ünïcode ünïcode', '北京 OK', 'e\u0301te accents',
  'ОШИБКА диска: нет места', 'ошибками дисков',
];
const queries = ['naïve', 'école', 'ÉCOLE', 'NAÏVE école', '"naïve école"', 'écol*', 'İstanbul', 'istanbul', 'σίσυφος', 'ΣΊΣΥΦΟΣ', 'straße',
  'ĳssel', 'ǆungla', 'kelvin', '\u212Aelvin', 'info', 'plain*', '"plain ascii info"', '"ascii plain"', '"kelvin scale"', 'ünïcode', '北京', 'fermée', 'e\u0301te', 'ete', 'cole',
  'ошибка', 'ОШИБКА', '"ошибка диска"', '"диска ошибка"', 'ошибк*', 'диск*'];

describe.skipIf(url === undefined || url === '')('PostgreSQL log search whatever the database\'s locale', { timeout: 60_000 }, () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const { database } of locales) await client.query(`drop database if exists ${database} with (force)`);
    await client.end();
  }, 60_000);

  for (const { name, database } of locales) {
    it(`finds lines by words with letters outside ASCII, in any case, in a database of locale ${name}`, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`create database ${database} template template0 encoding 'UTF8' lc_collate '${name}' lc_ctype '${name}'`);
      await client.end();
      const parsed = new URL(url!);
      parsed.pathname = `/${database}`;
      const store = await openPostgresStore(parsed.toString(), { schema: 'slipway_test_locale' });
      try {
        await store.logs.append(texts.map((text, seq) => logLine('agent-1', seq, { text })));
        const answers = async () => {
          const found: Record<string, string[]> = {};
          for (const q of queries) found[q] = (await store.logs.search({ query: parseLogQuery(q), order: 'asc', limit: 100 })).map((l) => l.text);
          return found;
        };
        const expected = Object.fromEntries(queries.map((q) => [q, texts.filter((t) => matchesLogQuery(parseLogQuery(q), t))]));
        expect(await answers()).toEqual(expected);
        while (!(await store.logs.indexPending(1000)).done);
        expect(await answers()).toEqual(expected);
        for (const q of ['naïve', 'école', 'ÉCOLE']) expect(expected[q], q).toContain('naïve ÉCOLE started');
      } finally {
        await store.close();
      }
    });
  }
});
