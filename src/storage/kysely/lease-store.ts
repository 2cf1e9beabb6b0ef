// LeaseStore over Kysely: one upsert that takes a free or expired lease, or extends the holder's own.
import type { LeaseStore } from '../store.ts';
import type { StoreContext } from './store-context.ts';

export function createKyselyLeaseStore({ db }: StoreContext): LeaseStore {
  return {
    async acquire(name, holder, now, until) {
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
  };
}
