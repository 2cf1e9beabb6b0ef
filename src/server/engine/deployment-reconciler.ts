// Performs what the deployment planner decides for one deployment, each action in one transaction
// with its event (consecutive sends and host steps together, see deployment-host-actions.ts):
// commands written down for agents, host steps, and the deployment's end (known-good on success,
// quarantine on rollback).
import { setImmediate as nextTurn } from 'node:timers/promises';
import { deploymentLimits } from '../../core/deploy/app-run-spec.ts';
import { planDeployment, type DeploymentAction, type DeploymentView, type HostView } from '../../core/deploy/deployment-planner.ts';
import type { LbView } from '../../core/deploy/lb-view.ts';
import type { Deployment, DeploymentStatus, Project, RollbackCause } from '../../core/model.ts';
import { readLbView, writeLbRound } from './deployment-lb.ts';
import { applyHostActions, hostAgent, hostGroup, hostWriters, isHostAction } from './deployment-host-actions.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import { StaleAction, type Tx } from './event-log.ts';
import { HostWrites } from './deployment-hosts-cache.ts';
import { sendMigration } from './deployment-migration.ts';
import { verifyRehearsal } from './rehearsal-verify.ts';

/** How long a look applies actions before it lets the server's other work run. */
const MAX_TURN_MS = 20;
/**
 * Consecutive sends and host updates applied in one transaction at most: a restore sends every host
 * of the environment at once, and one transaction each (with the agent's row and commands read
 * again to deliver) made a 5,000-host restore last seconds.
 */
export const MAX_HOST_GROUP = 100;

/**
 * What one look at a deployment did: `acted` when it did anything (then the engine looks again at
 * once); `polls` when it is behind a load balancer, whose steps read HAProxy again every
 * `lbPollMs` without any agent answer to wake the engine (so it must look that often itself).
 */
export interface DeploymentLook {
  acted: boolean;
  polls: boolean;
  /** It queued a job (a rehearsal's verify): the engine's look at its jobs hands it to a runner. */
  queuedJob: boolean;
}

/**
 * Looks at one deployment: plans, and applies each action in its own transaction. Its hosts come
 * from the engine's copy (see DeploymentHostsCache), with the answers noted since the last look,
 * or (`everything`) every answer still awaited.
 */
export async function reconcileDeployment(ctx: EngineContext, deployment: Deployment, agents: AgentsById, everything: boolean): Promise<DeploymentLook> {
  try {
    return await look(ctx, deployment, agents, everything);
  } catch (err) {
    ctx.hostsCache.forget(deployment.id);
    throw err;
  }
}

async function look(ctx: EngineContext, deployment: Deployment, agents: AgentsById, everything: boolean): Promise<DeploymentLook> {
  const { store } = ctx;
  const project = await store.projects.get(deployment.projectId);
  if (!project) return { acted: false, polls: false, queuedJob: false };
  const config = await ctx.versionConfigs.of(store, project, deployment.version);
  const hosts = await ctx.hostsCache.hosts(store, deployment.id, everything, (agentId) => hostAgent(agents.get(agentId), deployment));
  const envConfig = config.environments[deployment.env];
  const lbConfig = envConfig?.loadBalancer ?? null;
  const lb = lbConfig ? await readLbView(store, deployment, lbConfig, agents) : null;
  const migrationCommand = deployment.migration?.commandId;
  const view: DeploymentView = {
    deployment, hosts, lb, hostIndex: ctx.hostsCache.index(deployment.id),
    migrationResult: migrationCommand ? ((await store.commands.get(migrationCommand))?.result ?? null) : null,
    // What a rehearsal found matters only once this deployment migrated the database (read fresh then).
    rollbackSafety: deployment.migration?.state === 'succeeded' ? (await store.artifacts.get(project.id, deployment.version))?.rollbackSafety ?? null : null,
    ...(deployment.kind === 'rehearsal' ? { verifyJob: (await store.jobs.listByDeployment(deployment.id)).at(-1) ?? null, hasVerify: (envConfig?.verify.length ?? 0) > 0 } : {}),
  };
  const actions = planDeployment(view, ctx.clock.now(), deploymentLimits(ctx.limits, config));
  // Each host's name by its agent, for the events of this look's actions, from the copy's map:
  // found by a search of every host, a rollback's n actions cost n² (a second of a 5,000-host restore).
  const hostName = (agentId: string) => ctx.hostsCache.hostName(deployment.id, agentId) ?? hosts.find((h) => h.agentId === agentId)?.hostName ?? agentId;
  let turnStartedAt = performance.now();
  let queuedJob = false;
  for (let next = 0; next < actions.length;) {
    // Thousands of actions (a deployment's hosts told to stage) await only the store: between them,
    // agents' messages and requests are served too, or their heartbeats would wait for the whole look.
    if (performance.now() - turnStartedAt > MAX_TURN_MS) {
      await nextTurn();
      turnStartedAt = performance.now();
    }
    // Another instance may run the engine by now (this one's lease ran out during a long look).
    if (!ctx.holdsLease()) break;
    const group = hostGroup(actions, next, MAX_HOST_GROUP);
    next += group.length;
    const action = group[0]!;
    const writes = new HostWrites();
    const applying = isHostAction(action)
      ? applyHostActions(ctx, project, deployment, hostName, agents, group.filter(isHostAction), writes)
      : apply(ctx, project, deployment, hosts, hostName, agents, lb, action, writes);
    const applied = await applying.then(() => true, (err: unknown) => {
      if (!(err instanceof StaleAction)) throw err;
      ctx.log.info({ deployment: deployment.id, why: err.message }, 'deployment action planned on data that changed; planning again');
      return false;
    });
    // What was planned on changed (an agent answered meanwhile): plan again from what is stored.
    if (!applied) {
      ctx.hostsCache.forget(deployment.id);
      break;
    }
    if (action.type === 'finish') ctx.hostsCache.forget(deployment.id);
    else ctx.hostsCache.applied(deployment.id, writes);
    if (action.type === 'verify-rehearsal') queuedJob = true;
  }
  return { acted: actions.length > 0, polls: lb !== null, queuedJob };
}

