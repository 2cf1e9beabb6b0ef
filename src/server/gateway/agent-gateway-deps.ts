// What the agent gateway is given: the store and the engine's view it keeps up to date, where
// agents' log lines go, what a command carries as it is sent, and how instances tell each other.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import type { AgentLivenessLimits } from '../../core/agents/agent-liveness.ts';
import type { Notifier } from '../../storage/notifier.ts';
import type { Store } from '../../storage/store.ts';
import type { LogIngest } from '../logs/log-ingest.ts';
import type { ProjectSecrets } from '../secrets/project-secrets.ts';
import type { UploadTokens } from '../artifacts/upload-tokens.ts';
import type { AgentDirectory } from './agent-directory.ts';
import type { AgentScopeCache } from './agent-scope-cache.ts';

export interface AgentGatewayDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /**
   * Called when something the engine waits for happened: a command's result (with its id, so that
   * only the work it belongs to is looked at again), a connection, a loss (without).
   */
  onChange: (commandId?: string) => void;
  /** This server instance's name: the agents' rows say which instance holds their connection. */
  instance: string;
  /** The engine's in-memory view of the agents, kept up to date with what this gateway records. */
  directory: Pick<AgentDirectory, 'patch' | 'put' | 'current'>;
  liveness: AgentLivenessLimits;
  /** Where agents' log lines go; resolves with the seq to acknowledge once they are stored. */
  logs: Pick<LogIngest, 'fromAgent'>;
  /** The secrets a command's process gets, added as it is sent, and the masking of results. */
  secrets?: Pick<ProjectSecrets, 'forCommand' | 'maskResult'>;
  /** The upload token a build job's command carries (derived again at each send; the store keeps its hash). */
  uploadTokens: Pick<UploadTokens, 'tokenFor'>;
  /** Told what each command sent makes its agent part of, before the agent can name it in a line. */
  scopes: Pick<AgentScopeCache, 'learn' | 'forget'>;
  /** Where commands for agents held by other instances are announced; absent: this instance alone. */
  notifier?: Pick<Notifier, 'notify' | 'listen'>;
  /** How often the commands not sent yet to the agents held here are looked for (default 3 s). */
  pendingPollMs?: number;
}
