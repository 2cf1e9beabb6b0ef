// The PostgreSQL adapter: the store for several server instances sharing one database.
import { Kysely, sql } from 'kysely';
import { CurrentSchemaPostgresDialect } from './current-schema-dialect.ts';
import pg from 'pg';
import { InputError, SlipwayError, errorMessage } from '../../base/errors.ts';
import { createKyselyStore } from '../kysely/kysely-store.ts';
import type { Database } from '../kysely/tables.ts';
import { migrateToLatest } from '../migrations/migrate-to-latest.ts';
import { createPostgresLogStore } from './postgres-log-store.ts';
import type { Store } from '../store.ts';

const INT8_OID = 20;
const UNIQUE_VIOLATION = '23505';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** How long a transaction may sit idle before PostgreSQL ends its session. */
const IDLE_IN_TRANSACTION_MS = 60_000;

// Times, sizes and ids are bigint columns; pg returns those as strings unless told otherwise.
// Every value Slipway keeps there is far below 2^53, so a JavaScript number holds it exactly.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary' ? (text: string) => Number(text) : pg.types.getTypeParser(oid, format)
  ) as typeof pg.types.getTypeParser,
};

/**
 * Connects a pool to the database at `url` and migrates it to the newest schema. With `schema`,
 * that schema is created if missing and is the search_path of every connection, so one database
 * can hold several independent stores (tests use a fresh schema each). Throws InputError
 * (SLIPWAY_STORAGE_BAD_SCHEMA) for a schema name that is not lowercase letters, digits and "_",
 * and SlipwayError (SLIPWAY_STORAGE_OPEN_FAILED, SLIPWAY_STORAGE_MIGRATION_FAILED) when it cannot open.
 */
export async function openPostgresStore(url: string, options: { schema?: string } = {}): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new InputError('SLIPWAY_STORAGE_BAD_SCHEMA', `bad schema name "${schema}": expected lowercase letters, digits and "_"`);
  }
  // A transaction never waits on anything but the database: one left open for a minute belongs to a
  // process that stalled or vanished, and PostgreSQL ends it, freeing the rows (the engine's lease
  // among them) that the other instances wait for. TCP keepalive finds a vanished peer in the same way.
  const settings = [`-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`, ...(schema === undefined ? [] : [`-c search_path=${schema}`])];
  const pool = new pg.Pool({
    connectionString: url,
    types,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    options: settings.join(' '),
  });
  // An idle connection that breaks (database restart) is dropped by the pool and the next query
  // opens a new one; without a listener the pool's 'error' event would end the process.
  pool.on('error', () => undefined);
  // Nor may a connection in use that breaks between two statements (a transaction's, when the
  // database restarts or ends the session): the pool listens only to idle ones, and the unheard
  // 'error' ended the server. Its next statement fails with the error, which its caller reports.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
  let current: string;
  try {
    if (schema !== undefined) await createSchema(db, schema);
    current = await currentSchema(db);
  } catch (error) {
    await db.destroy();
    // The message never includes the URL: it may carry a password.
    throw new SlipwayError('SLIPWAY_STORAGE_OPEN_FAILED', `cannot open the PostgreSQL store: ${errorMessage(error)}`, { cause: error });
  }
  try {
    await migrateToLatest(db, 'postgres', current);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createKyselyStore({ db, dialect: 'postgres', isUniqueViolation }, { logs: (context) => createPostgresLogStore(context.db) });
}

/** Creates the schema; two instances starting at once may race, and the loser finds it there. */
async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    const found = await sql<{ n: string }>`select nspname as n from pg_namespace where nspname = ${schema}`.execute(db);
    if (found.rows.length === 0) throw error;
  }
}

/** The schema unqualified names resolve to: where the tables are, with or without `schema`. */
async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema == null) throw new Error('the search_path names no schema that exists');
  return schema;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === UNIQUE_VIOLATION;
}
