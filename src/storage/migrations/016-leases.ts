// Leases: which server instance runs a loop that must run once (the engine, repo polling, log
// retention) while several instances share one PostgreSQL database. A lease is held until it
// expires; its holder renews it well before.
import type { Kysely, Migration } from 'kysely';

export function leasesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
