// Performs what the deployment planner decides for one deployment, each action in one transaction
// with its event: commands written down for agents, host steps, and the deployment's end
// (known-good on success, quarantine on rollback).
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConflictError, SlipwayError, errorMessage } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import { appRunSpec, deploymentLimits } from '../../core/deploy/app-run-spec.ts';
import { failedBeforeSending, planDeployment, type DeploymentAction, type DeploymentView, type HostCommand, type HostView } from '../../core/deploy/deployment-planner.ts';
import type { LbView } from '../../core/deploy/lb-view.ts';
import type { Agent, Deployment, DeploymentStatus, HostStep, Project, RollbackCause } from '../../core/model.ts';
import type { Command } from '../../core/protocol/messages.ts';
import { cancelCommand } from './cancel-command.ts';
import { readLbView, writeLbRound } from './deployment-lb.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import { StaleAction, type Tx } from './event-log.ts';
import { HostWrites } from './deployment-hosts-cache.ts';
import { sendMigration } from './deployment-migration.ts';
import { verifyRehearsal } from './rehearsal-verify.ts';
import { artifactOfVersion } from './version-config.ts';

/** How long a look applies actions before it lets the server's other work run. */
const MAX_TURN_MS = 20;

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
    deployment, hosts, lb,
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
  for (const action of actions) {
    // Thousands of actions (a deployment's hosts told to stage) await only the store: between them,
    // agents' messages and requests are served too, or their heartbeats would wait for the whole look.
    if (performance.now() - turnStartedAt > MAX_TURN_MS) {
      await nextTurn();
      turnStartedAt = performance.now();
    }
    // Another instance may run the engine by now (this one's lease ran out during a long look).
    if (!ctx.holdsLease()) break;
    const writes = new HostWrites();
    const applied = await apply(ctx, project, deployment, hosts, hostName, agents, lb, action, writes).then(() => true, (err: unknown) => {
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

/**
 * The agent of a deployment's host, as the planner should see it: none (a lost host, sent nothing)
 * when it is no longer active, or when it enrolled after the deployment began. Its id may then be
 * a newcomer's that took a removed host's name: such a host is not the one the deployment touched,
 * and a restore's command (with the environment's secrets) must not reach it.
 */
function hostAgent(agent: Agent | undefined, deployment: Deployment): Agent | undefined {
  return agent && agent.status === 'active' && agent.enrolledAt <= deployment.createdAt ? agent : undefined;
}

async function apply(
  ctx: EngineContext, project: Project, deployment: Deployment, hosts: HostView[], hostName: (agentId: string) => string, agents: AgentsById, lb: LbView | null,
  action: DeploymentAction, writes: HostWrites,
): Promise<void> {
  const now = ctx.clock.now();
  // Every write of a host or a cancel goes through these two, so that the engine's copy follows.
  const updateHost = (tx: Tx, agentId: string, patch: Parameters<Tx['store']['deployments']['updateHost']>[2]) => {
    writes.patches.push([agentId, patch]);
    return tx.store.deployments.updateHost(deployment.id, agentId, patch);
  };
  const cancelInFlight = (tx: Tx, commandId: string) => {
    writes.settled.push(commandId);
    return cancelCommand(tx, commandId, now);
  };
  const refs = { projectId: project.id, runId: deployment.runId, deploymentId: deployment.id };
  const recordHostStep = (tx: Tx, agentId: string, step: HostStep, error?: string | null) =>
    tx.emit('deployment.host', `${hostName(agentId)} ${step}${error ? `: ${error}` : ''}`, { ...refs, data: { host: hostName(agentId), step } });
  // What the load balancer showed or did that is not a step of its own: a drain timeout, a state
  // set again after a HAProxy reload, a retry.
  const recordNote = async (tx: Tx, agentId: string | null, note: string | undefined, cancel: string[] = []) => {
    for (const id of cancel) await cancelInFlight(tx, id);
    if (note) await tx.emit('deployment.lb', agentId ? `${hostName(agentId)}: ${note}` : note, { ...refs, data: agentId ? { host: hostName(agentId) } : {} });
  };

  switch (action.type) {
    case 'update-host':
      return ctx.events.transaction(async (tx) => {
        if (action.cancelCommandId) await cancelInFlight(tx, action.cancelCommandId);
        await recordNote(tx, action.agentId, action.note, action.cancel);
        await updateHost(tx, action.agentId, { ...action.patch, updatedAt: now });
        if (action.patch.step) await recordHostStep(tx, action.agentId, action.patch.step, action.patch.error);
      });
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
    case 'send': {
      // The version to put there is gone (say, its run was removed), or the host is: the host fails at this step.
      const failHost = async (tx: Tx, err: SlipwayError) => {
        const patch = failedBeforeSending(action.step, errorMessage(err));
        await updateHost(tx, action.agentId, { ...patch, updatedAt: now });
        await recordHostStep(tx, action.agentId, patch.step!, patch.error);
      };
      // A restore is written down for a lost host too (it runs when the host comes back), but
      // never for a newcomer under a removed host's id: it would carry the environment's secrets.
      const notTheHost = () => new ConflictError('SLIPWAY_HOST_ENROLLED_ANEW', `agent ${hostName(action.agentId)} was removed, revoked or enrolled anew since this deployment began: it is not the host this deployment changed, and is sent nothing`);
      let command: Command;
      try {
        if (!hostAgent(agents.get(action.agentId), deployment)) throw notTheHost();
        command = await hostCommand(ctx, project, deployment, agents, action.agentId, action.command);
      } catch (err) {
        if (!(err instanceof SlipwayError)) throw err;
        return ctx.events.transaction((tx) => failHost(tx, err));
      }
      return ctx.events.transaction(async (tx) => {
        // Read again where it is written: the engine's copy of the agents may be a second old.
        if (!hostAgent(await tx.store.agents.get(action.agentId), deployment)) return failHost(tx, notTheHost());
        await recordNote(tx, action.agentId, action.note, action.cancel);
        const id = newId();
        await tx.store.commands.create({ id, agentId: action.agentId, command }, now);
        await updateHost(tx, action.agentId, { step: action.step, commandId: id, commandSentAt: now, error: null, failedStep: null, updatedAt: now });
        await recordHostStep(tx, action.agentId, action.step);
        tx.afterCommit(() => ctx.gateway.deliver(action.agentId));
      });
    }
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

async function hostCommand(ctx: EngineContext, project: Project, deployment: Deployment, agents: AgentsById, agentId: string, command: HostCommand): Promise<Command> {
  const version = command.kind === 'activate' ? command.version : deployment.version;
  // Read at every send: a version whose artifact is gone is not sent (the host fails before it).
  const artifact = await artifactOfVersion(ctx.store, project, version);
  const config = await ctx.versionConfigs.of(ctx.store, project, version);
  switch (command.kind) {
    // The run and deployment ids tag the agent's deploy lines and the app's output (its log files
    // declared in slipway.yml included) in the central log.
    case 'prepare':
      return {
        kind: 'prepare', app: config.app, version: artifact.version, artifactPath: `/api/v1/artifacts/${artifact.sha256}`, sha256: artifact.sha256, size: artifact.size,
        runId: deployment.runId, deploymentId: deployment.id,
      };
    case 'activate':
      return {
        kind: 'activate', app: config.app, version: command.version, env: deployment.env, deploymentId: deployment.id, runId: deployment.runId,
        run: appRunSpec(config, agents.get(agentId) ?? { port: null }), logs: config.logs,
      };
    case 'deactivate':
      return { kind: 'deactivate', app: config.app };
  }
}
