// Test helper for the PostgreSQL tests (SLIPWAY_TEST_POSTGRES_URL): removes the schemas a test made.
import pg from 'pg';

/** Drops the schemas that exist of `schemas`, with all they hold. */
export async function dropSchemas(url: string, schemas: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
