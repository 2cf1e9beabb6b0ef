// A deployment played out on plain data for the planner's tests: its actions applied the way the
// engine applies them, its commands answered the way agents answer them.
import { expect } from 'vitest';
import type { Deployment, DeploymentHost, RollbackSafety } from '../model.ts';
import type { CommandResult } from '../protocol/messages.ts';
import { planDeployment, type DeploymentAction, type DeploymentLimits, type DeploymentView, type HostCommand } from './deployment-planner.ts';
import { assignBatches } from './batches.ts';
import { hostIndexOf } from './host-index.ts';

export const limits: DeploymentLimits = {
  agentGraceMs: 30_000,
  heartbeatTimeoutMs: 20_000,
  prepareTimeoutMs: 300_000,
  activateTimeoutMs: 120_000,
  migrateTimeoutMs: 60_000, restoreTimeoutMs: 180_000,
  lbCommandTimeoutMs: 10_000,
  lbPollMs: 200,
  lbRetries: 2,
  lbRetryDelayMs: 500,
  lbReadyTimeoutMs: 30_000,
};
export const target = '7-abcdef0';

export interface Agent { online: boolean; lastSeenAt: number }

/** What the engine keeps about a deployment, plus what agents did: the planner's whole world. */
export interface World {
  now: number;
  deployment: Deployment;
  hosts: DeploymentHost[];
  agents: Record<string, Agent>;
  /** Results the agents sent, by command id. */
  results: Record<string, CommandResult>;
  sent: { host: string; command: HostCommand | { kind: 'migrate' }; commandId: string }[];
  cancelled: string[];
  /** What a rehearsal found about the version. */
  rollbackSafety?: RollbackSafety | null;
}

export function deployment(patch: Partial<Deployment> = {}): Deployment {
  return {
    id: 'dep-1', projectId: 'proj-1', env: 'production', version: target, runId: 'run-1', kind: 'deploy',
    status: 'staging', batch: 1, forced: false, requestedBy: 'engine', cause: null, error: null, migration: null,
    createdAt: 0, finishedAt: null, ...patch,
  };
}

export function host(hostName: string, batch: number, patch: Partial<DeploymentHost> = {}): DeploymentHost {
  return {
    deploymentId: 'dep-1', agentId: `agent-${hostName}`, hostName, batch, previousVersion: null, step: 'pending',
    error: null, failedStep: null, logTail: [], commandId: null, commandSentAt: null, updatedAt: 0, ...patch,
  };
}

/** A deployment of `names` at `batch` (e.g. "50%"), every agent connected. */
export function world(names: string[], batch: Deployment['batch']): World {
  const batches = assignBatches(names.length, batch);
  const hosts = names.map((name, i) => host(name, batches[i]!));
  const agents = Object.fromEntries(hosts.map((h) => [h.agentId, { online: true, lastSeenAt: 1_000 }]));
  return { now: 1_000, deployment: deployment({ batch }), hosts, agents, results: {}, sent: [], cancelled: [] };
}

/** The view the engine builds from the store: each host with its agent and its command's result. */
export function viewOf(w: World): DeploymentView {
  return {
    deployment: structuredClone(w.deployment),
    hosts: w.hosts.map((h) => ({
      ...structuredClone(h),
      agent: { ...w.agents[h.agentId]! },
      result: h.commandId ? (w.results[h.commandId] ?? null) : null,
    })),
    migrationResult: w.deployment.migration?.commandId ? (w.results[w.deployment.migration.commandId] ?? null) : null,
    rollbackSafety: w.rollbackSafety ?? null,
  };
}

export function hostNamed(w: World, name: string): DeploymentHost {
  const found = w.hosts.find((h) => h.hostName === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
}

/** Plans once (checking that planning again on the same data says the same), then applies the actions. */
export function step(w: World): DeploymentAction[] {
  const view = viewOf(w);
  const actions = planDeployment(view, w.now, limits);
  expect(planDeployment(viewOf(w), w.now, limits)).toEqual(actions);
  // The engine's look with its host index plans the same.
  const indexed = viewOf(w);
  expect(planDeployment({ ...indexed, hostIndex: hostIndexOf(indexed.hosts) }, w.now, limits)).toEqual(actions);
  for (const action of actions) apply(w, action);
  return actions;
}

export function apply(w: World, action: DeploymentAction): void {
  switch (action.type) {
    case 'update-host':
      if (action.cancelCommandId) w.cancelled.push(action.cancelCommandId);
      Object.assign(w.hosts.find((h) => h.agentId === action.agentId)!, action.patch, { updatedAt: w.now });
      break;
    case 'send': {
      const h = w.hosts.find((x) => x.agentId === action.agentId)!;
      const commandId = `cmd-${w.sent.length + 1}`;
      Object.assign(h, { step: action.step, commandId, commandSentAt: w.now, updatedAt: w.now });
      w.sent.push({ host: h.hostName, command: action.command, commandId });
      break;
    }
    case 'set-status':
      w.deployment.status = action.status;
      if (action.cause) w.deployment.cause = action.cause;
      break;
    case 'migrate': {
      const commandId = `cmd-${w.sent.length + 1}`;
      w.sent.push({ host: action.host, command: { kind: 'migrate' }, commandId });
      w.deployment.migration = { ...w.deployment.migration!, state: 'running', agentId: action.agentId, host: action.host, commandId, sentAt: w.now };
      break;
    }
    case 'migration':
      w.deployment.migration = action.migration;
      if (action.status) w.deployment.status = action.status;
      break;
    case 'verify-rehearsal':
      w.deployment.status = 'verifying';
      break;
    case 'finish':
      if (action.cancelCommandId) w.cancelled.push(action.cancelCommandId);
      Object.assign(w.deployment, { status: action.status, error: action.error ?? null, finishedAt: w.now });
      if (action.cause) w.deployment.cause = action.cause;
      if (action.migration) w.deployment.migration = action.migration;
      break;
  }
}

/** The agent of `name` answers the command it holds. */
export function answer(w: World, name: string, result: CommandResult): void {
  const h = hostNamed(w, name);
  if (!h.commandId) throw new Error(`${name} holds no command`);
  w.results[h.commandId] = result;
}

/** Time passes; connected agents keep sending heartbeats. */
export function advance(w: World, ms: number): void {
  w.now += ms;
  for (const agent of Object.values(w.agents)) if (agent.online) agent.lastSeenAt = w.now;
}

/** The agent of `name` disconnects now and does not come back. */
export function disconnect(w: World, name: string): void {
  w.agents[hostNamed(w, name).agentId]!.online = false;
}

/** Stages every host, each reporting the version it ran before, and moves on to activating. */
export function stageAll(w: World, previous: Record<string, string | null>): void {
  step(w);
  for (const h of w.hosts) answer(w, h.hostName, { ok: true, previous: previous[h.hostName] ?? null });
  step(w);
  expect(w.deployment.status).toBe('activating');
}

export const sentTo = (w: World, from = 0) => w.sent.slice(from).map((s) => [s.host, s.command]);
export const steps = (w: World) => Object.fromEntries(w.hosts.map((h) => [h.hostName, h.step]));

