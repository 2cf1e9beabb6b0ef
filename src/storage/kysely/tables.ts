// The database's tables as Kysely sees them: snake_case columns, times in ms, JSON as text,
// booleans as 0/1. Only the storage layer sees these rows; the port speaks core/model types.
import type { Generated } from 'kysely';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface ProjectsTable {
  id: string;
  name: string;
  repo_url: string;
  branch: string;
  poll_interval_ms: number;
  webhook_secret: string;
  last_seen_sha: string | null;
  /** Why the last check of the repository failed; null when it worked (migration 005). */
  poll_error: string | null;
  poll_error_at: number | null;
  /** The last run number handed out: bumped in the transaction that creates a run. */
  run_count: Generated<number>;
  created_at: number;
}

export interface RunsTable {
  id: string;
  project_id: string;
  number: number;
  sha: string;
  ref: string;
  message: string;
  author: string;
  trigger: string;
  requested_by: string | null;
  status: string;
  config: string | null;
  version: string;
  error: string | null;
  created_at: number;
  finished_at: number | null;
  /** The commit of a run a trigger created (one per commit and project); null for others. */
  triggered_sha: string | null;
}

export interface StagesTable {
  id: string;
  run_id: string;
  name: string;
  kind: string;
  position: number;
  status: string;
  deployment_id: string | null;
  job_id: string | null;
  /** Migration 015. */
  rehearsal_id: string | null;
  approved_by: string | null;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobsTable {
  /** Insertion order: "oldest queued" must not depend on two jobs having different timestamps. */
  seq: Generated<number>;
  id: string;
  /** The owner: a run's stage (run_id and stage_id) or a deployment (deployment_id), never both. */
  run_id: string | null;
  stage_id: string | null;
  deployment_id: string | null;
  kind: string;
  status: string;
  spec: string;
  agent_id: string | null;
  command_id: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface ArtifactsTable {
  project_id: string;
  version: string;
  run_id: string;
  sha256: string;
  size: number;
  created_at: number;
  quarantined_at: number | null;
  quarantine_reason: string | null;
  /** RollbackSafety as JSON (migration 015); null when no rehearsal ran. */
  rollback_safety: string | null;
}

export interface AgentsTable {
  id: string;
  name: string;
  labels: string;
  token_hash: string;
  address: string;
  port: number | null;
  online: number;
  last_seen_at: number;
  apps: string;
  enrolled_at: number;
  status: Generated<string>;
  enroll_allowed: Generated<number>;
  /** The server instance holding its connection (migration 016); null before any. */
  connected_to: string | null;
}

export interface DeploymentsTable {
  id: string;
  project_id: string;
  env: string;
  version: string;
  run_id: string | null;
  kind: string;
  status: string;
  batch: string;
  forced: number;
  requested_by: string;
  cause: string | null;
  error: string | null;
  /** DeploymentMigration as JSON (migration 015); null when it runs none. */
  migration: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface DeploymentHostsTable {
  deployment_id: string;
  agent_id: string;
  host_name: string;
  batch: number;
  previous_version: string | null;
  step: string;
  error: string | null;
  failed_step: string | null;
  log_tail: string;
  command_id: string | null;
  command_sent_at: number | null;
  updated_at: number;
}

export interface DeploymentLbCommandsTable {
  command_id: string;
  deployment_id: string;
  lb_agent_id: string;
  host_agent_id: string | null;
  purpose: string;
  intended: string | null;
  round: number;
  sent_at: number;
}

export interface EnvironmentsTable {
  project_id: string;
  name: string;
  known_good: string | null;
}

export interface AgentCommandsTable {
  /** Insertion order, so that an agent gets its commands in the order they were written. */
  seq: Generated<number>;
  id: string;
  agent_id: string;
  command: string;
  result: string | null;
  created_at: number;
  completed_at: number | null;
}

/** One run, deployment, artifact or source tree a command sent to the agent names (see agent-scope.ts). */
export interface AgentCommandScopesTable {
  agent_id: string;
  kind: string;
  ref: string;
  created_at: number;
}

/** A build job's one-time upload token (its hash) and what its runner uploaded with it. */
export interface ArtifactUploadsTable {
  job_id: string;
  agent_id: string;
  token_hash: string;
  sha256: string | null;
  size: number | null;
  created_at: number;
  uploaded_at: number | null;
}

export interface EventsTable {
  id: Generated<number>;
  at: number;
  kind: string;
  project_id: string | null;
  run_id: string | null;
  deployment_id: string | null;
  actor: string | null;
  message: string;
  data: string;
}

export interface LogLinesTable {
  id: Generated<number>;
  at: number;
  source: string;
  seq: number;
  host: string;
  app: string | null;
  env: string | null;
  stream: string;
  level: string | null;
  run_id: string | null;
  deployment_id: string | null;
  text: string;
}

/** The full-text index (SQLite FTS5, external content): only its hidden columns are queried. */
export interface LogLinesFtsTable {
  rowid: number;
  text: string;
  log_lines_fts: string;
}

/** PostgreSQL: the words of each indexed log line (migration 018). */
export interface LogSearchTable {
  id: number;
  search: string;
}

/** PostgreSQL: ids appended and not yet in log_search, one range per append (migration 018). */
export interface LogSearchQueueTable {
  first_id: number;
  last_id: number;
}

/** The central log's size ledger, one row per CHUNK_IDS ids (see log-chunks.ts). */
export interface LogChunksTable {
  chunk: number;
  lines: number;
  bytes: number;
  min_at: number;
  max_at: number;
}

/** People (migration 010): a user, their tokens (hashed) and their grants ('' project or env: every one). */
export interface UsersTable {
  id: string;
  name: string;
  email: string | null;
  created_at: number;
  /** The identity provider's issuer and subject of a user who signs in through it (migration 013). */
  oidc_issuer: string | null;
  oidc_subject: string | null;
}

export interface UserTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
  /** A web session's end (migration 013); null: until revoked. */
  expires_at: number | null;
}

/** Grants a token carries itself: a sign-in's, from the provider's groups (migration 013). */
export interface TokenGrantsTable {
  token_id: string;
  role: string;
  project: string;
  env: string;
}

export interface GrantsTable {
  user_id: string;
  role: string;
  project: string;
  env: string;
  created_at: number;
}

/** One row per person who approved a stage (migration 010). */
export interface StageApprovalsTable {
  stage_id: string;
  approver_key: string;
  approver: string;
  at: number;
}

/** A secret's ciphertext; `scope` is its environment or '' for the whole project. */
export interface SecretsTable {
  project_id: string;
  scope: string;
  name: string;
  build: number;
  ciphertext: string;
  updated_at: number;
}

export interface Database {
  projects: ProjectsTable;
  runs: RunsTable;
  stages: StagesTable;
  jobs: JobsTable;
  artifacts: ArtifactsTable;
  agents: AgentsTable;
  deployments: DeploymentsTable;
  deployment_hosts: DeploymentHostsTable;
  deployment_lb_commands: DeploymentLbCommandsTable;
  environments: EnvironmentsTable;
  agent_commands: AgentCommandsTable;
  agent_command_scopes: AgentCommandScopesTable;
  artifact_uploads: ArtifactUploadsTable;
  events: EventsTable;
  log_lines: LogLinesTable;
  log_lines_fts: LogLinesFtsTable;
  log_chunks: LogChunksTable;
  log_search: LogSearchTable;
  log_search_queue: LogSearchQueueTable;
  users: UsersTable;
  user_tokens: UserTokensTable;
  grants: GrantsTable;
  token_grants: TokenGrantsTable;
  stage_approvals: StageApprovalsTable;
  secrets: SecretsTable;
  audit_entries: AuditEntriesTable;
  audit_head: AuditHeadTable;
  leases: LeasesTable;
  log_seq_marks: LogSeqMarksTable;
}

/** The highest seq of a log source that retention removed (migration 020; at first the highest stored when it ran). */
export interface LogSeqMarksTable {
  source: string;
  seq: number;
}

/** Who runs a loop that must run once among several server instances, until when (migration 016). */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** One audit entry (migration 011); before/after as JSON text, null when none applies. */
export interface AuditEntriesTable {
  seq: number;
  at: number;
  actor: string;
  address: string | null;
  action: string;
  target: string;
  project: string | null;
  outcome: string;
  code: string | null;
  message: string | null;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

/** The one row (id 1) naming the newest audit entry: seq 0 and the genesis hash before the first. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}
