// Giving up on a command in flight, inside the action's transaction: the command is cancelled so
// that a returning agent does not run it, unless its answer was stored meanwhile.
import type { Tx } from './event-log.ts';
import { StaleAction } from './event-log.ts';

/**
 * Cancels the command. When the agent's answer was stored between planning and now, the answer
 * wins: StaleAction rolls the action back and the planner looks again. A command that is not
 * stored at all (written down by an older server that crashed before writing it) has nothing to
 * cancel, and the action goes on.
 */
export async function cancelCommand(tx: Tx, commandId: string, now: number): Promise<void> {
  if (await tx.store.commands.complete(commandId, { ok: false, error: 'cancelled by the server' }, now)) return;
  if ((await tx.store.commands.get(commandId))?.result) throw new StaleAction(`command ${commandId} was answered meanwhile`);
}
