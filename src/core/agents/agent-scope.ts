// What an agent is part of: the runs, deployments, artifacts and source trees named by the
// commands the server sent it. Log lines may only name these runs and deployments, and an agent
// downloads only these artifacts and sources (issue 7). Derived from the commands alone, so the
// store can keep them beside each command it writes down. Pure.
import type { Command } from '../protocol/messages.ts';

export type AgentScopeKind = 'run' | 'deployment' | 'artifact' | 'source';

export interface AgentScope {
  kind: AgentScopeKind;
  /** The run's or deployment's id, the artifact's sha256, or `<project>@<sha>` for a source tree. */
  ref: string;
}

/** The ref of a project's source tree at a commit, as `scopesOfCommand` names it. */
export function sourceRef(project: string, sha: string): string {
  return `${project}@${sha}`;
}

/** A scope as one string (`run:<id>`), for sets and cache keys. */
export function scopeKey(scope: AgentScope): string {
  return `${scope.kind}:${scope.ref}`;
}

/**
 * What sending `command` makes its agent part of: a host is part of the run and deployment of a
 * `prepare`, `activate` or `migrate` (and may download the artifact a `prepare` names), an LB agent of the
 * run and deployment of its `lb` command; a runner is part of
 * its job's run and deployment and may download the job's source tree. A `deactivate` names none.
 */
export function scopesOfCommand(command: Command): AgentScope[] {
  const scopes: AgentScope[] = [];
  const add = (kind: AgentScopeKind, ref: string | null | undefined) => {
    if (ref) scopes.push({ kind, ref });
  };
  switch (command.kind) {
    case 'prepare':
      add('run', command.runId);
      add('deployment', command.deploymentId);
      add('artifact', command.sha256);
      break;
    case 'activate':
    case 'migrate':
    case 'lb':
      add('run', command.runId);
      add('deployment', command.deploymentId);
      break;
    case 'deactivate':
      break;
    case 'job':
      add('run', command.job.runId);
      add('deployment', command.job.deploymentId);
      add('source', sourceRef(command.job.project, command.job.sha));
      break;
    default:
      // A new command kind must say what it makes its agent part of.
      return command satisfies never;
  }
  return scopes;
}
