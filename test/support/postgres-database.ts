// A PostgreSQL database of its own for one test, made on the server of SLIPWAY_TEST_POSTGRES_URL
// and dropped afterwards: tests that run migrations or apps against a real database share none.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The test PostgreSQL server (SLIPWAY_TEST_POSTGRES_URL, a user allowed to create databases), or undefined. */
export const testPostgresUrl: string | undefined = process.env.SLIPWAY_TEST_POSTGRES_URL || undefined;

/**
 * Whether tests that need PostgreSQL are skipped: without SLIPWAY_TEST_POSTGRES_URL, except in CI
 * (CI=true), where they run and createPostgresDatabase fails them for the missing URL.
 */
export const skipWithoutPostgres: boolean = testPostgresUrl === undefined && process.env.CI !== 'true';

export interface PostgresDatabase {
  name: string;
  /** The libpq URL of the new database: the server's URL with its database replaced. */
  url: string;
  /** Drops it, closing whatever is still connected to it; a second call does nothing. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database named `<prefix>_<12 random hex digits>` on the test server. Throws
 * when SLIPWAY_TEST_POSTGRES_URL is not set. The caller drops it (in a finally or an afterEach).
 */
export async function createPostgresDatabase(prefix = 'slipway_test', serverUrl = testPostgresUrl): Promise<PostgresDatabase> {
  if (serverUrl === undefined) throw new Error('SLIPWAY_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests');
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`not a database name prefix: ${prefix}`);
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await onServer(serverUrl, `create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    drop: () => onServer(serverUrl, `drop database if exists "${name}" with (force)`),
  };
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
