// A version's artifact and the slipway.yml it was built from: what its hosts run and check.
import { NotFoundError } from '../../base/errors.ts';
import type { Agent, Artifact, Project, Run, SlipwayConfig } from '../../core/model.ts';
import type { AppRunSpec } from '../../core/protocol/messages.ts';
import type { Store } from '../../storage/store.ts';

export async function configOfVersion(store: Store, project: Project, version: string): Promise<{ artifact: Artifact; run: Run; config: SlipwayConfig }> {
  const artifact = await store.artifacts.get(project.id, version);
  if (!artifact) throw new NotFoundError('SLIPWAY_VERSION_NOT_FOUND', `${project.name} has no version ${version}`);
  const run = await store.runs.get(artifact.runId);
  if (!run?.config) throw new NotFoundError('SLIPWAY_VERSION_NOT_FOUND', `the run that built ${project.name} ${version} is gone`);
  return { artifact, run, config: run.config };
}

/** How an agent runs the app of this config: its PORT is the agent's own when it has one. */
export function appRunSpec(config: SlipwayConfig, agent: Pick<Agent, 'port'>): AppRunSpec {
  return {
    command: config.run.command,
    port: agent.port ?? config.run.port,
    healthPath: config.run.health.http,
    healthTimeoutMs: config.run.health.timeoutMs,
    stopTimeoutMs: config.run.stopTimeoutMs,
  };
}

/** The URL where runners reach the app on this agent. */
export function appUrl(config: SlipwayConfig, agent: Pick<Agent, 'port' | 'address'>): string {
  return `http://${agent.address}:${agent.port ?? config.run.port}`;
}
