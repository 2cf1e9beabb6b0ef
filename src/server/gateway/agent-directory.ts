// What the server knows of its agents right now, in memory: the engine reads it on every pass
// instead of decoding every agent row from the store (for a fleet of thousands, with a pass per
// agent answer, that was most of the server's work). The gateway feeds it as agents connect, beat
// and leave. What other server instances and the admin API changed comes in by a read of what of
// every agent changes (its connection, labels, status, port: AgentStore.listLive) at most every
// `reloadMs`, which replaces only the agents that changed; the whole table, name and apps
// included, is read every `fullReloadMs` (the engine never reads apps). Every row read whole and
// decoded every second was most of the cost of the directory for a fleet of thousands.
import type { Clock } from '../../base/clock.ts';
import { sameLabels } from '../../core/deploy/select-hosts.ts';
import type { Agent } from '../../core/model.ts';
import type { AgentLiveFields, Store } from '../../storage/store.ts';

/** How often the whole table is read by default, apps included. */
const DEFAULT_FULL_RELOAD_MS = 30_000;
/** Agents unknown to the copy read one by one at most; more are read with everything. */
const MAX_SINGLE_READS = 50;

export class AgentDirectory {
  private agents = new Map<string, Agent>();
  private loadedAt = -Infinity;
  private fullyLoadedAt = -Infinity;
  private loading: Promise<void> | undefined;
  /** What was patched while a reload was reading: applied again on top of what it read. */
  private patchedDuringLoad: [string, Partial<Agent>][] = [];

  constructor(private readonly deps: { store: Pick<Store, 'agents'>; clock: Clock; reloadMs: number; fullReloadMs?: number }) {}

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
      const full = startedAt - this.fullyLoadedAt >= (this.deps.fullReloadMs ?? DEFAULT_FULL_RELOAD_MS);
      try {
        if (full) {
          this.agents = new Map((await this.deps.store.agents.list()).map((a) => [a.id, a]));
        } else {
          const { agents, unknown } = changedOnly(this.agents, await this.deps.store.agents.listLive());
          // Enrolled since the last read (maybe connected to another instance): read whole, each,
          // or all at once when a fleet is enrolling (one read instead of hundreds).
          if (unknown.length > MAX_SINGLE_READS) {
            for (const agent of await this.deps.store.agents.list()) agents.set(agent.id, agents.get(agent.id) ?? agent);
          } else {
            for (const id of unknown) {
              const agent = await this.deps.store.agents.get(id);
              if (agent) agents.set(id, agent);
            }
          }
          this.agents = agents;
        }
        for (const [id, fields] of this.patchedDuringLoad) {
          const agent = this.agents.get(id);
          if (agent) this.agents.set(id, { ...agent, ...fields });
        }
        this.loadedAt = startedAt;
        if (full) this.fullyLoadedAt = startedAt;
      } finally {
        this.loading = undefined;
        this.patchedDuringLoad = [];
      }
    })();
    return this.loading;
  }
}

/**
 * The agents as `read` has them: the copy's object where nothing read differs, a new one where
 * something does, none for an agent no longer there; `unknown`: the agents the copy does not have.
 */
function changedOnly(copy: ReadonlyMap<string, Agent>, read: AgentLiveFields[]): { agents: Map<string, Agent>; unknown: string[] } {
  const agents = new Map<string, Agent>();
  const unknown: string[] = [];
  for (const live of read) {
    const known = copy.get(live.id);
    if (!known) unknown.push(live.id);
    // An agent enrolled anew is another host: what the old one ran is not its (its hello says).
    else agents.set(live.id, sameLive(known, live) ? known : { ...known, ...live, apps: known.enrolledAt === live.enrolledAt ? known.apps : [] });
  }
  return { agents, unknown };
}

function sameLive(a: Agent, b: AgentLiveFields): boolean {
  return a.online === b.online && a.lastSeenAt === b.lastSeenAt && a.status === b.status && a.enrolledAt === b.enrolledAt
    && a.address === b.address && a.port === b.port && sameLabels(a.labels, b.labels);
}
