// The reconcile loop (DESIGN §3): reads what is recorded, asks the pure planners what comes next,
// performs it, and records the result. Idempotent, so a restarted server simply carries on.
//
// A look at everything (jobs, every active deployment, runs) happens when something general woke
// the engine (a run was created, an agent connected) and every tickMs. An agent's answer to a
// deployment's command wakes only that deployment: with a thousand hosts at batch 1, that is two
// thousand looks at one deployment, each reading only what changed, not two thousand looks at all.
import { errorMessage } from '../../base/errors.ts';
import type { Deployment } from '../../core/model.ts';
import { isDeploymentEnded } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import { DeploymentHostsCache } from './deployment-hosts-cache.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import { reconcileDeployment } from './deployment-reconciler.ts';
import { reconcileJobs } from './job-reconciler.ts';
import { reconcileRun } from './run-reconciler.ts';
import { VersionConfigs } from './version-config.ts';
import { StaleAction, type EventLog, type Tx } from './event-log.ts';

export interface Engine {
  /**
   * Looks at the work again at once: only the deployment of `commandId` when it is the answer to one
   * of a deployment's commands, everything otherwise (a run was created, an agent connected, …).
   */
  wake(commandId?: string): void;
  /** Looks at everything; resolves when done. Looks never overlap. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

/** How many looks in a row may follow each other at once because the one before acted. */
const MAX_LOOKS_IN_A_ROW = 20;

export function createEngine(deps: Omit<EngineContext, 'hostsCache' | 'versionConfigs'>): Engine {
  /** The engine lease's generation at the start of the current look. */
  let seenGeneration: number | undefined;
  /** Whether the fence refused a transaction since the last run of looks: the next waits for the tick. */
  let refused = false;
  const ctx: EngineContext = {
    ...deps, hostsCache: new DeploymentHostsCache(), versionConfigs: new VersionConfigs(),
    // holdsLease() is this instance's own count, checked before each action; an instance that
    // stalls between that check and its commit (a pause, a slow database) may outlive its lease.
    events: deps.fence ? fenced(deps.events, deps.fence, () => (refused = true)) : deps.events,
    // What the reconcilers ask before each action: a lease lost and taken back since the look
    // began (between two of its actions, with the lease held at both) means another instance may
    // have acted meanwhile, and what the look read and planned on is stale.
    holdsLease: () => deps.holdsLease() && deps.leaseGeneration?.() === seenGeneration,
  };
  let running: Promise<void> | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  /** Whether the next look is at everything. */
  let everything = true;
  /** Deployments to look at next (an answer came, or the last look acted). */
  let woken = new Set<string>();
  /** Deployments behind a load balancer: they are looked at every lbPollMs (HAProxy's state wakes nobody). */
  let polling = new Set<string>();
  let lastFullLookAt = -Infinity;
  let lastPollAt = -Infinity;

  /**
   * Returns whether the jobs or the runs acted: what they did may let other work go further (a stage
   * ended, so a deployment starts), so everything is looked at again. A deployment that acted is
   * looked at again alone (woken): at batch 1 it acts at nearly every look, and looking at everything
   * each time would make every answer cost a look at all the work.
   */
  const lookAtEverything = async (agents: AgentsById): Promise<boolean> => {
    let acted = await guard('jobs', () => reconcileJobs(ctx, agents));
    const active = await ctx.store.deployments.listActive();
    ctx.hostsCache.keepOnly(new Set(active.map((d) => d.id)));
    polling = new Set();
    for (const deployment of active) {
      if (!ctx.holdsLease()) break;
      await lookAtDeployment(deployment, agents, true);
    }
    const stillActive = await ctx.store.deployments.listActive();
    for (const run of await ctx.store.runs.listActive()) {
      if (!ctx.holdsLease()) break;
      acted = (await guard(`run ${run.id}`, () => reconcileRun(ctx, run, stillActive, agents))) || acted;
    }
    return acted;
  };

  /** Looks at the woken deployments only; one that ended makes the next look one at everything (its run goes on). */
  const lookAtWoken = async (ids: Set<string>, agents: AgentsById): Promise<void> => {
    for (const id of ids) {
      if (!ctx.holdsLease()) break;
      const deployment = await guardValue(`deployment ${id}`, () => ctx.store.deployments.get(id));
      if (!deployment || isDeploymentEnded(deployment.status)) {
        ctx.hostsCache.forget(id);
        everything = true;
        continue;
      }
      await lookAtDeployment(deployment, agents, false);
    }
  };

  const lookAtDeployment = async (deployment: Deployment, agents: AgentsById, full: boolean): Promise<boolean> => {
    let polls = false;
    let queuedJob = false;
    const acted = await guard(`deployment ${deployment.id}`, async () => {
      const look = await reconcileDeployment(ctx, deployment, agents, full);
      polls = look.polls;
      queuedJob = look.queuedJob;
      return look.acted;
    });
    if (polls) polling.add(deployment.id);
    // Only a look at everything hands jobs out (a look at this deployment alone would leave its job to the tick).
    if (queuedJob) everything = true;
    // What it did may let it go further (a host was told to stage: it may be told more at once).
    if (acted) woken.add(deployment.id);
    return acted;
  };

  const guardValue = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (err) {
      ctx.log.error({ err: errorMessage(err), what }, 'engine step failed; retrying on the next tick');
      return undefined;
    }
  };
  const guard = async (what: string, work: () => Promise<boolean>): Promise<boolean> => (await guardValue(what, work)) ?? false;

