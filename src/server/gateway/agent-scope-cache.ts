// What each agent is part of (runs, deployments, artifacts, sources: see core/agents/agent-scope.ts),
// kept in memory so that checking an agent's log lines costs no query in the common case. Filled
// by the gateway as it sends a command (before the agent can know any id the command names) and,
// on a miss (after a server restart, a command sent by another instance), from the store. Answers
// "no" are kept too, so a stream of lines naming a run the agent is not part of asks once; a "no"
// never overwrites a "yes".
import { scopeKey, type AgentScope } from '../../core/agents/agent-scope.ts';
import type { Store } from '../../storage/store.ts';

/** Answers kept per agent; the oldest are forgotten past this (and asked for again when needed). */
const MAX_PER_AGENT = 4096;

export interface AgentScopes {
  /** The keys (`scopeKey`) of `scopes` the agent holds, when every one of them is known here; else undefined. */
  heldIfKnown(agentId: string, scopes: readonly AgentScope[]): Set<string> | undefined;
  /** The keys of `scopes` the agent holds, asking the store for those not known here. */
  held(agentId: string, scopes: readonly AgentScope[]): Promise<Set<string>>;
}

export class AgentScopeCache implements AgentScopes {
  private readonly agents = new Map<string, Map<string, boolean>>();

  constructor(private readonly deps: { store: Pick<Store, 'commands'> }) {}

  /** The agent is now part of these (a command naming them is being sent to it). */
  learn(agentId: string, scopes: readonly AgentScope[]): void {
    const known = this.of(agentId);
    for (const scope of scopes) {
      const key = scopeKey(scope);
      known.delete(key); // to the end of the insertion order: the newest are kept longest
      known.set(key, true);
    }
    this.trim(known);
  }

  /** The agent is part of nothing it was (its name enrolled anew after it was removed). */
  forget(agentId: string): void {
    this.agents.delete(agentId);
  }

  heldIfKnown(agentId: string, scopes: readonly AgentScope[]): Set<string> | undefined {
    const known = this.agents.get(agentId);
    const held = new Set<string>();
    for (const scope of scopes) {
      const key = scopeKey(scope);
      const answer = known?.get(key);
      if (answer === undefined) return undefined;
      if (answer) held.add(key);
    }
    return held;
  }

  async held(agentId: string, scopes: readonly AgentScope[]): Promise<Set<string>> {
    const known = this.of(agentId);
    const missing = scopes.filter((scope) => !known.has(scopeKey(scope)));
    if (missing.length > 0) {
      const found = new Set((await this.deps.store.commands.heldScopes(agentId, missing)).map(scopeKey));
      for (const scope of missing) {
        const key = scopeKey(scope);
        // A command may have been sent meanwhile: what `learn` said wins over the older answer.
        if (!known.get(key)) known.set(key, found.has(key));
      }
    }
    const held = new Set(scopes.map(scopeKey).filter((key) => known.get(key) === true));
    this.trim(known);
    return held;
  }

  private of(agentId: string): Map<string, boolean> {
    let known = this.agents.get(agentId);
    if (!known) {
      known = new Map();
      this.agents.set(agentId, known);
    }
    return known;
  }

  private trim(known: Map<string, boolean>): void {
    for (const key of known.keys()) {
      if (known.size <= MAX_PER_AGENT) return;
      known.delete(key);
    }
  }
}
