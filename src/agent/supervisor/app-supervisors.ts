// The agent's running apps: one supervisor per app, and one operation at a time per app.
import type { AppSupervisor } from './app-supervisor.ts';

/**
 * Holds the supervisor of each app the agent runs and serializes the operations on one app
 * (activate, deactivate, resume), so a replayed command waits for the one in flight instead of
 * racing it. Operations on different apps run in parallel. `close()` stops every app.
 */
export class AppSupervisors {
  private readonly supervisors = new Map<string, AppSupervisor>();
  private readonly queues = new Map<string, Promise<unknown>>();

  get(app: string): AppSupervisor | undefined {
    return this.supervisors.get(app);
  }

  set(app: string, supervisor: AppSupervisor): void {
    this.supervisors.set(app, supervisor);
  }

  delete(app: string): void {
    this.supervisors.delete(app);
  }

  /** Runs `work` once every earlier operation on `app` has settled; resolves with its result. */
  exclusive<T>(app: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(app) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(app, settled);
    void settled.then(() => {
      if (this.queues.get(app) === settled) this.queues.delete(app);
    });
    return run;
  }

  /** Stops every supervised app and forgets them. */
  async close(): Promise<void> {
    const all = [...this.supervisors.values()];
    this.supervisors.clear();
    await Promise.all(all.map((s) => s.stop()));
  }
}
