// Several server instances on one PostgreSQL database. Leases: which instance runs a loop that
// must run once (the engine, repo polling, log retention); a lease is held until it expires, and
// its holder renews it well before. Which instance holds each agent's connection, so that an
// instance that starts, or loses a connection, marks offline only the agents that were its own.
// And an index of the commands not answered yet, which every instance polls for its agents.
import { sql, type Kysely, type Migration } from 'kysely';

export function instancesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('agents').addColumn('connected_to', 'text').execute();
      // The commands not answered yet, found without reading each agent's whole history: every
      // instance looks for those of the agents it holds every few seconds.
      await db.schema.createIndex('agent_commands_pending').on('agent_commands').columns(['agent_id', 'seq'])
        .where(sql.ref('result'), 'is', null).execute();
    },
  };
}
