// A version's artifact and the slipway.yml it was built from: what its hosts run and check.
import { NotFoundError } from '../../base/errors.ts';
import type { Artifact, Project, Run, SlipwayConfig } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export async function configOfVersion(store: Store, project: Project, version: string): Promise<{ artifact: Artifact; run: Run; config: SlipwayConfig }> {
  const artifact = await artifactOfVersion(store, project, version);
  const run = await store.runs.get(artifact.runId);
  if (!run?.config) throw new NotFoundError('SLIPWAY_VERSION_NOT_FOUND', `the run that built ${project.name} ${version} is gone`);
  return { artifact, run, config: run.config };
}

/** The version's artifact; a NotFoundError when it is gone. */
export async function artifactOfVersion(store: Store, project: Project, version: string): Promise<Artifact> {
  const artifact = await store.artifacts.get(project.id, version);
  if (!artifact) throw new NotFoundError('SLIPWAY_VERSION_NOT_FOUND', `${project.name} has no version ${version}`);
  return artifact;
}

/** How many versions' configs the engine keeps (a few per active deployment: its version and the known-good). */
const KEPT_CONFIGS = 64;

/**
 * The slipway.yml of each version the engine looked at, kept: a version's config never changes once
 * built, and a deployment at batch 1 looks at its own thousands of times.
 */
export class VersionConfigs {
  private readonly configs = new Map<string, SlipwayConfig>();

  async of(store: Store, project: Project, version: string): Promise<SlipwayConfig> {
    const key = `${project.id}\n${version}`;
    const kept = this.configs.get(key);
    if (kept) return kept;
    const { config } = await configOfVersion(store, project, version);
    if (this.configs.size >= KEPT_CONFIGS) this.configs.delete(this.configs.keys().next().value!);
    this.configs.set(key, config);
    return config;
  }
}
