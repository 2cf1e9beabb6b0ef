// LeaseStore over Kysely: one upsert that takes a free or expired lease, or extends the holder's
// own. Expiry is by the database's clock, the one clock every instance shares: instances on
// machines whose clocks disagree still never both hold a lease.
import { sql, type RawBuilder } from 'kysely';
import type { LeaseStore } from '../store.ts';
import type { StoreContext } from './store-context.ts';
import type { SqlDialectName } from './tables.ts';

/** The database's time in milliseconds since the epoch, when the statement runs. */
function databaseNowMs(dialect: SqlDialectName): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
}

export function createKyselyLeaseStore({ db, dialect }: StoreContext): LeaseStore {
  const now = databaseNowMs(dialect);
  return {
    async acquire(name, holder, leaseMs) {
      const until = sql<number>`${now} + ${Math.round(leaseMs)}`;
      const row = await db.insertInto('leases').values({ name, holder, expires_at: until })
        .onConflict((conflict) => conflict.column('name').doUpdateSet({ holder, expires_at: until })
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', now)])))
        .returning('holder')
        .executeTakeFirst();
      return row?.holder === holder;
    },

    async release(name, holder) {
      await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
    },

    async confirm(name, holder) {
      const held = db.selectFrom('leases').select('holder').where('name', '=', name).where('holder', '=', holder).where('expires_at', '>', now);
      // SQLite: one writer at a time already, and one instance.
      return (await (dialect === 'postgres' ? held.forShare() : held).executeTakeFirst()) !== undefined;
    },
  };
}
