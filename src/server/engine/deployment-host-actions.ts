// The actions of a deployment that touch its hosts one by one: the commands sent to them and the
// steps they are at. Consecutive ones are applied together, in one transaction with a few
// statements for the lot: a restore sends every host of the environment its previous version at
// once, and each host in a transaction of its own (its agent read, its command written, then read
// again with the agent's row to deliver it) made the restore of 5,000 hosts last many seconds.
import { ConflictError, SlipwayError, errorMessage } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import { appRunSpec } from '../../core/deploy/app-run-spec.ts';
import { failedBeforeSending, type DeploymentAction, type HostCommand } from '../../core/deploy/deployment-planner.ts';
import type { Agent, Artifact, Deployment, HostStep, Project } from '../../core/model.ts';
import type { Command } from '../../core/protocol/messages.ts';
import { cancelCommand } from './cancel-command.ts';
import type { HostWrites } from './deployment-hosts-cache.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import type { Tx } from './event-log.ts';
import { artifactOfVersion } from './version-config.ts';

/** A send or a host's new step: what `applyHostActions` applies together. */
export type HostAction = Extract<DeploymentAction, { type: 'send' } | { type: 'update-host' }>;
type SendAction = Extract<DeploymentAction, { type: 'send' }>;
type HostPatch = Parameters<Tx['store']['deployments']['updateHost']>[2];

export function isHostAction(action: DeploymentAction): action is HostAction {
  return action.type === 'send' || action.type === 'update-host';
}

/** The actions from `start` on to apply in one transaction: the host actions that follow each other (at most `max`), or the one other action. */
export function hostGroup(actions: readonly DeploymentAction[], start: number, max: number): DeploymentAction[] {
  if (!isHostAction(actions[start]!)) return [actions[start]!];
  let end = start + 1;
  while (end < actions.length && end - start < max && isHostAction(actions[end]!)) end++;
  return actions.slice(start, end);
}

/** The writes of a deployment's hosts inside an action's transaction, each also noted in `writes` for the engine's copy. */
export interface HostWriters {
  updateHost: (tx: Tx, agentId: string, patch: HostPatch) => Promise<void>;
  cancelInFlight: (tx: Tx, commandId: string) => Promise<void>;
  recordHostStep: (tx: Tx, agentId: string, step: HostStep, error?: string | null) => Promise<unknown>;
  /** What the load balancer showed or did that is not a step of its own (a drain timeout, a retry), after cancelling `cancel`. */
  recordNote: (tx: Tx, agentId: string | null, note: string | undefined, cancel?: string[]) => Promise<void>;
}

export function hostWriters(project: Project, deployment: Deployment, hostName: (agentId: string) => string, writes: HostWrites, now: number): HostWriters {
  const refs = { projectId: project.id, runId: deployment.runId, deploymentId: deployment.id };
  const writers: HostWriters = {
    updateHost: (tx, agentId, patch) => {
      writes.patches.push([agentId, patch]);
      return tx.store.deployments.updateHost(deployment.id, agentId, patch);
    },
    cancelInFlight: (tx, commandId) => {
      writes.settled.push(commandId);
      return cancelCommand(tx, commandId, now);
    },
    recordHostStep: (tx, agentId, step, error) =>
      tx.emit('deployment.host', `${hostName(agentId)} ${step}${error ? `: ${error}` : ''}`, { ...refs, data: { host: hostName(agentId), step } }),
    recordNote: async (tx, agentId, note, cancel = []) => {
      for (const id of cancel) await writers.cancelInFlight(tx, id);
      if (note) await tx.emit('deployment.lb', agentId ? `${hostName(agentId)}: ${note}` : note, { ...refs, data: agentId ? { host: hostName(agentId) } : {} });
    },
  };
  return writers;
}

/**
 * Applies `group` (consecutive host actions of one look) in one transaction, in order: each host's
 * new step with its event, and each send's command written down, then delivered once committed.
 * A send whose version is gone, or whose agent is no longer the host, fails that host at its step.
 */
