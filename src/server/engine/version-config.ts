// A version's artifact and the slipway.yml it was built from: what its hosts run and check.
import { NotFoundError } from '../../base/errors.ts';
import type { Artifact, Project, Run, SlipwayConfig } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export async function configOfVersion(store: Store, project: Project, version: string): Promise<{ artifact: Artifact; run: Run; config: SlipwayConfig }> {
  const artifact = await store.artifacts.get(project.id, version);
  if (!artifact) throw new NotFoundError('SLIPWAY_VERSION_NOT_FOUND', `${project.name} has no version ${version}`);
  const run = await store.runs.get(artifact.runId);
  if (!run?.config) throw new NotFoundError('SLIPWAY_VERSION_NOT_FOUND', `the run that built ${project.name} ${version} is gone`);
  return { artifact, run, config: run.config };
}
