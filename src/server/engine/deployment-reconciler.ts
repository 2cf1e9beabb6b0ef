// Performs what the deployment planner decides for one deployment: sends commands to agents,
// records host steps, and ends the deployment (known-good on success, quarantine on rollback).
import { errorMessage } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import { planDeployment, type DeploymentAction, type HostCommand, type HostView } from '../../core/deploy/deployment-planner.ts';
import type { Deployment, Project } from '../../core/model.ts';
import type { Command } from '../../core/protocol/messages.ts';
import { deploymentLimits } from './engine-limits.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import { appRunSpec, configOfVersion } from './version-config.ts';

/** Returns whether it did anything (then the engine looks again at once). */
export async function reconcileDeployment(ctx: EngineContext, deployment: Deployment, agents: AgentsById): Promise<boolean> {
  const { store } = ctx;
  const project = await store.projects.get(deployment.projectId);
  if (!project) return false;
  const { config } = await configOfVersion(store, project, deployment.version);
  const hosts: HostView[] = [];
  for (const host of await store.deployments.hosts(deployment.id)) {
    const agent = agents.get(host.agentId) ?? { online: false, lastSeenAt: 0 };
    const result = host.commandId ? ((await store.commands.get(host.commandId))?.result ?? null) : null;
    hosts.push({ ...host, agent: { online: agent.online, lastSeenAt: agent.lastSeenAt }, result });
  }
  const limits = deploymentLimits(ctx.limits, appRunSpec(config, { port: null }));
  const actions = planDeployment({ deployment, hosts }, ctx.clock.now(), limits);
  for (const action of actions) await apply(ctx, project, deployment, hosts, agents, action);
  return actions.length > 0;
}

async function apply(ctx: EngineContext, project: Project, deployment: Deployment, hosts: HostView[], agents: AgentsById, action: DeploymentAction): Promise<void> {
  const { store, events } = ctx;
  const now = ctx.clock.now();
  const refs = { projectId: project.id, runId: deployment.runId, deploymentId: deployment.id };
  const hostName = (agentId: string) => hosts.find((h) => h.agentId === agentId)?.hostName ?? agentId;
  switch (action.type) {
    case 'update-host': {
      await store.deployments.updateHost(deployment.id, action.agentId, { ...action.patch, updatedAt: now });
      if (action.patch.step) {
        const why = action.patch.error ? `: ${action.patch.error}` : '';
        await events.emit('deployment.host', `${hostName(action.agentId)} ${action.patch.step}${why}`, { ...refs, data: { host: hostName(action.agentId), step: action.patch.step } });
      }
      return;
    }
    case 'cancel-command':
      await store.commands.complete(action.commandId, { ok: false, error: 'cancelled by the server' }, now);
      return;
    case 'send': {
      let command: Command;
      try {
        command = await hostCommand(ctx, project, deployment, agents, action.agentId, action.command);
      } catch (err) {
        const step = action.step === 'restoring' ? 'restore_failed' : action.step === 'staging' ? 'stage_failed' : 'failed';
        await store.deployments.updateHost(deployment.id, action.agentId, { step, error: errorMessage(err), updatedAt: now });
        return;
      }
      const id = newId();
      await store.commands.create({ id, agentId: action.agentId, command }, now);
      await store.deployments.updateHost(deployment.id, action.agentId, { step: action.step, commandId: id, commandSentAt: now, error: null, updatedAt: now });
      await events.emit('deployment.host', `${hostName(action.agentId)} ${action.step}`, { ...refs, data: { host: hostName(action.agentId), step: action.step } });
      await ctx.gateway.deliver(action.agentId);
      return;
    }
    case 'set-status': {
      await store.deployments.update(deployment.id, { status: action.status, ...(action.cause ? { cause: action.cause } : {}) });
      const message = action.cause
        ? `rollback begun: ${action.cause.host} failed at ${action.cause.step}: ${action.cause.error}`
        : `deployment ${action.status}`;
      await events.emit(`deployment.${action.status}`, message, refs);
      return;
    }
    case 'finish':
      await finish(ctx, project, deployment, action.status, action.error ?? null);
  }
}

async function finish(ctx: EngineContext, project: Project, deployment: Deployment, status: 'succeeded' | 'rolled_back' | 'failed', error: string | null): Promise<void> {
  const { store } = ctx;
  const now = ctx.clock.now();
  if (status === 'succeeded') {
    await store.environments.setKnownGood(project.id, deployment.env, deployment.version);
  } else if (deployment.kind === 'deploy') {
    const cause = (await store.deployments.get(deployment.id))?.cause;
    const reason = cause ? `${deployment.env}: ${cause.host} failed at ${cause.step}: ${cause.error}` : `${deployment.env}: deployment ${status}`;
    await store.artifacts.quarantine(project.id, deployment.version, reason, now);
  }
  await store.deployments.update(deployment.id, { status, finishedAt: now, error });
  const verb = { succeeded: 'succeeded', rolled_back: 'rolled back: every host is back on its previous version', failed: `failed: ${error ?? ''}` }[status];
  await ctx.events.emit(`deployment.${status}`, `deployment of ${project.name} ${deployment.version} to ${deployment.env} ${verb}`, {
    projectId: project.id, runId: deployment.runId, deploymentId: deployment.id,
  });
}

async function hostCommand(ctx: EngineContext, project: Project, deployment: Deployment, agents: AgentsById, agentId: string, command: HostCommand): Promise<Command> {
  const { config, artifact } = await configOfVersion(ctx.store, project, command.kind === 'activate' ? command.version : deployment.version);
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
