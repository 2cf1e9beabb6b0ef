// SQL functions a SQLite store adds to its connection.
import type SqliteDatabase from 'better-sqlite3';
import { matchesLogQuery } from '../../core/logs/log-filter.ts';
import type { LogQuery } from '../../core/logs/parse-log-query.ts';
import { SQLITE_PHRASE_FUNCTION } from '../kysely/log-search.ts';

export function registerSqliteFunctions(sqlite: SqliteDatabase.Database): void {
  // One search passes the same query for every candidate line: parse it once.
  let lastJson = '';
  let lastQuery: LogQuery = { terms: [] };
  sqlite.function(SQLITE_PHRASE_FUNCTION, { deterministic: true }, (text: unknown, queryJson: unknown) => {
    if (typeof text !== 'string' || typeof queryJson !== 'string') return 0;
    if (queryJson !== lastJson) {
      lastQuery = JSON.parse(queryJson) as LogQuery;
      lastJson = queryJson;
    }
    return matchesLogQuery(lastQuery, text) ? 1 : 0;
  });
}