  const look = async (): Promise<boolean> => {
    const generation = deps.leaseGeneration?.();
    if (!deps.holdsLease() || generation !== seenGeneration) {
      // Another instance runs the engine, or ran it since the last look (the lease was lost and
      // taken back in between): what this one knew may be stale (the next look is one at everything, from the store).
      ctx.hostsCache.clear();
      lastFullLookAt = -Infinity;
      woken = new Set();
      seenGeneration = generation;
      if (!deps.holdsLease()) return false;
    }
    const now = ctx.clock.now();
    if (now - lastFullLookAt >= ctx.limits.tickMs) everything = true;
    if (polling.size > 0 && now - lastPollAt >= ctx.limits.lbPollMs) {
      for (const id of polling) woken.add(id);
      lastPollAt = now;
    }
    const agents = await guardValue('agents', () => ctx.agents.current());
    if (!agents) return false;
    if (everything) {
      everything = false;
      woken = new Set();
      lastFullLookAt = now;
      const acted = await lookAtEverything(agents);
      if (acted) everything = true;
      return acted || woken.size > 0;
    }
    if (woken.size === 0) return false;
    const ids = woken;
    woken = new Set();
    await lookAtWoken(ids, agents);
    return true;
  };

  const tick = (): Promise<void> => {
    everything = true;
    return run();
  };

  const run = (): Promise<void> => {
    if (running) return running;
    running = (async () => {
      for (let looks = 0; looks < MAX_LOOKS_IN_A_ROW && !closed; looks++) {
        // A read that failed (the database away) is logged; the next tick looks again.
        const acted = await guard('look', look);
        if (refused || !deps.holdsLease() || (!acted && !everything && woken.size === 0)) break;
      }
      running = undefined;
      // The database says another instance may run the engine, while this one still counts the
      // lease its own: no looking again at once (each look would be refused) until the tick.
      if (refused) {
        refused = false;
        schedule(ctx.limits.tickMs);
        return;
      }
      // Woken while the last look ran: look again now, not at the next tick.
      if (!closed && deps.holdsLease() && (everything || woken.size > 0)) schedule(0);
    })();
    return running;
  };

  const schedule = (ms: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void run().then(() => {
        // Unless a look is already due at once (woken meanwhile), the next comes at the tick.
        if (!running && (!deps.holdsLease() || (!everything && woken.size === 0))) schedule(polling.size > 0 ? Math.min(ctx.limits.lbPollMs, ctx.limits.tickMs) : ctx.limits.tickMs);
      });
    }, ms);
  };
  schedule(0);

  return {
    wake(commandId) {
      const deploymentId = commandId === undefined ? undefined : ctx.hostsCache.answered(commandId);
      if (deploymentId) woken.add(deploymentId);
      else everything = true;
      if (!running) schedule(0);
    },
    tick,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** The engine's event log, whose every transaction first confirms the engine's lease (see EngineContext.fence). */
function fenced(events: EventLog, fence: (tx: Store) => Promise<boolean>, onRefused: () => void): EventLog {
  const wrapped = Object.create(events) as EventLog;
  wrapped.transaction = <T>(work: (tx: Tx) => Promise<T>): Promise<T> => events.transaction(async (tx) => {
    if (!(await fence(tx.store))) {
      onRefused();
      throw new StaleAction('this instance no longer holds the engine\'s lease in the database');
    }
    return work(tx);
  });
  return wrapped;
}
