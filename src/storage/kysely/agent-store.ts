// Agents over Kysely: the machines that dialled in, their labels and what they run.
import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../base/ids.ts';
import type { Agent, AgentStatus, AppOnHost, Labels } from '../../core/model.ts';
import type { AgentStore } from '../store.ts';
import { fromJson, patchColumns, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import { inTransaction } from './in-transaction.ts';
import type { AgentsTable, Database } from './tables.ts';

/** The AgentStore of the port, over the `agents` table. */
export function createKyselyAgentStore({ db }: StoreContext): AgentStore {
  return {
    async enroll(agent, at) {
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
          status: agent.status ?? 'active',
          enroll_allowed: 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAgent(row);
    },

    async reenroll(id, agent, at) {
      const row = await db.updateTable('agents')
        .set({
          token_hash: agent.tokenHash, address: agent.address, port: agent.port, status: agent.status,
          enroll_allowed: 0, online: 0, last_seen_at: at, enrolled_at: at, ...(agent.labels ? { labels: toJson(agent.labels) } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toAgent(row);
    },

    async getByName(name) {
      const row = await db.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toAgent(row);
    },

    async retire(id, status, tokenHash) {
      await db.updateTable('agents').set({ status, token_hash: tokenHash, enroll_allowed: 0, online: 0 }).where('id', '=', id).execute();
    },
    async get(id) {
      const row = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAgent(row);
    },

    async getMany(ids) {
      const agents = new Map<string, Agent>();
      // In slices: SQLite takes at most 32,766 bound values in one statement.
      for (let i = 0; i < ids.length; i += 10_000) {
        const rows = await db.selectFrom('agents').selectAll().where('id', 'in', ids.slice(i, i + 10_000)).execute();
        for (const row of rows) agents.set(row.id, toAgent(row));
      }
      return agents;
    },

    async getByTokenHash(tokenHash) {
      const row = await db.selectFrom('agents').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toAgent(row);
    },

    async list() {
      const rows = await db.selectFrom('agents').selectAll().orderBy('name').execute();
      return rows.map(toAgent);
    },

    async listLive() {
      const rows = await db.selectFrom('agents').select(['id', 'online', 'last_seen_at', 'status', 'enrolled_at', 'labels', 'address', 'port']).execute();
      return rows.map((row) => ({
        id: row.id, online: row.online !== 0, lastSeenAt: row.last_seen_at, status: row.status as AgentStatus, enrolledAt: row.enrolled_at,
        labels: fromJson<Labels>(row.labels), address: row.address, port: row.port,
      }));
    },

    async update(id, patch) {
      const set = patchColumns<typeof patch, AgentsTable>(
        patch,
        {
          labels: 'labels', address: 'address', port: 'port', apps: 'apps', online: 'online', lastSeenAt: 'last_seen_at',
          status: 'status', enrollAllowed: 'enroll_allowed',
        },
        { labels: toJson, apps: toJson, online: (online) => (online ? 1 : 0), enrollAllowed: (allowed) => (allowed ? 1 : 0) },
      );
      if (set) await db.updateTable('agents').set(set).where('id', '=', id).execute();
    },

    async markSeen(ids, at) {
      // In slices: SQLite takes at most 32,766 bound values in one statement.
      for (let i = 0; i < ids.length; i += 10_000) {
        await db.updateTable('agents').set({ last_seen_at: at }).where('id', 'in', ids.slice(i, i + 10_000)).where('last_seen_at', '<', at).execute();
      }
    },

    async connected(id, instance, said, at) {
      await recordConnected(db, id, instance, said, at);
    },

    async disconnected(id, instance, at) {
      return recordDisconnected(db, id, instance, at);
    },

    async recordConnections(instance, changes) {
      if (changes.length === 0) return [];
      // One statement per change, in order, in one transaction: what costs is the transaction (one
      // commit, one turn of SQLite's single connection), not the statements in it.
      return inTransaction(db, async (trx) => {
        const outcomes: boolean[] = [];
        for (const change of changes) {
          if (change.kind === 'connected') {
            await recordConnected(trx, change.id, instance, change.said, change.at);
            outcomes.push(true);
          } else {
            outcomes.push(await recordDisconnected(trx, change.id, instance, change.at));
          }
        }
        return outcomes;
      });
    },

    async markOffline(instance, at) {
      await db.updateTable('agents').set({ online: 0, last_seen_at: at })
        .where((eb) => eb.or([eb('connected_to', '=', instance), eb('connected_to', 'is', null)])).execute();
    },
  };
}

async function recordConnected(db: Kysely<Database>, id: string, instance: string, said: Pick<Agent, 'address' | 'port' | 'apps'>, at: number): Promise<void> {
  await db.updateTable('agents')
    .set({ address: said.address, port: said.port, apps: toJson(said.apps), online: 1, last_seen_at: at, connected_to: instance })
    .where('id', '=', id).execute();
}

/** Offline unless another instance holds the agent by now; whether it did anything. */
async function recordDisconnected(db: Kysely<Database>, id: string, instance: string, at: number): Promise<boolean> {
  const result = await db.updateTable('agents').set({ online: 0, last_seen_at: at }).where('id', '=', id).where('connected_to', '=', instance).executeTakeFirst();
  return result.numUpdatedRows > 0n;
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
    status: row.status as AgentStatus,
    enrollAllowed: row.enroll_allowed !== 0,
  };
}
