// Polls every project's repository at its own interval (DESIGN §2: the poll trigger). No error of
// a round is dropped: CommitTrigger keeps each project's on the project, and this logs them.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import type { Store } from '../../storage/store.ts';
import type { CommitTrigger } from './commit-trigger.ts';

export interface Poller {
  close(): Promise<void>;
}

export interface PollerDeps {
  store: Store;
  trigger: CommitTrigger;
  clock: Clock;
  log: Logger;
  checkEveryMs?: number;
  /** Whether this instance polls now (several instances on one database: the one holding the lease). */
  holdsLease?: () => boolean;
}

export function startPoller(deps: PollerDeps): Poller {
  const lastPolled = new Map<string, number>();
  let closed = false;
  let current: Promise<unknown> | undefined;

  const round = async () => {
    if (deps.holdsLease && !deps.holdsLease()) return;
    const now = deps.clock.now();
    const due = (await deps.store.projects.list()).filter((p) => now - (lastPolled.get(p.id) ?? 0) >= p.pollIntervalMs);
    await Promise.all(due.map(async (project) => {
      lastPolled.set(project.id, now);
      try {
        await deps.trigger.check(project, 'poll');
      } catch (err) {
        // Already on the project (pollError) by CommitTrigger; the log has the detail.
        deps.log.error({ project: project.name, err }, 'polling the repository failed');
      }
    }));
  };
  const timer = setInterval(() => {
    if (closed || current) return; // a slow round is not stacked up behind
    current = round()
      .catch((err: unknown) => deps.log.error({ err }, 'a poll round failed before checking any project'))
      .finally(() => (current = undefined));
  }, deps.checkEveryMs ?? 1000);

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await current;
    },
  };
}
