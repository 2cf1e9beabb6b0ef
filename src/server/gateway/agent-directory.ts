// What the server knows of its agents right now, in memory: the engine reads it on every pass
// instead of decoding every agent row from the store (for a fleet of thousands, with a pass per
// agent answer, that was most of the server's work). The gateway feeds it as agents connect, beat
// and leave; the whole table is read again at most every `reloadMs`, which also brings in what other
// server instances and the admin API changed.
import type { Clock } from '../../base/clock.ts';
import type { Agent } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export class AgentDirectory {
  private agents = new Map<string, Agent>();
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;
  /** What was patched while a reload was reading: applied again on top of what it read. */
  private patchedDuringLoad: [string, Partial<Agent>][] = [];

  constructor(private readonly deps: { store: Pick<Store, 'agents'>; clock: Clock; reloadMs: number }) {}

  /** Every agent, as a map by id; reads the store first when the copy is older than `reloadMs` (or `fresh`). */
  async current(options: { fresh?: boolean } = {}): Promise<ReadonlyMap<string, Agent>> {
    if (options.fresh || this.deps.clock.now() - this.loadedAt >= this.deps.reloadMs) await this.reload();
    return this.agents;
  }

  /** What the gateway has just stored of an agent (a hello, a status, a disconnect): the copy follows at once. */
  patch(id: string, fields: Partial<Agent>): void {
    const agent = this.agents.get(id);
    if (agent) this.agents.set(id, { ...agent, ...fields });
    if (this.loading) this.patchedDuringLoad.push([id, fields]);
  }

  /** An agent as just stored (it connected): known from now on, whether or not the copy had it. */
  put(agent: Agent): void {
    this.agents.set(agent.id, agent);
    if (this.loading) this.patchedDuringLoad.push([agent.id, agent]);
  }

  private reload(): Promise<void> {
    // One read however many ask at once.
    this.loading ??= (async () => {
      const startedAt = this.deps.clock.now();
      try {
        const agents = await this.deps.store.agents.list();
        this.agents = new Map(agents.map((a) => [a.id, a]));
        for (const [id, fields] of this.patchedDuringLoad) {
          const agent = this.agents.get(id);
          if (agent) this.agents.set(id, { ...agent, ...fields });
        }
        this.loadedAt = startedAt;
      } finally {
        this.loading = undefined;
        this.patchedDuringLoad = [];
      }
    })();
    return this.loading;
  }
}
