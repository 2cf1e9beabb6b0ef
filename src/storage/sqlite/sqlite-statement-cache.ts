// better-sqlite3 compiles a statement on every prepare(), and Kysely's driver prepares each query
// it runs: for the engine's small, frequent queries that compiling was a third of their cost.
// This gives Kysely a database whose prepare() hands back the statement compiled the first time
// (a statement is reusable once it finished; one still iterating a result is not shared).
import type SqliteDatabase from 'better-sqlite3';

/** How many distinct statements are kept; beyond that the oldest is dropped (queries with IN lists vary in shape). */
const MAX_STATEMENTS = 2000;

export function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const prepare = (source: string): SqliteDatabase.Statement => {
    const cached = statements.get(source);
    if (cached && !cached.busy) return cached;
    const statement = sqlite.prepare(source);
    if (!cached) {
      if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
      statements.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get: (target, property) => {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
