// Several server instances on one PostgreSQL database. Leases: which instance runs a loop that
// must run once (the engine, repo polling, log retention); a lease is held until it expires, and
// its holder renews it well before. And which instance holds each agent's connection, so that an
// instance that starts, or loses a connection, marks offline only the agents that were its own.
import type { Kysely, Migration } from 'kysely';

export function instancesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('agents').addColumn('connected_to', 'text').execute();
    },
  };
}
