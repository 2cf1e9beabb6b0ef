// Finding the project and run a route names, or a 404 that says which one is missing.
import { NotFoundError } from '../../base/errors.ts';
import type { Project, Run } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export async function findProject(store: Store, name: string): Promise<Project> {
  const project = await store.projects.getByName(name);
  if (!project) throw new NotFoundError('SLIPWAY_PROJECT_NOT_FOUND', `no project "${name}" (slipway project add ${name} --repo URL)`);
  return project;
}

export async function findRun(store: Store, project: Project, number: string): Promise<Run> {
  const run = /^\d{1,9}$/.test(number) ? await store.runs.getByNumber(project.id, Number(number)) : undefined;
  if (!run) throw new NotFoundError('SLIPWAY_RUN_NOT_FOUND', `${project.name} has no run #${number}`);
  return run;
}
