// A PostgreSQL session that ends in the middle of a transaction (the database restarted, an
// administrator or a timeout ended it) fails that transaction; it must not end the server process.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from './postgres-store.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL || undefined;

describe.skipIf(url === undefined && process.env.CI !== 'true')('the PostgreSQL store when a session ends mid-transaction', () => {
  const schema = `slipway_test_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop schema if exists "${schema}" cascade`).finally(() => admin.end());
  });

  it('fails the transaction, and the store goes on with a new session', async () => {
    if (url === undefined) throw new Error('SLIPWAY_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests');
    const store = await openPostgresStore(url, { schema });
    try {
      const transaction = store.transaction(async (tx) => {
        await tx.leases.acquire('engine', 'a', 60_000);
        // Between two statements, the session is ended (as by a restart of the database).
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        try {
          // This transaction's session alone: the one that holds a lock on this schema's leases.
          const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_locks
            where relation = '"${schema}".leases'::regclass and granted and pid <> pg_backend_pid()`);
          expect(rowCount).toBe(1);
        } finally {
          await admin.end();
        }
        await new Promise((r) => setTimeout(r, 300));
        await tx.leases.acquire('poller', 'a', 60_000);
      });
      await expect(transaction).rejects.toThrow();
      // Nothing of it was committed, and the next statement gets a working session.
      expect(await store.leases.acquire('engine', 'b', 60_000)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
