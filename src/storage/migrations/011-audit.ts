// The audit log (issue 7, item 5): append-only entries, each chained to the one before by its
// hash, and a one-row chain head that every append updates. Appending locks that row first, so two
// transactions never take the same number or chain to the same entry (PostgreSQL: its row lock;
// SQLite: BEGIN IMMEDIATE already lets one writer in at a time). The head also records the last
// entry, so that deleting the newest entries is noticed by the verification.
import type { Kysely, Migration } from 'kysely';
import { GENESIS_HASH } from '../../core/audit/audit-chain.ts';

export function auditMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('audit_entries')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('project', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('message', 'text')
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_entries_actor').on('audit_entries').columns(['actor', 'seq']).execute();
      await db.schema.createIndex('audit_entries_project').on('audit_entries').columns(['project', 'seq']).execute();
      await db.schema.createIndex('audit_entries_at').on('audit_entries').column('at').execute();
      await db.schema.createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await (db as Kysely<{ audit_head: { id: number; seq: number; hash: string } }>)
        .insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).execute();
    },
  };
}
