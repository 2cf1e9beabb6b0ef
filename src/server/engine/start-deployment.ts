// Starting a deployment: for a run's stage, by hand (`slipway deploy`), or as a rollback. Reads what
// admission needs inside the caller's transaction, asks core, and writes the deployment down with
// its hosts and the event that records it.
import { ConflictError, InputError, type SlipwayError } from '../../base/errors.ts';
import { admitDeployment, chooseRollbackTarget, type Refusal } from '../../core/deploy/deployment-admission.ts';
import { selectHosts } from '../../core/deploy/select-hosts.ts';
import type { Deployment, DeploymentKind, DeploymentMigration, Project } from '../../core/model.ts';
import type { RehearsalHost } from '../../core/pipeline/run-planner.ts';
import type { Store } from '../../storage/store.ts';
import type { Tx } from './event-log.ts';
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

export type StartOutcome = { started: true; deployment: Deployment } | { started: false; refusal: Refusal };

/** Admits and creates the deployment in `tx`, or says why it may not start. */
export async function startDeployment(tx: Tx, now: number, req: StartDeploymentRequest): Promise<StartOutcome> {
  const { store } = tx;
  const { project, env, version } = req;
  const { artifact, config, run } = await configOfVersion(store, project, version);
  const active = (await store.deployments.listActive()).find((d) => d.projectId === project.id && d.env === env) ?? null;
  const passedEnvs = (await store.runs.stages(run.id)).filter((s) => s.kind === 'environment' && s.status === 'succeeded').map((s) => s.name);
  const admission = admitDeployment({
    projectName: project.name, config, env, version, kind: req.kind, forced: req.forced, artifact, passedEnvs,
    agents: await store.agents.list(), active, unresolvedMigration: await unresolvedMigration(store, project, env),
  });
  if (!admission.admitted) return { started: false, refusal: admission.refusal };
  const envConfig = config.environments[env]!;
  // A deployment of a version with `migrate:` runs it; a rollback never does (there is no way down).
  const migration = config.migrate && req.kind === 'deploy' ? pendingMigration() : null;
  const deployment = await store.deployments.create(
    { projectId: project.id, env, version, runId: req.runId, kind: req.kind, batch: envConfig.batch, forced: req.forced, requestedBy: req.requestedBy, migration },
    admission.hosts,
    now,
  );
  const what = req.kind === 'rollback' ? 'rollback' : 'deployment';
  await tx.emit('deployment.started', `${what} of ${project.name} ${version} to ${env} on ${admission.hosts.length} host(s) started by ${req.requestedBy}`, {
    projectId: project.id, runId: req.runId, deploymentId: deployment.id, actor: req.actor ?? null,
  });
  return { started: true, deployment };
}

/** The environment's last deployment that was not a rehearsal, when it left a migration of unknown outcome. */
async function unresolvedMigration(store: Store, project: Project, env: string): Promise<Deployment | null> {
  const last = (await store.deployments.list(project.id, { env, limit: 10 })).find((d) => d.kind !== 'rehearsal');
  return last?.migration?.state === 'unknown' ? last : null;
}

function pendingMigration(): DeploymentMigration {
  return { state: 'pending', agentId: null, host: null, commandId: null, sentAt: null, finishedAt: null, error: null, logTail: [] };
}

/**
 * Starts the rollback rehearsal of a run's stage: a deployment of kind `rehearsal` on one host,
 * holding the environment like any deployment. Throws ConflictError (SLIPWAY_DEPLOYMENT_ACTIVE)
 * when the environment is busy.
 */
export async function startRehearsal(tx: Tx, now: number, req: { project: Project; env: string; version: string; runId: string; requestedBy: string; host: RehearsalHost }): Promise<Deployment> {
  const { project, env, version, host } = req;
  const deployment = await tx.store.deployments.create(
    { projectId: project.id, env, version, runId: req.runId, kind: 'rehearsal', status: 'rehearsing', batch: 1, forced: false, requestedBy: req.requestedBy },
    [{ agentId: host.agentId, hostName: host.hostName, batch: 0, previousVersion: host.previousVersion }],
    now,
  );
  await tx.emit('deployment.started', `rollback rehearsal of ${project.name} ${version} in ${env}: ${host.previousVersion} goes back on ${host.hostName} against the migrated database, then ${version} again`, {
    projectId: project.id, runId: req.runId, deploymentId: deployment.id,
  });
  return deployment;
}

/** The deployment, or the refusal as the error the API answers with. */
export function startedOrThrow(outcome: StartOutcome): Deployment {
  if (outcome.started) return outcome.deployment;
  throw refusalError(outcome.refusal);
}

export function refusalError(refusal: Refusal): SlipwayError {
  return refusal.kind === 'input' ? new InputError(refusal.code, refusal.message) : new ConflictError(refusal.code, refusal.message);
}

/** The version `slipway rollback` goes back to, and the version it leaves (to quarantine). */
export async function rollbackTarget(store: Store, project: Project, env: string): Promise<{ version: string; leaving: string | null }> {
  const knownGood = (await store.environments.get(project.id, env))?.knownGood ?? null;
  const currentOnHosts: (string | null)[] = [];
  if (knownGood) {
    const { config } = await configOfVersion(store, project, knownGood);
    const envConfig = config.environments[env];
    for (const host of envConfig ? selectHosts(await store.agents.list(), envConfig.hosts) : []) {
      currentOnHosts.push(host.apps.find((a) => a.app === config.app)?.current ?? null);
    }
  }
  const succeeded = [];
  for (const d of (await store.deployments.list(project.id, { env, status: 'succeeded', limit: 100 })).filter((d) => d.kind !== 'rehearsal')) {
    succeeded.push({ version: d.version, artifact: await store.artifacts.get(project.id, d.version) });
  }
  const target = chooseRollbackTarget({ projectName: project.name, env, knownGood, currentOnHosts, succeeded });
  if (!target.ok) throw refusalError(target.refusal);
  return { version: target.version, leaving: target.leaving };
}
