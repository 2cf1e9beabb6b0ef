// Agents over Kysely: the machines that dialled in, their labels and what they run.
import type { Selectable } from 'kysely';
import { newId } from '../../base/ids.ts';
import type { Agent, AppOnHost, Labels } from '../../core/model.ts';
import type { AgentStore } from '../store.ts';
import { fromJson, patchColumns, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import type { AgentsTable } from './tables.ts';

/** The AgentStore of the port, over the `agents` table. */
export function createKyselyAgentStore({ db }: StoreContext): AgentStore {
  return {
    async enroll(agent, at) {
      // Re-enrolling (a host whose root was wiped) keeps the id, so its history stays attached;
      // the new token, labels and address replace the old ones.
      const row = await db.insertInto('agents')
        .values({
          id: newId(),
          name: agent.name,
          labels: toJson(agent.labels),
          token_hash: agent.tokenHash,
          address: agent.address,
          port: agent.port,
          online: 0,
          last_seen_at: at,
          apps: '[]',
          enrolled_at: at,
        })
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({
          token_hash: eb.ref('excluded.token_hash'),
          address: eb.ref('excluded.address'),
          port: eb.ref('excluded.port'),
          last_seen_at: eb.ref('excluded.last_seen_at'),
          enrolled_at: eb.ref('excluded.enrolled_at'),
        })))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAgent(row);
    },

    async get(id) {
      const row = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAgent(row);
    },

    async getByTokenHash(tokenHash) {
      const row = await db.selectFrom('agents').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toAgent(row);
    },

    async list() {
      const rows = await db.selectFrom('agents').selectAll().orderBy('name').execute();
      return rows.map(toAgent);
    },

    async update(id, patch) {
      const set = patchColumns<typeof patch, AgentsTable>(
        patch,
        { labels: 'labels', address: 'address', port: 'port', apps: 'apps', online: 'online', lastSeenAt: 'last_seen_at' },
        { labels: toJson, apps: toJson, online: (online) => (online ? 1 : 0) },
      );
      if (set) await db.updateTable('agents').set(set).where('id', '=', id).execute();
    },

    async markAllOffline(at) {
      await db.updateTable('agents').set({ online: 0, last_seen_at: at }).execute();
    },
  };
}

function toAgent(row: Selectable<AgentsTable>): Agent {
  return {
    id: row.id,
    name: row.name,
    labels: fromJson<Labels>(row.labels),
    address: row.address,
    port: row.port,
    online: row.online !== 0,
    lastSeenAt: row.last_seen_at,
    apps: fromJson<AppOnHost[]>(row.apps),
    enrolledAt: row.enrolled_at,
  };
}
