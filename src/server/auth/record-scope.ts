// Scopes of routes that name a record rather than a project (a deployment by id, the central log
// by run or deployment): the project the record belongs to, looked up, so that a grant limited to
// that project covers the request as it covers /projects/:name/…
import type { AccessScope } from '../../core/access/permissions.ts';
import type { Store } from '../../storage/store.ts';
import type { ScopeOf } from './authorize-requests.ts';

/** The scope of `/…/deployments/:id`: the deployment's project; none when there is no such deployment. */
export function deploymentScope(store: Store): ScopeOf {
  return async (request) => {
    const { id } = request.params as { id?: unknown };
    return typeof id === 'string' ? projectScopeOf(store, await deploymentProject(store, id)) : {};
  };
}

/**
 * The scope of the central log (`?run=<run id>&deployment=<deployment id>`): the project of the run
 * or deployment named (log lines carry no project of their own). None when neither is named, when
 * either is unknown, or when they belong to different projects: such a search is about no one
 * project, and only who reads every project may make it.
 */
export function logScope(store: Store): ScopeOf {
  return async (request) => {
    const query = request.query as { run?: unknown; deployment?: unknown } | undefined;
    const run = nonEmpty(query?.run);
    const deployment = nonEmpty(query?.deployment);
    if (run === undefined && deployment === undefined) return {};
    const owners = await Promise.all([
      run === undefined ? undefined : store.runs.get(run).then((r) => r?.projectId ?? null),
      deployment === undefined ? undefined : deploymentProject(store, deployment),
    ]);
    const named = owners.filter((owner) => owner !== undefined);
    if (named.some((owner) => owner === null) || new Set(named).size !== 1) return {};
    return projectScopeOf(store, named[0]!);
  };
}

async function deploymentProject(store: Store, id: string): Promise<string | null> {
  return (await store.deployments.get(id))?.projectId ?? null;
}

async function projectScopeOf(store: Store, projectId: string | null): Promise<AccessScope> {
  if (projectId === null) return {};
  const project = await store.projects.get(projectId);
  return project ? { project: project.name } : {};
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
