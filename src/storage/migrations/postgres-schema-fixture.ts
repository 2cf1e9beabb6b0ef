// Test helper for the PostgreSQL migration tests (SLIPWAY_TEST_POSTGRES_URL): a fresh schema with
// the migrations before one applied, as an older server left its database (dropSchemas removes it).
import { Kysely, Migrator } from 'kysely';
import { CurrentSchemaPostgresDialect } from '../postgres/current-schema-dialect.ts';
import pg from 'pg';
import { expect } from 'vitest';
import { migrations } from './migrate-to-latest.ts';
import { runMigrator } from './run-migrator.ts';

export interface SchemaBefore {
  /** Connected with the schema as its search_path: for the rows an older server stored. */
  pool: pg.Pool;
  /** Ends the pool; the schema stays, for a store opened on it. */
  close: () => Promise<void>;
}

/** Creates `schema` and applies every migration whose name sorts before `migration` (say '019'). */
export async function postgresSchemaBefore(url: string, schema: string, migration: string): Promise<SchemaBefore> {
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}` });
  const db = new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
  await pool.query(`create schema "${schema}"`);
  const before = Object.fromEntries(Object.entries(migrations('postgres')).filter(([name]) => name < migration));
  const { error } = await runMigrator(new Migrator({ db, provider: { getMigrations: () => Promise.resolve(before) }, migrationTableSchema: schema }));
  expect(error).toBeUndefined();
  return { pool, close: () => db.destroy() };
}