export async function applyHostActions(
  ctx: EngineContext, project: Project, deployment: Deployment, hostName: (agentId: string) => string, agents: AgentsById,
  group: readonly HostAction[], writes: HostWrites,
): Promise<void> {
  const now = ctx.clock.now();
  const write = hostWriters(project, deployment, hostName, writes, now);
  const sends = group.filter((action): action is SendAction => action.type === 'send');
  // What each send carries, read before the transaction (the version's artifact once for all).
  const artifacts = new Map<string, Promise<Artifact>>();
  const artifactOf = (version: string) => {
    let artifact = artifacts.get(version);
    if (!artifact) artifacts.set(version, artifact = artifactOfVersion(ctx.store, project, version));
    return artifact;
  };
  const prepared = new Map<SendAction, Command | SlipwayError>();
  for (const action of sends) {
    try {
      if (!hostAgent(agents.get(action.agentId), deployment)) throw notTheHost(hostName(action.agentId));
      prepared.set(action, await hostCommand(ctx, project, deployment, agents, action.agentId, action.command, artifactOf));
    } catch (err) {
      if (!(err instanceof SlipwayError)) throw err;
      prepared.set(action, err);
    }
  }
  await ctx.events.transaction(async (tx) => {
    // Read again where it is written: the engine's copy of the agents may be a second old.
    const rows = sends.some((action) => !(prepared.get(action) instanceof SlipwayError)) ? await tx.store.agents.getMany(sends.map((action) => action.agentId)) : new Map<string, Agent>();
    const outcome = new Map<SendAction, { id: string; command: Command } | SlipwayError>();
    for (const action of sends) {
      const command = prepared.get(action)!;
      outcome.set(action, command instanceof SlipwayError ? command
        : hostAgent(rows.get(action.agentId), deployment) ? { id: newId(), command } : notTheHost(hostName(action.agentId)));
    }
    const created = sends.flatMap((action) => {
      const sent = outcome.get(action)!;
      return sent instanceof SlipwayError ? [] : [{ id: sent.id, agentId: action.agentId, command: sent.command }];
    });
    await tx.store.commands.createMany(created, now);
    for (const action of group) {
      if (action.type === 'update-host') {
        if (action.cancelCommandId) await write.cancelInFlight(tx, action.cancelCommandId);
        await write.recordNote(tx, action.agentId, action.note, action.cancel);
        await write.updateHost(tx, action.agentId, { ...action.patch, updatedAt: now });
        if (action.patch.step) await write.recordHostStep(tx, action.agentId, action.patch.step, action.patch.error);
        continue;
      }
      const sent = outcome.get(action)!;
      if (sent instanceof SlipwayError) {
        // The version to put there is gone (say, its run was removed), or the host is: the host fails at this step.
        const patch = failedBeforeSending(action.step, errorMessage(sent));
        await write.updateHost(tx, action.agentId, { ...patch, updatedAt: now });
        await write.recordHostStep(tx, action.agentId, patch.step!, patch.error);
        continue;
      }
      await write.recordNote(tx, action.agentId, action.note, action.cancel);
      await write.updateHost(tx, action.agentId, { step: action.step, commandId: sent.id, commandSentAt: now, error: null, failedStep: null, updatedAt: now });
      await write.recordHostStep(tx, action.agentId, action.step);
    }
    if (created.length > 0) tx.afterCommit(() => ctx.gateway.deliverMany(created.map((c) => c.agentId)));
  });
}

/**
 * The agent of a deployment's host, as the planner should see it: none (a lost host, sent nothing)
 * when it is no longer active, or when it enrolled after the deployment began. Its id may then be
 * a newcomer's that took a removed host's name: such a host is not the one the deployment touched,
 * and a restore's command (with the environment's secrets) must not reach it.
 */
export function hostAgent(agent: Agent | undefined, deployment: Deployment): Agent | undefined {
  return agent && agent.status === 'active' && agent.enrolledAt <= deployment.createdAt ? agent : undefined;
}

// A restore is written down for a lost host too (it runs when the host comes back), but never for a
// newcomer under a removed host's id: it would carry the environment's secrets.
function notTheHost(name: string): ConflictError {
  return new ConflictError('SLIPWAY_HOST_ENROLLED_ANEW', `agent ${name} was removed, revoked or enrolled anew since this deployment began: it is not the host this deployment changed, and is sent nothing`);
}

async function hostCommand(
  ctx: EngineContext, project: Project, deployment: Deployment, agents: AgentsById, agentId: string, command: HostCommand, artifactOf: (version: string) => Promise<Artifact>,
): Promise<Command> {
  const version = command.kind === 'activate' ? command.version : deployment.version;
  // Read at every look that sends: a version whose artifact is gone is not sent (the host fails before it).
  const artifact = await artifactOf(version);
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
