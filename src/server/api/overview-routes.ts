// The web UI's front page in one request: per project, its last run with stages, what each
// environment runs (and what a rollback would restore), and the deployments under way.
import type { FastifyInstance } from 'fastify';
import { SlipwayError } from '../../base/errors.ts';
import type { EnvironmentView, ProjectOverview } from '../../core/api/answers.ts';
import type { Deployment, Project } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import { rollbackTarget } from '../engine/start-deployment.ts';
import type { ApiDeps } from './api-deps.ts';
import { requiresSome } from '../auth/authorize-requests.ts';
import { visibleProjects } from '../auth/visible-projects.ts';
import { deploymentDetail } from './deployment-detail.ts';
import { projectStatus } from './project-status.ts';
import { projectView } from './project-view.ts';
import { runSummary } from './run-summary.ts';

export function overviewRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // Every project the caller reads (all, or those its grants name).
  app.get('/api/v1/overview', requiresSome('project.read'), async (request) => {
    const [{ projects }, active] = await Promise.all([visibleProjects(deps.store, request), deps.store.deployments.listActive()]);
    return Promise.all(projects.map((project) => projectOverview(deps.store, project, active)));
  });
}

/** One project's row of the overview; `active` is every deployment that has not ended. */
export async function projectOverview(store: Store, project: Project, active: Deployment[]): Promise<ProjectOverview> {
  const [last] = await store.runs.list(project.id, 1);
  const { environments } = await projectStatus(store, project);
  const activeDeployments = await Promise.all(active.filter((d) => d.projectId === project.id).map((d) => deploymentDetail(store, d)));
  return {
    project: projectView(project),
    lastRun: last ? await runSummary(store, last) : null,
    environments: await Promise.all(environments.map(async (env): Promise<EnvironmentView> => ({ ...env, rollbackTo: await rollbackVersion(store, project, env.name) }))),
    activeDeployments,
  };
}

/** What a rollback of the environment would restore; null when the server would refuse one. */
async function rollbackVersion(store: Store, project: Project, env: string): Promise<string | null> {
  try {
    return (await rollbackTarget(store, project, env)).version;
  } catch (err) {
    if (err instanceof SlipwayError && err.kind !== 'internal') return null;
    throw err;
  }
}
