// The audit log over Kysely: entries chained by sha256, appended under a lock on the chain head.
import { createHash } from 'node:crypto';
import { sql, type Insertable, type Selectable } from 'kysely';
import { chainAuditEntry } from '../../core/audit/audit-chain.ts';
import type { AuditEntry, AuditOutcome } from '../../core/audit/audit-entry.ts';
import type { AuditStore } from '../store.ts';
import { inTransaction } from './in-transaction.ts';
import { fromJsonOrNull, type StoreContext } from './store-context.ts';
import type { AuditEntriesTable } from './tables.ts';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function createKyselyAuditStore({ db }: StoreContext): AuditStore {
  const appendMany: AuditStore['appendMany'] = (entries) => {
    if (entries.length === 0) return Promise.resolve([]);
    return inTransaction(db, async (trx) => {
      // Taking the next numbers is the UPDATE of the head's one row: on PostgreSQL it holds the
      // row lock until the transaction ends, and a concurrent append waits here, then reads the
      // head this one committed. SQLite's writers are one at a time already (BEGIN IMMEDIATE).
      const head = await trx.updateTable('audit_head').set({ seq: sql`seq + ${entries.length}` }).where('id', '=', 1)
        .returning(['seq', 'hash']).executeTakeFirstOrThrow();
      const chained: AuditEntry[] = [];
      let prevHash = head.hash;
      for (const [i, entry] of entries.entries()) {
        const next = chainAuditEntry(entry, head.seq - entries.length + 1 + i, prevHash, sha256Hex);
        chained.push(next);
        prevHash = next.hash;
      }
      for (let i = 0; i < chained.length; i += ROWS_PER_INSERT) {
        await trx.insertInto('audit_entries').values(chained.slice(i, i + ROWS_PER_INSERT).map(toRow)).execute();
      }
      await trx.updateTable('audit_head').set({ hash: prevHash }).where('id', '=', 1).execute();
      return chained;
    });
  };

  return {
    async append(entry) {
      const [appended] = await appendMany([entry]);
      return appended!;
    },

    appendMany,

    async list(filter) {
      let query = db.selectFrom('audit_entries').selectAll();
      if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
      if (filter.project !== undefined) query = query.where('project', '=', filter.project);
      if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
      if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
      return (await query.orderBy('seq', 'desc').limit(filter.limit).execute()).map(toEntry);
    },

    async read(afterSeq, limit) {
      return (await db.selectFrom('audit_entries').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute()).map(toEntry);
    },

    async head() {
      return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    },
  };
}

/** Entries per INSERT: 14 values each, well under the bound values SQLite and PostgreSQL take in one statement. */
const ROWS_PER_INSERT = 500;

function toRow(chained: AuditEntry): Insertable<AuditEntriesTable> {
  return {
    seq: chained.seq, at: chained.at, actor: chained.actor, address: chained.address, action: chained.action,
    target: chained.target, project: chained.project, outcome: chained.outcome, code: chained.code, message: chained.message,
    before: jsonOrNull(chained.before), after: jsonOrNull(chained.after), prev_hash: chained.prevHash, hash: chained.hash,
  };
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function toEntry(row: Selectable<AuditEntriesTable>): AuditEntry {
  return {
    seq: row.seq, at: row.at, actor: row.actor, address: row.address, action: row.action, target: row.target,
    project: row.project, outcome: row.outcome as AuditOutcome, code: row.code, message: row.message,
    before: fromJsonOrNull<unknown>(row.before), after: fromJsonOrNull<unknown>(row.after), prevHash: row.prev_hash, hash: row.hash,
  };
}
