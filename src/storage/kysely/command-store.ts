// Agent commands over Kysely: what the server asked an agent to do, until the agent answers.
import type { Selectable } from 'kysely';
import type { Command, CommandResult } from '../../core/protocol/messages.ts';
import type { AgentCommand, CommandStore } from '../store.ts';
import { fromJson, fromJsonOrNull, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import type { AgentCommandsTable } from './tables.ts';

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
      return toCommand({ ...row, seq: 0 });
    },

    async get(id) {
      const row = await db.selectFrom('agent_commands').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toCommand(row);
    },

    async listPending(agentId) {
      const rows = await db.selectFrom('agent_commands').selectAll()
        .where('agent_id', '=', agentId).where('result', 'is', null).orderBy('seq').execute();
      return rows.map(toCommand);
    },

    async complete(id, result, at, fromAgentId) {
      // The condition on `result` makes the first answer win, even when two arrive at once.
      let update = db.updateTable('agent_commands')
        .set({ result: toJson(result), completed_at: at })
        .where('id', '=', id).where('result', 'is', null);
      if (fromAgentId !== undefined) update = update.where('agent_id', '=', fromAgentId);
      const outcome = await update.executeTakeFirst();
      return outcome.numUpdatedRows > 0n;
    },
  };
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
