// The hosts of the active deployments and the answers to their commands, kept in memory between
// the engine's looks: a look reads from the store only the answers that came since the last one,
// not every host and every command again (with a look per answer, that made a deployment's cost
// grow with the square of its hosts). The engine is the only writer of a deployment's hosts
// (DESIGN §3), so what it writes is applied here once committed; anything unexpected (an action
// planned on data that changed, an error) drops the copy, and the next look reads it whole again.
// Nor does a look touch every host: an answer is put on its host when it is read, and a host's
// agent is looked up when the planner reads it (most hosts wait for their batch, and are not asked).
import type { AgentPresence } from '../../core/agents/agent-liveness.ts';
import type { HostView } from '../../core/deploy/deployment-planner.ts';
import { isFailedStep, isSettledHealthy, type HostIndex } from '../../core/deploy/host-index.ts';
import type { DeploymentHost } from '../../core/model.ts';
import type { CommandResult } from '../../core/protocol/messages.ts';
import type { Store } from '../../storage/store.ts';

type HostPatch = Partial<Omit<DeploymentHost, 'deploymentId' | 'agentId' | 'hostName' | 'batch'>>;

interface TrackedDeployment {
  /** The hosts as the planner sees them, updated in place (a look does not copy a thousand hosts). */
  views: HostView[];
  byAgent: Map<string, HostView>;
  /** The host each command in flight was sent to. */
  byCommand: Map<string, HostView>;
  /** The answer to each command the hosts were sent (null while in flight). */
  results: Map<string, CommandResult | null>;
  /** Commands in flight whose answer came (or may have come) since the last look. */
  answered: Set<string>;
  /** The hosts' agents as of the current look (each view's `agent` reads it). */
  agentOf: (agentId: string) => AgentPresence | undefined;
  /** The host index's parts (host-index.ts), kept as the hosts change: each view's place in `views`, */
  position: Map<HostView, number>;
  /** the hosts with a command, */
  withCommand: Set<HostView>;
  /** the failed ones, */
  failed: Set<HostView>;
  /** and how many views at the start are healthy with no command (at least: index() counts on from there). */
  healthyPrefix: number;
}

/** What one action wrote of a deployment's hosts and commands, applied to the copy once it is committed. */
export class HostWrites {
  readonly patches: [agentId: string, patch: HostPatch][] = [];
  /** Commands that got a result in the action (cancelled): read again. */
  readonly settled: string[] = [];
}

export class DeploymentHostsCache {
  private readonly tracked = new Map<string, TrackedDeployment>();
  /** The deployment of each command in flight. */
  private readonly owners = new Map<string, string>();

  /**
   * Notes that the agent answered `commandId`; returns the deployment it belongs to (whose next look
   * reads the answer), or undefined when it is none of the tracked deployments' (a job, say).
   */
  answered(commandId: string): string | undefined {
    const deploymentId = this.owners.get(commandId);
    if (deploymentId) this.tracked.get(deploymentId)?.answered.add(commandId);
    return deploymentId;
  }

  /**
   * The deployment's hosts with their commands' answers and their agents (`agentOf`). The first
   * look reads them all; later ones read only the answers noted since (`everything`: every command
   * still in flight, for answers written where no note could come from, such as a removed agent's
   * commands failed by the API). The views belong to the copy: the caller reads them, never keeps them.
   */
  async hosts(store: Store, deploymentId: string, everything: boolean, agentOf: (agentId: string) => AgentPresence | undefined): Promise<HostView[]> {
    let tracked = this.tracked.get(deploymentId);
    if (!tracked) {
      const hosts = await store.deployments.hosts(deploymentId);
      const created: TrackedDeployment = {
        views: [], byAgent: new Map(), byCommand: new Map(), results: new Map(), answered: new Set(), agentOf,
        position: new Map(), withCommand: new Set(), failed: new Set(), healthyPrefix: 0,
      };
      created.views = hosts.map((host) => hostView(host, created));
      created.views.forEach((view, i) => {
        created.byAgent.set(view.agentId, view);
        if (view.commandId) created.byCommand.set(view.commandId, view);
        created.position.set(view, i);
        indexHost(created, view);
      });
      tracked = created;
      this.tracked.set(deploymentId, tracked);
      await this.read(store, deploymentId, tracked, tracked.views.flatMap((v) => (v.commandId ? [v.commandId] : [])));
    } else {
      tracked.agentOf = agentOf;
      const ids = everything ? [...tracked.results].flatMap(([id, result]) => (result === null ? [id] : [])) : [...tracked.answered];
      tracked.answered.clear();
      await this.read(store, deploymentId, tracked, ids);
    }
    return tracked.views;
  }

