// The Store's port for the commands written down for agents, and their results.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { AgentScope } from '../core/agents/agent-scope.ts';
import type { Command, CommandResult } from '../core/protocol/messages.ts';

export interface AgentCommand {
  id: string;
  agentId: string;
  command: Command;
  result: CommandResult | null;
  createdAt: number;
  completedAt: number | null;
}

/** A command's result as an agent sent it (see CommandStore.complete). */
export interface CommandCompletion {
  id: string;
  result: CommandResult;
  at: number;
  fromAgentId?: string;
}

export interface CommandStore {
  /**
   * Writes a command down for an agent; the gateway delivers it (again after reconnects) until it
   * has a result. What the command names (`scopesOfCommand`) is recorded with it: from now on the
   * agent is part of those runs and deployments and may download that artifact or source tree.
   */
  create(command: { id: string; agentId: string; command: Command }, at: number): Promise<AgentCommand>;
  /**
   * Writes these commands down as `create` would each, in a few statements (a restore writes one
   * for every host of an environment at once).
   */
  createMany(commands: readonly { id: string; agentId: string; command: Command }[], at: number): Promise<void>;
  get(id: string): Promise<AgentCommand | undefined>;
  /** The results of these commands by id, null for one not answered yet; one not stored is left out. */
  results(ids: readonly string[]): Promise<Map<string, CommandResult | null>>;
  /** The agent's commands without a result, oldest first. */
  listPending(agentId: string): Promise<AgentCommand[]>;
  /** `listPending` of each of these agents, in a few queries; an agent without any is left out. */
  listPendingOf(agentIds: readonly string[]): Promise<Map<string, AgentCommand[]>>;
  /**
   * The commands without a result of any of these agents, as id and agent, oldest first: what a
   * server instance checks it has sent to the agents it holds, when a wake-up was lost.
   */
  pendingOf(agentIds: readonly string[]): Promise<{ id: string; agentId: string }[]>;
  /**
   * Records the result. With `fromAgentId`, only when the command was sent to that agent: an
   * agent cannot answer another's command. Returns false when nothing was recorded: the command
   * already had a result (a replayed one), is not stored, or went to another agent.
   */
  complete(id: string, result: CommandResult, at: number, fromAgentId?: string): Promise<boolean>;
  /**
   * Records these results as `complete` would each, in the order given and in one transaction (a
   * restore is answered by thousands of hosts at once); returns what `complete` would have for each.
   * Nothing is recorded when it throws.
   */
  completeMany(results: readonly CommandCompletion[]): Promise<boolean[]>;
  /**
   * Which of `scopes` any command ever written for this agent names (answered or not, cancelled
   * too): what the agent is part of. In no particular order.
   */
  heldScopes(agentId: string, scopes: readonly AgentScope[]): Promise<AgentScope[]>;
  /**
   * Makes the agent part of nothing and owe nothing: its commands without a result get `result`,
   * and what its commands named is forgotten. For a removed agent whose name enrolls anew under
   * its id: the newcomer must not be sent the old host's commands (their secrets, upload tokens)
   * nor download what they named. Returns how many commands got `result`.
   */
  forgetAgent(agentId: string, result: CommandResult, at: number): Promise<number>;
}
