// The SQLite adapter: the default store, one file in the data dir, for a single server instance.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SlipwayError, errorMessage } from '../../base/errors.ts';
import { createKyselyStore } from '../kysely/kysely-store.ts';
import type { Database } from '../kysely/tables.ts';
import { migrateToLatest } from '../migrations/migrate-to-latest.ts';
import type { Store } from '../store.ts';
import { openSqliteConnection } from './sqlite-connection.ts';
import { createSqliteLogAppend } from './sqlite-log-append.ts';

/**
 * Opens (creating it and its folder if missing) the SQLite database at `file`, in WAL mode with
 * foreign keys enforced, and migrates it to the newest schema. Throws SlipwayError
 * (SLIPWAY_STORAGE_OPEN_FAILED, SLIPWAY_STORAGE_MIGRATION_FAILED) when it cannot.
 */
export async function openSqliteStore(file: string): Promise<Store> {
  let sqlite: SqliteDatabase.Database;
  try {
    await mkdir(dirname(file), { recursive: true });
    sqlite = openSqliteConnection(file);
  } catch (error) {
    throw new SlipwayError('SLIPWAY_STORAGE_OPEN_FAILED', `cannot open the SQLite store ${file}: ${errorMessage(error)}`, { cause: error });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createKyselyStore({ db, dialect: 'sqlite', isUniqueViolation }, { appendLogs: createSqliteLogAppend(sqlite, db) });
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof SqliteDatabase.SqliteError
    && (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}
