// Polls every project's repository at its own interval (DESIGN §2: the poll trigger).
import type { Clock } from '../../base/clock.ts';
import type { Store } from '../../storage/store.ts';
import type { CommitTrigger } from './commit-trigger.ts';

export interface Poller {
  close(): Promise<void>;
}

export function startPoller(deps: { store: Store; trigger: CommitTrigger; clock: Clock; checkEveryMs?: number }): Poller {
  const lastPolled = new Map<string, number>();
  let closed = false;
  let current: Promise<unknown> | undefined;

  const round = async () => {
    const now = deps.clock.now();
    const due = (await deps.store.projects.list()).filter((p) => now - (lastPolled.get(p.id) ?? 0) >= p.pollIntervalMs);
    await Promise.all(due.map((project) => {
      lastPolled.set(project.id, now);
      return deps.trigger.check(project, 'poll');
    }));
  };
  const timer = setInterval(() => {
    if (closed || current) return; // a slow round is not stacked up behind
    current = round().catch(() => undefined).finally(() => (current = undefined));
  }, deps.checkEveryMs ?? 1000);

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await current;
    },
  };
}