async function apply(
  ctx: EngineContext, project: Project, deployment: Deployment, hosts: HostView[], hostName: (agentId: string) => string, agents: AgentsById, lb: LbView | null,
  action: DeploymentAction, writes: HostWrites,
): Promise<void> {
  const now = ctx.clock.now();
  // Every write of a host or a cancel goes through these, so that the engine's copy follows.
  const { updateHost, recordHostStep, recordNote, cancelInFlight } = hostWriters(project, deployment, hostName, writes, now);
  const refs = { projectId: project.id, runId: deployment.runId, deploymentId: deployment.id };
  switch (action.type) {
    case 'lb':
      if (!lb) throw new Error('an lb action for a deployment without a load balancer');
      return ctx.events.transaction(async (tx) => {
        await recordNote(tx, action.hostAgentId, action.note, action.cancel);
        await writeLbRound(ctx, tx, deployment, lb, hosts, action, now);
        if (action.hostAgentId && action.patch) {
          await updateHost(tx, action.hostAgentId, { ...action.patch, updatedAt: now });
          if (action.patch.step) await recordHostStep(tx, action.hostAgentId, action.patch.step);
        }
      });
    case 'set-status':
      return ctx.events.transaction(async (tx) => {
        await tx.store.deployments.update(deployment.id, { status: action.status, ...(action.cause ? { cause: action.cause } : {}) });
        await tx.emit(`deployment.${action.status}`, statusMessage(deployment, action.status, action.cause), refs);
      });
    case 'migrate':
      return ctx.events.transaction((tx) => sendMigration(ctx, tx, project, deployment, hostAgent(agents.get(action.agentId), deployment), action, now));
    case 'migration':
      return ctx.events.transaction(async (tx) => {
        await tx.store.deployments.update(deployment.id, { migration: action.migration, ...(action.status ? { status: action.status } : {}) });
        await tx.emit('deployment.migration', action.note, { ...refs, data: { state: action.migration.state, host: action.migration.host } });
      });
    case 'verify-rehearsal':
      return ctx.events.transaction((tx) => verifyRehearsal(ctx, tx, project, deployment, agents, action.agentId, now));
    case 'finish':
      return ctx.events.transaction(async (tx) => {
        if (action.cancelCommandId) await cancelInFlight(tx, action.cancelCommandId);
        await finish(tx, project, deployment, action, now);
      });
  }
}

/** What a status change reads as in the events: a rollback names its cause; a rehearsal says what it does. */
function statusMessage(deployment: Deployment, status: DeploymentStatus, cause: RollbackCause | undefined): string {
  if (deployment.kind === 'rehearsal') {
    const found = cause ? `: the previous release failed on ${cause.host} at ${cause.step}: ${cause.error}` : '';
    return { verifying: 'rehearsal: verifying the previous release', returning: `rehearsal: putting ${deployment.version} back${found}` }[status as string] ?? `rehearsal ${status}`;
  }
  if (cause) return `rollback begun: ${cause.host} failed at ${cause.step}: ${cause.error}`;
  return status === 'migrating' ? 'every host staged the release: migrating' : `deployment ${status}`;
}

async function finish(tx: Tx, project: Project, deployment: Deployment, action: Extract<DeploymentAction, { type: 'finish' }>, now: number): Promise<void> {
  const { status } = action;
  const error = action.error ?? null;
  if (action.knownGood) await tx.store.environments.setKnownGood(project.id, deployment.env, action.knownGood);
  if (action.quarantine) await tx.store.artifacts.quarantine(project.id, deployment.version, action.quarantine, now);
  if (action.rollbackSafety) await tx.store.artifacts.setRollbackSafety(project.id, deployment.version, { ...action.rollbackSafety, deploymentId: deployment.id, at: now });
  await tx.store.deployments.update(deployment.id, {
    status, finishedAt: now, error, ...(action.cause ? { cause: action.cause } : {}), ...(action.migration ? { migration: action.migration } : {}),
  });
  // What LB agents were asked and have not answered (a last read, a pre-flight) is sent no more:
  // a returning LB agent must not act for a deployment that ended.
  const results = await tx.store.commands.results((await tx.store.deployments.lbCommands(deployment.id)).map((row) => row.commandId));
  for (const [commandId, result] of results) {
    if (result === null) await tx.store.commands.complete(commandId, { ok: false, error: 'cancelled by the server: the deployment ended' }, now);
  }
  const verb = {
    succeeded: 'succeeded', rolled_back: 'rolled back: every host is back on its previous version', failed: `failed: ${error ?? ''}`,
    failed_migration: `stopped before any host changed: ${error ?? ''}`,
  }[status];
  const what = deployment.kind === 'rehearsal' ? 'rollback rehearsal' : 'deployment';
  await tx.emit(`deployment.${status}`, `${what} of ${project.name} ${deployment.version} to ${deployment.env} ${verb}`, {
    projectId: project.id, runId: deployment.runId, deploymentId: deployment.id,
  });
}
