// What every part of the engine works with, passed as one plain object.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import type { Agent } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import type { AgentDirectory } from '../gateway/agent-directory.ts';
import type { DeploymentHostsCache } from './deployment-hosts-cache.ts';
import type { EngineLimits } from './engine-limits.ts';
import type { EventLog } from './event-log.ts';
import type { VersionConfigs } from './version-config.ts';

/** The engine's way to reach agents: it only asks for delivery of commands already written down. */
export interface CommandDelivery {
  deliver(agentId: string): Promise<void>;
  /** `deliver` to each of these agents, with a few reads for all (a restore sends every host at once). */
  deliverMany(agentIds: readonly string[]): Promise<void>;
}

/** A delivery to many agents as one to each after the other: the gateway's stand-in in tests and benches. */
export function deliveringOneAtATime(deliver: (agentId: string) => Promise<void>): CommandDelivery {
  return {
    deliver,
    async deliverMany(agentIds) {
      for (const agentId of agentIds) await deliver(agentId);
    },
  };
}

/** The hash of a build job's upload token, stored when the job is handed to its runner (see UploadTokens). */
export interface UploadTokenHashes {
  hashFor(subject: { jobId: string; agentId: string; commandId: string }): string;
}

export interface EngineContext {
  store: Store;
  gateway: CommandDelivery;
  /** The agents as the gateway last saw them, in memory (read on every look, never decoded per pass). */
  agents: Pick<AgentDirectory, 'current'>;
  /** The hosts of the active deployments between looks. */
  hostsCache: DeploymentHostsCache;
  /** The config of each version looked at (it never changes). */
  versionConfigs: VersionConfigs;
  events: EventLog;
  clock: Clock;
  log: Logger;
  limits: EngineLimits;
  uploadTokens: UploadTokenHashes;
  /**
   * Whether this instance runs the engine now: of several instances on one database, only the one
   * holding the engine's lease does (see LeaseKeeper). Asked before each action: within a look
   * (the engine's own context), also false once the lease was lost and taken back since the look
   * began, as what the look read may be stale.
   */
  holdsLease: () => boolean;
  /**
   * How many times this instance newly took the engine's lease (LeaseKeeper.generation): when it
   * changed between two looks, the lease was lost and taken back, and another instance may have
   * acted meanwhile. Absent: the lease never changes hands (one instance).
   */
  leaseGeneration?: () => number;
  /**
   * Run first in each of the engine's transactions: whether this instance still holds the engine's
   * lease by the database's clock, keeping it from being taken over until the transaction ends
   * (LeaseStore.confirm). A transaction it refuses writes nothing. Absent: one instance.
   */
  fence?: (tx: Store) => Promise<boolean>;
}

/** The agents one look works with. */
export type AgentsById = ReadonlyMap<string, Agent>;
