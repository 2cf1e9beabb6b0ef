// The check on the run and deployment an agent's log line names (issue 7: forged log lines). A
// line may only name a run or deployment the agent is part of (see agent-scope.ts); a tag naming
// anything else is removed and the line kept, so that it shows under the agent's host and not in
// the other run's log. Removing the tag, rather than the line, loses nothing an operator may need
// to see what the agent did, and keeps the agent's seq numbers whole (acknowledgements count on
// them). Pure: the caller says which scopes the agent holds.
import { scopeKey, type AgentScope } from '../agents/agent-scope.ts';

interface TaggedLine {
  runId?: string | null | undefined;
  deploymentId?: string | null | undefined;
}

/** The runs and deployments the lines name, each once. */
export function scopesNamedBy(lines: readonly TaggedLine[]): AgentScope[] {
  const named = new Map<string, AgentScope>();
  for (const line of lines) {
    if (line.runId) named.set(`run:${line.runId}`, { kind: 'run', ref: line.runId });
    if (line.deploymentId) named.set(`deployment:${line.deploymentId}`, { kind: 'deployment', ref: line.deploymentId });
  }
  return [...named.values()];
}

export interface StrippedLines<L> {
  lines: L[];
  /** How many lines lost a tag. */
  forged: number;
  /** The scopes named without being held (`run:<id>`, `deployment:<id>`), each once. */
  refused: string[];
}

/**
 * The lines with every run or deployment tag the agent does not hold (`held` has `scopeKey`s)
 * set to null. Lines are returned as they were when none of their tags is forged.
 */
export function stripForgedTags<L extends TaggedLine>(lines: readonly L[], held: ReadonlySet<string>): StrippedLines<L> {
  let forged = 0;
  const refused = new Set<string>();
  const out = lines.map((line) => {
    const runForged = !!line.runId && !held.has(scopeKey({ kind: 'run', ref: line.runId }));
    const deploymentForged = !!line.deploymentId && !held.has(scopeKey({ kind: 'deployment', ref: line.deploymentId }));
    if (!runForged && !deploymentForged) return line;
    forged += 1;
    if (runForged) refused.add(`run:${line.runId!}`);
    if (deploymentForged) refused.add(`deployment:${line.deploymentId!}`);
    return { ...line, ...(runForged ? { runId: null } : {}), ...(deploymentForged ? { deploymentId: null } : {}) };
  });
  return { lines: out, forged, refused: [...refused] };
}
