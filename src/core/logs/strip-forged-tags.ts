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
  // Ids compared as they are, without building keys: a batch holds thousands of lines and few ids.
  const runs = new Set<string>();
  const deployments = new Set<string>();
  for (const line of lines) {
    if (line.runId) runs.add(line.runId);
    if (line.deploymentId) deployments.add(line.deploymentId);
  }
  return [
    ...[...runs].map((ref): AgentScope => ({ kind: 'run', ref })),
    ...[...deployments].map((ref): AgentScope => ({ kind: 'deployment', ref })),
  ];
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
  // Each id is looked up once per batch.
  const runHeld = new Map<string, boolean>();
  const deploymentHeld = new Map<string, boolean>();
  const holds = (answers: Map<string, boolean>, kind: 'run' | 'deployment', ref: string): boolean => {
    let answer = answers.get(ref);
    if (answer === undefined) {
      answer = held.has(scopeKey({ kind, ref }));
      answers.set(ref, answer);
      if (!answer) refused.add(`${kind}:${ref}`);
    }
    return answer;
  };
  const out = lines.map((line) => {
    const runForged = !!line.runId && !holds(runHeld, 'run', line.runId);
    const deploymentForged = !!line.deploymentId && !holds(deploymentHeld, 'deployment', line.deploymentId);
    if (!runForged && !deploymentForged) return line;
    forged += 1;
    return { ...line, ...(runForged ? { runId: null } : {}), ...(deploymentForged ? { deploymentId: null } : {}) };
  });
  return { lines: out, forged, refused: [...refused] };
}
