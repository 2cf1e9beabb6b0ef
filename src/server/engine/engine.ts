// The reconcile loop (DESIGN §3): reads what is recorded, asks the pure planners what comes next,
// performs it, and records the result. Idempotent, so a restarted server simply carries on.
import { errorMessage } from '../../base/errors.ts';
import type { EngineContext } from './engine-context.ts';
import { reconcileDeployment } from './deployment-reconciler.ts';
import { reconcileJobs } from './job-reconciler.ts';
import { reconcileRun } from './run-reconciler.ts';

export interface Engine {
  /** Looks at the work again soon (after an agent answered, a run was created, …). */
  wake(): void;
  /** One full pass; resolves when it is done. Passes never overlap. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export function createEngine(ctx: EngineContext): Engine {
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  /** Whether the last pass saw a deployment that polls its load balancer: then the next look comes after lbPollMs, not tickMs. */
  let polling = false;

  /** One look at every job, deployment and run; returns whether anything was done. */
  const pass = async (): Promise<boolean> => {
    const agents = new Map((await ctx.store.agents.list()).map((a) => [a.id, a]));
    let acted = await guard('jobs', () => reconcileJobs(ctx, agents));
    polling = false;
    for (const deployment of await ctx.store.deployments.listActive()) {
      acted = (await guard(`deployment ${deployment.id}`, async () => {
        const look = await reconcileDeployment(ctx, deployment, agents);
        polling ||= look.polls;
        return look.acted;
      })) || acted;
    }
    const active = await ctx.store.deployments.listActive();
    for (const run of await ctx.store.runs.listActive()) {
      acted = (await guard(`run ${run.id}`, () => reconcileRun(ctx, run, active, agents))) || acted;
    }
    return acted;
  };

  const guard = async (what: string, work: () => Promise<boolean>): Promise<boolean> => {
    try {
      return await work();
    } catch (err) {
      ctx.log.error({ err: errorMessage(err), what }, 'engine step failed; retrying on the next tick');
      return false;
    }
  };

  const tick = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      // What one pass did may let the next go further (a stage ended, so a deployment starts):
      // look again at once, a bounded number of times.
      for (let passes = 0; passes < 20 && !closed; passes++) {
        again = false;
        const acted = await guard('tick', pass);
        if (!acted && !again) break;
      }
      running = undefined;
    })();
    return running;
  };

  const schedule = (ms: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void tick().then(() => schedule(polling ? Math.min(ctx.limits.lbPollMs, ctx.limits.tickMs) : ctx.limits.tickMs)), ms);
  };
  schedule(0);

  return {
    wake: () => schedule(20),
    tick,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
