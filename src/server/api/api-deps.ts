// What the HTTP routes work with, passed as one plain object from the server's main.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import type { AcceptAgents } from '../../core/agents/enrollment-decision.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import type { ArtifactBlobs } from '../artifacts/artifact-blobs.ts';
import type { EventLog } from '../engine/event-log.ts';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { GitMirrors } from '../git/git-mirrors.ts';
import type { LogTailHub } from '../logs/log-tail-hub.ts';
import type { SharedFeed } from '../instances/shared-feed.ts';
import type { ProjectSecrets } from '../secrets/project-secrets.ts';
import type { CommitTrigger } from '../triggers/commit-trigger.ts';
import type { OidcSignIn } from '../auth/oidc/oidc-routes.ts';

export interface ApiDeps {
  store: Store;
  blobs: ArtifactBlobs;
  gateway: AgentGateway;
  /**
   * Wakes the engine wherever it runs: this instance's, and through the ChangeSignal the one of the
   * instance that holds the engine's lease. The only way a route wakes the engine.
   */
  wakeEngine: () => void;
  events: EventLog;
  /** The events every server instance stores, as they are stored; absent: this instance's (from `events`). */
  eventFeed?: Pick<SharedFeed<SlipwayEvent>, 'subscribe'>;
  mirrors: GitMirrors;
  trigger: CommitTrigger;
  clock: Clock;
  log: Logger;
  tokens: { admin: string; join: string };
  maxArtifactBytes: number;
  /** Whether projects may name a repository on the server itself (see isLocalRepoUrl); false when absent. */
  allowLocalRepos?: boolean;
  /** Live tail of the central log: lines as they are stored. */
  logTail: LogTailHub;
  /** Sealing, opening and masking secrets. */
  secrets: ProjectSecrets;
  /** New agents: active at once (`auto`, the default) or pending until an admin accepts them. */
  acceptAgents?: AcceptAgents;
  /** Sign-in through an OpenID Connect provider for the web UI; absent: tokens only. */
  oidc?: OidcSignIn;
  /** The built web UI served at / (webRoutes' default when absent). */
  webDist?: string;
}
