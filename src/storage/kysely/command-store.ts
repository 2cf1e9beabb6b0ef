// Agent commands over Kysely: what the server asked an agent to do, until the agent answers.
import type { Kysely, Selectable } from 'kysely';
import { scopesOfCommand, type AgentScope, type AgentScopeKind } from '../../core/agents/agent-scope.ts';
import type { Command, CommandResult } from '../../core/protocol/messages.ts';
import type { AgentCommand, CommandCompletion, CommandStore } from '../store.ts';
import { fromJson, fromJsonOrNull, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import { inTransaction } from './in-transaction.ts';
import type { AgentCommandsTable, Database } from './tables.ts';

/** Refs or ids asked for in one query (SQLite allows 32,766 parameters; PostgreSQL 65,535). */
const PER_QUERY = 500;

/** The CommandStore of the port, over the `agent_commands` table. */
export function createKyselyCommandStore({ db }: StoreContext): CommandStore {
  return {
    async create(command, at) {
      const row = {
        id: command.id,
        agent_id: command.agentId,
        command: toJson(command.command),
        result: null,
        created_at: at,
        completed_at: null,
      };
      await db.insertInto('agent_commands').values(row).execute();
      const scopes = scopesOfCommand(command.command);
      if (scopes.length > 0) {
        await db.insertInto('agent_command_scopes')
          .values(scopes.map((scope) => ({ agent_id: command.agentId, kind: scope.kind, ref: scope.ref, created_at: at })))
          .onConflict((oc) => oc.columns(['agent_id', 'kind', 'ref']).doNothing())
          .execute();
      }
      return toCommand({ ...row, seq: 0 });
    },

    async createMany(commands, at) {
      for (let i = 0; i < commands.length; i += PER_QUERY) {
        const slice = commands.slice(i, i + PER_QUERY);
        await db.insertInto('agent_commands').values(slice.map((command) => ({
          id: command.id, agent_id: command.agentId, command: toJson(command.command), result: null, created_at: at, completed_at: null,
        }))).execute();
        const scopes = slice.flatMap((command) => scopesOfCommand(command.command).map((scope) => ({ agent_id: command.agentId, kind: scope.kind, ref: scope.ref, created_at: at })));
        // Many hosts' commands name the same run and deployment: each (agent, scope) once per statement.
        const unique = [...new Map(scopes.map((row) => [`${row.agent_id}\n${row.kind}\n${row.ref}`, row])).values()];
        for (let j = 0; j < unique.length; j += PER_QUERY) {
          await db.insertInto('agent_command_scopes').values(unique.slice(j, j + PER_QUERY))
            .onConflict((oc) => oc.columns(['agent_id', 'kind', 'ref']).doNothing())
            .execute();
        }
      }
    },

    async get(id) {
      const row = await db.selectFrom('agent_commands').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toCommand(row);
    },

    async results(ids) {
      const results = new Map<string, CommandResult | null>();
      for (let i = 0; i < ids.length; i += PER_QUERY) {
        const rows = await db.selectFrom('agent_commands').select(['id', 'result']).where('id', 'in', ids.slice(i, i + PER_QUERY)).execute();
        for (const row of rows) results.set(row.id, fromJsonOrNull<CommandResult>(row.result));
      }
      return results;
    },

    async listPending(agentId) {
      const rows = await db.selectFrom('agent_commands').selectAll()
        .where('agent_id', '=', agentId).where('result', 'is', null).orderBy('seq').execute();
      return rows.map(toCommand);
    },

    async listPendingOf(agentIds) {
      const pending = new Map<string, AgentCommand[]>();
      for (let i = 0; i < agentIds.length; i += PER_QUERY) {
        const rows = await db.selectFrom('agent_commands').selectAll()
          .where('agent_id', 'in', agentIds.slice(i, i + PER_QUERY)).where('result', 'is', null).orderBy('seq').execute();
        for (const row of rows) {
          const ofAgent = pending.get(row.agent_id) ?? [];
          ofAgent.push(toCommand(row));
          pending.set(row.agent_id, ofAgent);
        }
      }
      return pending;
    },

    async pendingOf(agentIds) {
      const pending: { id: string; agentId: string; seq: number }[] = [];
      for (let i = 0; i < agentIds.length; i += PER_QUERY) {
        const rows = await db.selectFrom('agent_commands').select(['id', 'agent_id', 'seq'])
          .where('agent_id', 'in', agentIds.slice(i, i + PER_QUERY)).where('result', 'is', null).execute();
        for (const row of rows) pending.push({ id: row.id, agentId: row.agent_id, seq: row.seq });
      }
      return pending.sort((a, b) => a.seq - b.seq).map(({ id, agentId }) => ({ id, agentId }));
    },

    complete(id, result, at, fromAgentId) {
      return completeCommand(db, { id, result, at, ...(fromAgentId === undefined ? {} : { fromAgentId }) });
    },

    async completeMany(results) {
      if (results.length === 0) return [];
      // One statement each, in one transaction: what costs is the commit, not the statements.
      return inTransaction(db, async (trx) => {
        const outcomes: boolean[] = [];
        for (const completion of results) outcomes.push(await completeCommand(trx, completion));
        return outcomes;
      });
    },

    async heldScopes(agentId, scopes) {
      const held: AgentScope[] = [];
      // By kind, a few hundred refs at a time: one query for a batch of log lines however many it names.
      const byKind = new Map<AgentScopeKind, string[]>();
      for (const scope of scopes) byKind.set(scope.kind, [...(byKind.get(scope.kind) ?? []), scope.ref]);
      for (const [kind, refs] of byKind) {
        for (let i = 0; i < refs.length; i += PER_QUERY) {
          const rows = await db.selectFrom('agent_command_scopes').select('ref')
            .where('agent_id', '=', agentId).where('kind', '=', kind).where('ref', 'in', refs.slice(i, i + PER_QUERY))
            .execute();
          for (const row of rows) held.push({ kind, ref: row.ref });
        }
      }
      return held;
    },

    async forgetAgent(agentId, result, at) {
      const outcome = await db.updateTable('agent_commands').set({ result: toJson(result), completed_at: at })
        .where('agent_id', '=', agentId).where('result', 'is', null).executeTakeFirst();
      await db.deleteFrom('agent_command_scopes').where('agent_id', '=', agentId).execute();
      return Number(outcome.numUpdatedRows);
    },
  };
}

async function completeCommand(db: Kysely<Database>, { id, result, at, fromAgentId }: CommandCompletion): Promise<boolean> {
  // The condition on `result` makes the first answer win, even when two arrive at once.
  let update = db.updateTable('agent_commands')
    .set({ result: toJson(result), completed_at: at })
    .where('id', '=', id).where('result', 'is', null);
  if (fromAgentId !== undefined) update = update.where('agent_id', '=', fromAgentId);
  const outcome = await update.executeTakeFirst();
  return outcome.numUpdatedRows > 0n;
}

function toCommand(row: Selectable<AgentCommandsTable>): AgentCommand {
  return {
    id: row.id,
    agentId: row.agent_id,
    command: fromJson<Command>(row.command),
    result: fromJsonOrNull<CommandResult>(row.result),
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}
