// The answers of the REST API (docs/api.md), written once: the server's routes declare them, the
// web UI and the CLI read them. Plain data, as JSON carries it; times in ms since the epoch.
import type {
  Agent, Artifact, Deployment, DeploymentHost, Job, LogLine, Project, RollbackSafety, Run, Stage, SlipwayEvent, UserToken,
} from '../model.ts';
import type { Grant } from '../access/roles.ts';
import type { Permission } from '../access/permissions.ts';

/** `GET /deployments/:id`, and each deployment of a run or of the overview: with every host's step. */
export type DeploymentDetail = Deployment & { hosts: DeploymentHost[] };

/**
 * `GET /projects/:name/runs/:number`: one run with its stages, jobs and deployments (with hosts):
 * each stage's deployment, followed by its rollback rehearsal (kind `rehearsal`) when one ran; and
 * what the rehearsal found about the run's version (its artifact's), null when none ran.
 */
export type RunDetail = Run & { stages: Stage[]; jobs: Job[]; deployments: DeploymentDetail[]; rollbackSafety: RollbackSafety | null };

/** `GET /projects/:name/runs` (each run), and a project's last run in the overview: no config. */
export type RunSummary = Omit<Run, 'config'> & { stages: Stage[] };

/**
 * A project as its readers see it: without its webhook secret (whoever holds it signs pushes) and
 * with the credentials of its repository URL replaced by "***" (a git host's token).
 */
export type ProjectView = Omit<Project, 'webhookSecret'>;

/**
 * `POST /projects`, `GET /projects`, `GET /projects/:name`: the project and where its webhook is;
 * `webhookSecret` only in the answer to the admin who added it, to set up the git host's hook.
 */
export type ProjectAnswer = ProjectView & { webhookPath: string; webhookSecret?: string };

/** What an environment's host runs, as `status` shows it. */
export interface HostVersion {
  name: string;
  /** The app's current version on the host; null when it has none. */
  version: string | null;
  online: boolean;
}

/** One environment in `GET /projects/:name/status`. */
export interface EnvironmentStatus {
  name: string;
  knownGood: string | null;
  hosts: HostVersion[];
  lastDeployment: Deployment | null;
}

/** `GET /projects/:name/status`: per environment of the newest config, what it runs. */
export interface ProjectStatus {
  project: string;
  environments: EnvironmentStatus[];
}

/** One environment in the overview: its status and what a rollback would restore. */
export type EnvironmentView = EnvironmentStatus & {
  /** The version `POST /rollback` would deploy; null when the server would refuse one. */
  rollbackTo: string | null;
};

/** One project of `GET /overview`. */
export interface ProjectOverview {
  project: ProjectView;
  lastRun: RunSummary | null;
  environments: EnvironmentView[];
  /** The project's deployments that have not ended. */
  activeDeployments: DeploymentDetail[];
}

/** Each host of `GET /agents`: labels, address, port, online, apps and versions. */
export type AgentView = Agent;

/** `GET /projects/:name/versions`: built versions, newest first. */
export type VersionView = Artifact;

/** `GET /events`: events oldest first; also the data of each `event: event` of `/events/stream`. */
export type EventView = SlipwayEvent;

/** `GET /projects/:name/runs/:number/log`: job output, oldest first; also each `event: line` of `/logs/tail`. */
export type LogLineView = LogLine;

/** `GET /logs`. */
export interface LogSearchAnswer {
  lines: LogLine[];
}

/** `POST /agents/enroll`. */
export interface EnrollmentAnswer {
  agentId: string;
  name: string;
  token: string;
}

/** `PUT /artifacts`. */
export interface ArtifactUploadAnswer {
  sha256: string;
  size: number;
}

/** `POST /hooks/:project`: the runs a push started, or why it was ignored. */
export type WebhookAnswer =
  | { runs: { number: number; sha: string; version: string }[] }
  | { ignored: string };

/** Every refused request: the stable code (docs/errors.md), a message, and for bad input each problem. */
export interface ErrorAnswer {
  error: { code: string; message: string; details?: unknown };
}

/** `GET /users` (each) and `POST /users` (`user`): a person with their roles and tokens (never the tokens themselves). */
export interface UserAnswer {
  name: string;
  email: string | null;
  createdAt: number;
  grants: Grant[];
  tokens: UserToken[];
}

/** `POST /users` and `POST /tokens`: the new token, shown this once; the server keeps only its hash. */
export interface NewTokenAnswer {
  user: string;
  tokenId: string;
  token: string;
}

/** `POST /users/:name/grants` and `…/grants/revoke`: the grant; `changed` false when granting one the user already had. */
export interface GrantAnswer {
  user: string;
  grant: Grant;
  changed: boolean;
}

/** `GET /me`: who the caller is, for the web UI's header. */
export interface WhoAmIAnswer {
  name: string;
  kind: 'admin' | 'user';
  /** The user's grants (their own and their session's); the bootstrap admin has none and may do everything. */
  grants: Grant[];
  /** The permissions the caller has without a project or environment in particular (the web UI shows admins' links by them). */
  permissions: Permission[];
}

/** `POST /me/sign-out`: the web session's token that was revoked; null when the caller's token is not a session's (it stays valid). */
export interface SignOutAnswer {
  ended: string | null;
}

/** `GET /auth/config` (public): how people may sign in; `oidc` null when only tokens are taken. */
export interface AuthConfigAnswer {
  oidc: { provider: string; signInUrl: string } | null;
}

/** A secret as the API shows it: never its value. */
export interface SecretAnswer {
  name: string;
  /** Its environment; null: every environment of the project. */
  env: string | null;
  /** Build jobs get it too. */
  build: boolean;
  updatedAt: number;
}

/** `GET /audit`: entries newest first (see core/audit); `GET /audit/verify`: the chain's verdict. */
export type { AuditEntry as AuditEntryAnswer } from '../audit/audit-entry.ts';
export type { AuditVerdict as AuditVerifyAnswer } from '../audit/verify-audit-chain.ts';