  /**
   * The host index (host-index.ts) of the hosts hosts() last gave for the deployment, or undefined
   * when it has no copy. The hosts are in batch order: the store reads them so.
   */
  index(deploymentId: string): HostIndex | undefined {
    const tracked = this.tracked.get(deploymentId);
    if (!tracked) return undefined;
    const { views } = tracked;
    while (tracked.healthyPrefix < views.length && isSettledHealthy(views[tracked.healthyPrefix]!)) tracked.healthyPrefix++;
    const withCommand = [...tracked.withCommand].sort((a, b) => tracked.position.get(a)! - tracked.position.get(b)!);
    return { withCommand, anyFailed: tracked.failed.size > 0, healthyPrefix: tracked.healthyPrefix };
  }

  /** The name of the deployment's host on agent `agentId` (from its copy: no search of every host), or undefined. */
  hostName(deploymentId: string, agentId: string): string | undefined {
    return this.tracked.get(deploymentId)?.byAgent.get(agentId)?.hostName;
  }

  /** What an action wrote, now committed. Writes for a deployment not tracked are read at its first look. */
  applied(deploymentId: string, writes: HostWrites): void {
    const tracked = this.tracked.get(deploymentId);
    if (!tracked) return;
    for (const [agentId, patch] of writes.patches) {
      const view = tracked.byAgent.get(agentId);
      if (!view) {
        this.forget(deploymentId);
        return;
      }
      Object.assign(view, patch);
      indexHost(tracked, view);
      if (!patch.commandId) {
        if (patch.commandId === null) view.result = null;
        continue;
      }
      tracked.byCommand.set(patch.commandId, view);
      if (!tracked.results.has(patch.commandId)) this.settle(deploymentId, tracked, patch.commandId, null);
      view.result = tracked.results.get(patch.commandId) ?? null;
    }
    for (const id of writes.settled) tracked.answered.add(id);
  }

  /** Drops the copy: the deployment ended, or what it holds may be wrong. */
  forget(deploymentId: string): void {
    const tracked = this.tracked.get(deploymentId);
    if (!tracked) return;
    for (const id of tracked.results.keys()) this.owners.delete(id);
    this.tracked.delete(deploymentId);
  }

  /** Drops every copy (another instance ran the engine meanwhile). */
  clear(): void {
    this.tracked.clear();
    this.owners.clear();
  }

  /** Drops every copy whose deployment is not among `active` (it ended while another look was not watching). */
  keepOnly(active: ReadonlySet<string>): void {
    for (const id of [...this.tracked.keys()]) if (!active.has(id)) this.forget(id);
  }

  private async read(store: Store, deploymentId: string, tracked: TrackedDeployment, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const [id, result] of await store.commands.results(ids)) this.settle(deploymentId, tracked, id, result);
  }

  private settle(deploymentId: string, tracked: TrackedDeployment, commandId: string, result: CommandResult | null): void {
    tracked.results.set(commandId, result);
    if (result === null) {
      this.owners.set(commandId, deploymentId);
      return;
    }
    this.owners.delete(commandId);
    const view = tracked.byCommand.get(commandId);
    tracked.byCommand.delete(commandId);
    if (view?.commandId === commandId) view.result = result;
  }
}

/** Puts the host where the host index has it now. */
function indexHost(tracked: TrackedDeployment, view: HostView): void {
  if (view.commandId === null) tracked.withCommand.delete(view);
  else tracked.withCommand.add(view);
  if (isFailedStep(view)) tracked.failed.add(view);
  else tracked.failed.delete(view);
  const position = tracked.position.get(view)!;
  if (position < tracked.healthyPrefix && !isSettledHealthy(view)) tracked.healthyPrefix = position;
}

/**
 * A host as the planner sees it, every field in one order (one shape for all, which V8 reads fast).
 * Its `agent` is read from the look's agents when the planner asks, not written on every host at
 * every look.
 */
function hostView(host: DeploymentHost, tracked: TrackedDeployment): HostView {
  const view: Omit<HostView, 'agent'> = {
    deploymentId: host.deploymentId, agentId: host.agentId, hostName: host.hostName, batch: host.batch, previousVersion: host.previousVersion,
    step: host.step, error: host.error, failedStep: host.failedStep, logTail: host.logTail, commandId: host.commandId,
    commandSentAt: host.commandSentAt, updatedAt: host.updatedAt, result: null,
  };
  const { agentId } = host;
  return Object.defineProperty(view, 'agent', { get: () => tracked.agentOf(agentId), enumerable: true }) as HostView;
}
