// The lifecycle of a command in flight, for host commands and jobs alike: sent to an agent, it is
// answered, or the server gives up on it because the agent is lost or it took too long.
import { formatLimit } from '../../base/duration.ts';
import type { FailureStep } from '../model.ts';
import type { CommandResult } from '../protocol/messages.ts';
import { isAgentLost, type AgentLivenessLimits, type AgentPresence } from './agent-liveness.ts';

export interface CommandInFlight {
  sentAt: number;
  /** The agent's answer, once it is stored. */
  result: CommandResult | null;
  /** The agent the command went to; undefined when it is no longer known. */
  agent: AgentPresence | undefined;
  timeoutMs: number;
  /**
   * Whether a lost agent is still waited for until the timeout: a restore is, since only that
   * agent can put its host back and it may well come back.
   */
  waitsForLostAgent: boolean;
  /** How the agent is named in a reason: "the host", "runner ci-1". */
  who: string;
}

/** Why something failed, and at which step: recorded as it is, never parsed back from words. */
export interface Failure {
  step: FailureStep;
  reason: string;
}

export type InFlightOutcome =
  | { kind: 'waiting' }
  | { kind: 'answered'; result: CommandResult }
  /** The server stops waiting: the command is to be cancelled, so a returning agent does not run it. */
  | { kind: 'given_up'; failure: Failure };

export function resolveInFlight(command: CommandInFlight, now: number, limits: AgentLivenessLimits): InFlightOutcome {
  if (command.result) return { kind: 'answered', result: command.result };
  if (!command.waitsForLostAgent && isAgentLost(command.agent, now, limits)) {
    return { kind: 'given_up', failure: { step: 'agent_lost', reason: `agent lost: ${command.who} stopped answering` } };
  }
  if (now - command.sentAt > command.timeoutMs) {
    if (isAgentLost(command.agent, now, limits)) {
      return { kind: 'given_up', failure: { step: 'agent_lost', reason: `agent lost: ${command.who} did not come back within ${formatLimit(command.timeoutMs)}` } };
    }
    return { kind: 'given_up', failure: { step: 'timeout', reason: `timed out after ${formatLimit(command.timeoutMs)} waiting for ${command.who}` } };
  }
  return { kind: 'waiting' };
}

/** The failure an agent reported, at the step it names, else at `step`. */
export function failureOfResult(result: CommandResult, step: FailureStep): Failure {
  return { step: result.step ?? step, reason: result.error ?? 'failed without a message' };
}
