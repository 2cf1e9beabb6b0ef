// What SqliteImmediateDialect changes in Kysely's SQLite dialect: atomic migrations.
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SqliteImmediateDialect } from './sqlite-immediate-dialect.ts';

describe('SqliteImmediateDialect', () => {
  it('runs the pending migrations in one transaction: one failing half-way undoes them all, as on PostgreSQL', async () => {
    const sqlite = new SqliteDatabase(':memory:');
    const db = new Kysely<unknown>({ dialect: new SqliteImmediateDialect({ database: sqlite }) });
    try {
      const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({
        '001-fine': { up: async (m: Kysely<unknown>) => { await sql`create table kept (id integer)`.execute(m); } },
        '002-half': { up: async (m: Kysely<unknown>) => {
          await sql`create table half (id integer)`.execute(m);
          await sql`drop table kept`.execute(m);
          await sql`this is not sql`.execute(m);
        } },
      }) } });
      const { error, results } = await migrator.migrateToLatest();
      expect(error).toBeDefined();
      expect(results?.find((r) => r.status === 'Error')?.migrationName).toBe('002-half');
      const tables = sqlite.prepare(`select name from sqlite_master where type = 'table' and name in ('kept', 'half')`).all();
      expect(tables).toEqual([]);
      expect(sqlite.prepare('select name from kysely_migration').all()).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
