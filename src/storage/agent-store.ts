// The Store's port for the agents: enrollment, connection, liveness and the apps they run.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { Agent, Labels } from '../core/model.ts';

export interface NewAgent {
  name: string;
  labels: Labels;
  tokenHash: string;
  address: string;
  port: number | null;
  /** `active` unless given: `pending` when the server waits for an admin to accept new agents. */
  status?: 'active' | 'pending';
}

/** What of an agent changes while it runs (its connection) or by an admin's hand (labels, status). */
export type AgentLiveFields = Pick<Agent, 'id' | 'online' | 'lastSeenAt' | 'status' | 'enrolledAt' | 'labels' | 'address' | 'port'>;

/** A connection of an agent that began (with what the agent said about itself) or ended, at `at`. */
export type ConnectionChange =
  | { kind: 'connected'; id: string; said: Pick<Agent, 'address' | 'port' | 'apps'>; at: number }
  | { kind: 'disconnected'; id: string; at: number };

export interface AgentStore {
  /**
   * Enrolls a new agent under a name no agent has (the caller decides; a taken name throws as
   * the unique constraint it breaks would).
   */
  enroll(agent: NewAgent, at: number): Promise<Agent>;
  /**
   * Enrolls the agent with this id again (an admin allowed it, or it was removed): the new token,
   * address, port and status replace the old ones, the one-time permission is used up; labels
   * change only when given. Undefined when no agent has this id.
   */
  reenroll(id: string, agent: Omit<NewAgent, 'name' | 'labels' | 'status'> & { labels?: Labels; status: 'active' | 'pending' }, at: number): Promise<Agent | undefined>;
  get(id: string): Promise<Agent | undefined>;
  /** The agents with these ids, by id; an id no agent has is left out. */
  getMany(ids: readonly string[]): Promise<Map<string, Agent>>;
  getByName(name: string): Promise<Agent | undefined>;
  /** The agent holding this token hash, whatever its status (the caller refuses revoked and removed ones). */
  getByTokenHash(tokenHash: string): Promise<Agent | undefined>;
  /**
   * Revokes or removes the agent: its status changes and its token is replaced by `tokenHash`
   * (one nobody holds), so the old token finds no agent at once; it goes offline.
   */
  retire(id: string, status: 'revoked' | 'removed', tokenHash: string): Promise<void>;
  /** Every agent, by name. */
  list(): Promise<Agent[]>;
  /**
   * Every agent's fields that change while it runs or by an admin's hand, in no order: what the
   * server's in-memory directory reads every second (its name, apps and the rest are most of a row
   * to read and decode, and change only as the host says so).
   */
  listLive(): Promise<AgentLiveFields[]>;
  /**
   * Records that the agent connected to server instance `instance`, with what it said about itself:
   * it is online, held by that instance.
   */
  connected(id: string, instance: string, said: Pick<Agent, 'address' | 'port' | 'apps'>, at: number): Promise<void>;
  /**
   * Records that the agent's connection to `instance` ended: offline, last seen `at`. Nothing
   * happens (false) when another instance holds it by now (it reconnected there before this one noticed).
   */
  disconnected(id: string, instance: string, at: number): Promise<boolean>;
  /**
   * Records connections to server instance `instance` that began or ended, in the order given and
   * in one transaction, each as `connected` or `disconnected` would: a fleet reconnecting after a
   * restart is thousands of them within seconds. Returns, for each change in order, what
   * `disconnected` would (true for a `connected`). Nothing is recorded when it throws.
   */
  recordConnections(instance: string, changes: readonly ConnectionChange[]): Promise<boolean[]>;
  /** Records what the agent said about itself when it connected. */
  update(id: string, patch: Partial<Pick<Agent, 'labels' | 'address' | 'port' | 'apps' | 'online' | 'lastSeenAt' | 'status' | 'enrollAllowed'>>): Promise<void>;
  /**
   * Records that these agents were heard from at `at` (heartbeats, written together once a second
   * rather than one write each): only the time, since one may have disconnected meanwhile.
   */
  markSeen(ids: readonly string[], at: number): Promise<void>;
  /**
   * At the start of server instance `instance`: none of its agents is connected to it yet (they were
   * its own before a restart, or connected before instances were recorded); their grace period
   * starts now. Agents other instances hold are left as they are.
   */
  markOffline(instance: string, at: number): Promise<void>;
}
