// Starting a deployment: for a run's stage, by hand (`slipway deploy`), or as a rollback to
// known-good. Checks what a person could get wrong and writes the deployment down with its hosts.
import { ConflictError, InputError } from '../../base/errors.ts';
import { assignBatches } from '../../core/deploy/batches.ts';
import type { Agent, Deployment, DeploymentKind, Labels, Project } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import type { EventLog } from './event-log.ts';
import { configOfVersion } from './version-config.ts';

export interface StartDeploymentRequest {
  project: Project;
  env: string;
  version: string;
  runId: string | null;
  kind: DeploymentKind;
  forced: boolean;
  requestedBy: string;
  /** The principal whose request this is (recorded on the event); absent when the engine promotes by itself. */
  actor?: string;
}

export async function startDeployment(deps: { store: Store; events: EventLog; now: number }, req: StartDeploymentRequest): Promise<Deployment> {
  const { store } = deps;
  const { project, env, version } = req;
  const { artifact, config, run } = await configOfVersion(store, project, version);
  const envConfig = config.environments[env];
  if (!envConfig) {
    throw new InputError('SLIPWAY_UNKNOWN_ENVIRONMENT', `version ${version} of ${project.name} has no environment "${env}" in its slipway.yml (has: ${Object.keys(config.environments).join(', ')})`);
  }
  if (artifact.quarantinedAt && !req.forced) {
    throw new ConflictError('SLIPWAY_VERSION_QUARANTINED', `version ${version} is quarantined (${artifact.quarantineReason ?? 'rolled back'}); use --force to deploy it anyway`);
  }
  if (envConfig.after && req.kind === 'deploy' && !req.forced) {
    const passed = (await store.runs.stages(run.id)).some((s) => s.kind === 'environment' && s.name === envConfig.after && s.status === 'succeeded');
    if (!passed) {
      throw new ConflictError('SLIPWAY_NOT_PROMOTED', `version ${version} has not passed "${envConfig.after}", which "${env}" comes after; use --force to deploy it anyway`);
    }
  }
  const hosts = selectHosts(await store.agents.list(), envConfig.hosts);
  if (hosts.length === 0) {
    throw new InputError('SLIPWAY_NO_HOSTS', `no hosts match the labels of "${env}" (${formatLabels(envConfig.hosts)}); start agents with --labels ${formatLabels(envConfig.hosts)}`);
  }
  const batches = assignBatches(hosts.length, envConfig.batch);
  const deployment = await store.deployments.create(
    { projectId: project.id, env, version, runId: req.runId, kind: req.kind, batch: envConfig.batch, forced: req.forced, requestedBy: req.requestedBy },
    hosts.map((h, i) => ({ agentId: h.id, hostName: h.name, batch: batches[i]! })),
    deps.now,
  );
  const what = req.kind === 'rollback' ? 'rollback' : 'deployment';
  await deps.events.emit('deployment.started', `${what} of ${project.name} ${version} to ${env} on ${hosts.length} host(s) started by ${req.requestedBy}`, {
    actor: req.actor ?? null,
    projectId: project.id, runId: req.runId, deploymentId: deployment.id,
  });
  return deployment;
}

/**
 * The version `slipway rollback` goes back to: known-good when some host runs something else
 * (a deployment that could not restore), else the known-good before it. Returns the version to
 * quarantine too (the one being left, when every host runs it).
 */
export async function rollbackTarget(store: Store, project: Project, env: string): Promise<{ version: string; leaving: string | null }> {
  const knownGood = (await store.environments.get(project.id, env))?.knownGood;
  if (!knownGood) throw new ConflictError('SLIPWAY_NOTHING_TO_ROLL_BACK_TO', `${env} of ${project.name} has no known-good version yet`);
  const { config } = await configOfVersion(store, project, knownGood);
  const envConfig = config.environments[env];
  const hosts = envConfig ? selectHosts(await store.agents.list(), envConfig.hosts) : [];
  const drifted = hosts.some((h) => (h.apps.find((a) => a.app === config.app)?.current ?? null) !== knownGood);
  if (drifted) return { version: knownGood, leaving: null };
  const succeeded = await store.deployments.list(project.id, { env, status: 'succeeded', limit: 100 });
  for (const d of succeeded) {
    if (d.version === knownGood) continue;
    const artifact = await store.artifacts.get(project.id, d.version);
    if (artifact && !artifact.quarantinedAt) return { version: d.version, leaving: knownGood };
  }
  throw new ConflictError('SLIPWAY_NOTHING_TO_ROLL_BACK_TO', `${env} of ${project.name} runs ${knownGood} everywhere and has no earlier known-good version`);
}

/** The agents whose labels include every label of the selector, by name. */
export function selectHosts(agents: Agent[], selector: Labels): Agent[] {
  return agents
    .filter((a) => Object.entries(selector).every(([k, v]) => a.labels[k] === v))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function formatLabels(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}
