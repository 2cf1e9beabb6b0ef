// What every part of the engine works with, passed as one plain object.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import type { Agent } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import type { EngineLimits } from './engine-limits.ts';
import type { EventLog } from './event-log.ts';

/** The engine's way to reach agents: it only asks for delivery of commands already written down. */
export interface CommandDelivery {
  deliver(agentId: string): Promise<void>;
}

/** The hash of a build job's upload token, stored when the job is handed to its runner (see UploadTokens). */
export interface UploadTokenHashes {
  hashFor(subject: { jobId: string; agentId: string; commandId: string }): string;
}

export interface EngineContext {
  store: Store;
  gateway: CommandDelivery;
  events: EventLog;
  clock: Clock;
  log: Logger;
  limits: EngineLimits;
  uploadTokens: UploadTokenHashes;
}

/** One pass's snapshot of the agents, so that a pass reads them once. */
export type AgentsById = Map<string, Agent>;
