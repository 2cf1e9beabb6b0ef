// The Store port: everything Slipway remembers. The engine writes what it decides here first and
// acts second, so that a restarted server resumes from this state. Adapters: SqliteStore, PostgresStore.
import type {
  Agent, Artifact, Deployment, DeploymentHost, DeploymentLbCommand, DeploymentMigration, RollbackSafety, Environment, Job, JobOwner, Labels, LogLine, Project, Run,
  RunTrigger, SlipwayConfig, SlipwayEvent, Stage, StageApproval, StageKind, User, UserToken,
} from '../core/model.ts';
import type { Grant } from '../core/access/roles.ts';
import type { AuditEntry, AuditHead, NewAuditEntry } from '../core/audit/audit-entry.ts';
import type { AgentScope } from '../core/agents/agent-scope.ts';
import type { LogFilter } from '../core/logs/log-filter.ts';
import type { Command, CommandResult, JobSpec } from '../core/protocol/messages.ts';

export interface Store {
  projects: ProjectStore;
  runs: RunStore;
  jobs: JobStore;
  artifacts: ArtifactStore;
  agents: AgentStore;
  deployments: DeploymentStore;
  environments: EnvironmentStore;
  commands: CommandStore;
  uploads: UploadStore;
  events: EventStore;
  logs: LogStore;
  users: UserStore;
  secrets: SecretStore;
  audit: AuditStore;
  leases: LeaseStore;
  /**
   * Runs `work` in one database transaction and returns what it returns. `tx` is this Store bound
   * to the transaction: every write made through it commits together when `work` resolves, or none
   * does when it rejects (the error is then rethrown as it was). On SQLite the transaction holds
   * the write lock from its start (BEGIN IMMEDIATE). Called on a store that is already bound to a
   * transaction, it runs `work` inline in that one (no nested transaction, no savepoint), so the
   * outer transaction decides. Inside `work`, use `tx` only: the outer store waits for the
   * transaction to end (SQLite has one connection), so awaiting it from `work` never returns; and
   * await nothing but `tx` there (no agent, no network): on SQLite every other store call waits
   * until the transaction ends. Effects outside the database (sending a command, telling
   * listeners) belong after the transaction resolved.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Releases the connection(s). The store may not be used afterwards. Throws on a store bound to
   * a transaction: the transaction ends when its work does.
   */
  close(): Promise<void>;
}

export type NewProject = Omit<Project, 'id' | 'createdAt' | 'lastSeenSha' | 'pollError'>;

export interface ProjectStore {
  /** Adds a project. Throws ConflictError (SLIPWAY_PROJECT_EXISTS) when the name is taken. */
  create(project: NewProject, at: number): Promise<Project>;
  get(id: string): Promise<Project | undefined>;
  getByName(name: string): Promise<Project | undefined>;
  /** Every project, by name. */
  list(): Promise<Project[]>;
  setLastSeenSha(id: string, sha: string): Promise<void>;
  /** Records why the last check of the project's repository failed, as given; null: it worked. */
  setPollError(id: string, error: Project['pollError']): Promise<void>;
}

export interface NewRun {
  projectId: string;
  sha: string;
  ref: string;
  message: string;
  author: string;
  trigger: RunTrigger;
  /** The principal that started it by hand; absent (null) for poll and webhook runs. */
  requestedBy?: string | null;
  config: SlipwayConfig | null;
  /** A run that cannot start (e.g. broken slipway.yml) is created failed, with this error. */
  error: string | null;
  /** Its stages in order; none for a run created failed. */
  stages: { name: string; kind: StageKind }[];
  /**
   * A trigger's run (poll, webhook): the project gets one such run per commit, enforced by the
   * database, so that two instances finding one new commit at once create one run.
   */
  onePerCommit?: boolean;
}

export interface RunStore {
  /**
   * Creates a run and its stages at once. The run's number is the project's next (1, 2, 3…),
   * assigned atomically, and its version is `<number>-<sha7>`. Status: queued, or failed when
   * `error` is set. With `onePerCommit`, throws ConflictError (SLIPWAY_RUN_EXISTS) when the project
   * has such a run for this commit already (maybe created by another instance a moment ago); nothing
   * is written then (the number is not used up once the enclosing transaction rolls back).
   */
  create(run: NewRun, at: number): Promise<Run>;
  get(id: string): Promise<Run | undefined>;
  getByNumber(projectId: string, number: number): Promise<Run | undefined>;
  /** The project's runs, newest first. */
  list(projectId: string, limit: number): Promise<Run[]>;
  /** Runs that are queued or running, oldest first: the engine's work list. */
  listActive(): Promise<Run[]>;
  /** Whether the project already has a run for this commit. */
  hasSha(projectId: string, sha: string): Promise<boolean>;
  update(id: string, patch: Partial<Pick<Run, 'status' | 'error' | 'finishedAt'>>): Promise<void>;
  /** The run's stages by position. */
  stages(runId: string): Promise<Stage[]>;
  updateStage(id: string, patch: Partial<Omit<Stage, 'id' | 'runId' | 'name' | 'kind' | 'position'>>): Promise<void>;
  /**
   * Records who approved the stage, only when nobody has yet: one conditional write, so of two
   * approvals at once (also on two server instances) exactly one counts. Returns whether it did.
   */
  approveStage(id: string, by: string): Promise<boolean>;
  /**
   * Records one person's approval of a stage, once per approver key: a second approval by the
   * same key (also at the same moment, on another instance) records nothing and returns false.
   * Locks the stage's row for the rest of the transaction first, so `approvals` read after it in
   * the same transaction include every approval of the stage that is recorded (none is missed
   * by two approvers deciding at once).
   */
  addApproval(approval: StageApproval): Promise<boolean>;
  /** The stage's approvals, oldest first. */
  approvals(stageId: string): Promise<StageApproval[]>;
}

export interface JobWithSpec extends Job {
  spec: JobSpec;
}

export interface NewJob {
  owner: JobOwner;
  kind: Job['kind'];
  spec: JobSpec;
}

export interface JobStore {
  /**
   * Queues a job for its owner, a run stage or a deployment; `spec.jobId` is its id. Throws when
   * the owner's run, stage or deployment is not stored (a foreign key).
   */
  create(job: NewJob, at: number): Promise<Job>;
  get(id: string): Promise<JobWithSpec | undefined>;
  /** The jobs of the run's stages, oldest first. */
  listByRun(runId: string): Promise<Job[]>;
  /** The jobs the deployment owns, oldest first. */
  listByDeployment(deploymentId: string): Promise<Job[]>;
  /**
   * Atomically gives this queued job to this agent (status running, agentId and commandId set).
   * Returns false when the job is not queued (another claimer took it, or it ended). Two callers
   * never both get it: one conditional UPDATE.
   */
  claim(id: string, agentId: string, commandId: string, at: number): Promise<boolean>;
  /** Jobs that are queued or running, oldest first: the engine watches their agents and their age. */
  listActive(): Promise<Job[]>;
  update(id: string, patch: Partial<Pick<Job, 'status' | 'error' | 'finishedAt' | 'agentId' | 'commandId' | 'startedAt'>>): Promise<void>;
}

export interface ArtifactStore {
  /** Records a built version. Throws ConflictError when the project already has this version. */
  create(artifact: Omit<Artifact, 'createdAt' | 'quarantinedAt' | 'quarantineReason' | 'rollbackSafety'>, at: number): Promise<Artifact>;
  get(projectId: string, version: string): Promise<Artifact | undefined>;
  /** Whether any version has this content: the download check for agents. */
  hasSha256(sha256: string): Promise<boolean>;
  /** The project's versions, newest first. */
  list(projectId: string, limit: number): Promise<Artifact[]>;
  /** Marks a version as never to be promoted or auto-deployed again. Keeps the first reason. */
  quarantine(projectId: string, version: string, reason: string, at: number): Promise<void>;
  /** Records what a rollback rehearsal of the version found; a later rehearsal's finding replaces it. */
  setRollbackSafety(projectId: string, version: string, safety: RollbackSafety): Promise<void>;
}

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

/** A user with what they may do, as found by one of their tokens. */
export interface UserWithGrants extends User {
  /** The user's own grants and those the token carries (a sign-in's), each once. */
  grants: Grant[];
  /** The token they were found by. */
  token: { id: string; expiresAt: number | null };
}

/** A token to store: its hash, and for a web session its end and the grants it carries. */
export interface NewUserToken {
  id: string;
  tokenHash: string;
  /** When it stops working; absent or null: until revoked. */
  expiresAt?: number | null;
  /** Grants of this token alone (a sign-in's, from the provider's groups); they go with it. */
  grants?: readonly Grant[];
}

/** Who a user is at an identity provider: its issuer and the subject it gives them. */
export interface UserIdentity {
  issuer: string;
  subject: string;
}

export interface UserStore {
  /**
   * Adds a user with their first token, tied to `identity` when given. Throws ConflictError
   * (SLIPWAY_USER_EXISTS) when the name is taken (or the identity has a user already).
   */
  create(user: { name: string; email: string | null; identity?: UserIdentity }, token: NewUserToken, at: number): Promise<User>;
  getByName(name: string): Promise<User | undefined>;
  /** The user tied to this identity at a provider; undefined when nobody signed in as it yet. */
  getByIdentity(identity: UserIdentity): Promise<User | undefined>;
  /** Changes the user's email (a provider's sign-in says what it is now). */
  setEmail(id: string, email: string | null): Promise<void>;
  /** Every user, by name. */
  list(): Promise<User[]>;
  /** Removes the user with their tokens (and the grants these carry) and grants. Returns false when there was no such user. */
  remove(id: string): Promise<boolean>;
  /**
   * The user whose token has this hash and is neither revoked nor expired at `at`, with their
   * grants and the token's own; undefined otherwise.
   */
  getByTokenHash(tokenHash: string, at: number): Promise<UserWithGrants | undefined>;
  /** Adds a token for the user. */
  addToken(userId: string, token: NewUserToken, at: number): Promise<UserToken>;
  getToken(id: string): Promise<UserToken | undefined>;
  /** The user's tokens, oldest first, revoked ones too. */
  tokens(userId: string): Promise<UserToken[]>;
  /** Revokes a token from now on. Returns false when there is no such token or it was already revoked. */
  revokeToken(id: string, at: number): Promise<boolean>;
  /** Gives a role; returns false when the user already had this very grant. */
  grant(userId: string, grant: Grant, at: number): Promise<boolean>;
  /** Takes a grant back (the same role, project and env); returns false when the user did not have it. */
  revoke(userId: string, grant: Grant): Promise<boolean>;
  /** The user's grants, by role, project and env. */
  grants(userId: string): Promise<Grant[]>;
}

/** `migration` absent: the deployment runs none. */
export type NewDeployment = Omit<Deployment, 'id' | 'status' | 'cause' | 'error' | 'finishedAt' | 'createdAt' | 'migration'> & {
  migration?: DeploymentMigration | null;
  /** The status it starts in: `staging`, or `rehearsing` for a rehearsal (it stages nothing). */
  status?: 'staging' | 'rehearsing';
};
export type NewDeploymentHost = Pick<DeploymentHost, 'agentId' | 'hostName' | 'batch'> & { previousVersion?: string | null };

export interface DeploymentStore {
  /**
   * Creates a deployment (status staging unless given) with its hosts (step pending), atomically. Throws
   * ConflictError (SLIPWAY_DEPLOYMENT_ACTIVE) when the environment already has one that has not
   * ended, also when another server instance created it a moment before; inside a transaction,
   * that refusal leaves the transaction usable (on PostgreSQL too).
   */
  create(deployment: NewDeployment, hosts: NewDeploymentHost[], at: number): Promise<Deployment>;
  get(id: string): Promise<Deployment | undefined>;
  /** Deployments that have not ended, oldest first. */
  listActive(): Promise<Deployment[]>;
  /** The project's deployments, newest first, optionally of one environment and status. */
  list(projectId: string, filter: { env?: string; status?: Deployment['status']; limit: number }): Promise<Deployment[]>;
  update(id: string, patch: Partial<Pick<Deployment, 'status' | 'cause' | 'error' | 'finishedAt' | 'migration'>>): Promise<void>;
  hosts(deploymentId: string): Promise<DeploymentHost[]>;
  updateHost(deploymentId: string, agentId: string, patch: Partial<Omit<DeploymentHost, 'deploymentId' | 'agentId' | 'hostName' | 'batch'>>): Promise<void>;
  /** Records `lb` commands the deployment sent (the commands themselves are in CommandStore). */
  addLbCommands(commands: DeploymentLbCommand[]): Promise<void>;
  /** The deployment's `lb` commands, by round then LB agent. */
  lbCommands(deploymentId: string): Promise<DeploymentLbCommand[]>;
}

export interface EnvironmentStore {
  get(projectId: string, name: string): Promise<Environment | undefined>;
  list(projectId: string): Promise<Environment[]>;
  setKnownGood(projectId: string, name: string, version: string): Promise<void>;
}

export interface AgentCommand {
  id: string;
  agentId: string;
  command: Command;
  result: CommandResult | null;
  createdAt: number;
  completedAt: number | null;
}

/** A command's result as an agent sent it (see CommandStore.complete). */
export interface CommandCompletion {
  id: string;
  result: CommandResult;
  at: number;
  fromAgentId?: string;
}

export interface CommandStore {
  /**
   * Writes a command down for an agent; the gateway delivers it (again after reconnects) until it
   * has a result. What the command names (`scopesOfCommand`) is recorded with it: from now on the
   * agent is part of those runs and deployments and may download that artifact or source tree.
   */
  create(command: { id: string; agentId: string; command: Command }, at: number): Promise<AgentCommand>;
  /**
   * Writes these commands down as `create` would each, in a few statements (a restore writes one
   * for every host of an environment at once).
   */
  createMany(commands: readonly { id: string; agentId: string; command: Command }[], at: number): Promise<void>;
  get(id: string): Promise<AgentCommand | undefined>;
  /** The results of these commands by id, null for one not answered yet; one not stored is left out. */
  results(ids: readonly string[]): Promise<Map<string, CommandResult | null>>;
  /** The agent's commands without a result, oldest first. */
  listPending(agentId: string): Promise<AgentCommand[]>;
  /** `listPending` of each of these agents, in a few queries; an agent without any is left out. */
  listPendingOf(agentIds: readonly string[]): Promise<Map<string, AgentCommand[]>>;
  /**
   * The commands without a result of any of these agents, as id and agent, oldest first: what a
   * server instance checks it has sent to the agents it holds, when a wake-up was lost.
   */
  pendingOf(agentIds: readonly string[]): Promise<{ id: string; agentId: string }[]>;
  /**
   * Records the result. With `fromAgentId`, only when the command was sent to that agent: an
   * agent cannot answer another's command. Returns false when nothing was recorded: the command
   * already had a result (a replayed one), is not stored, or went to another agent.
   */
  complete(id: string, result: CommandResult, at: number, fromAgentId?: string): Promise<boolean>;
  /**
   * Records these results as `complete` would each, in the order given and in one transaction (a
   * restore is answered by thousands of hosts at once); returns what `complete` would have for each.
   * Nothing is recorded when it throws.
   */
  completeMany(results: readonly CommandCompletion[]): Promise<boolean[]>;
  /**
   * Which of `scopes` any command ever written for this agent names (answered or not, cancelled
   * too): what the agent is part of. In no particular order.
   */
  heldScopes(agentId: string, scopes: readonly AgentScope[]): Promise<AgentScope[]>;
  /**
   * Makes the agent part of nothing and owe nothing: its commands without a result get `result`,
   * and what its commands named is forgotten. For a removed agent whose name enrolls anew under
   * its id: the newcomer must not be sent the old host's commands (their secrets, upload tokens)
   * nor download what they named. Returns how many commands got `result`.
   */
  forgetAgent(agentId: string, result: CommandResult, at: number): Promise<number>;
}

/** A build job's one-time upload token, as stored: its hash, and what was uploaded with it. */
export interface UploadGrant {
  jobId: string;
  /** The runner the job was given to: the only agent whose upload counts. */
  agentId: string;
  tokenHash: string;
  /** What the runner uploaded; null until it did. */
  upload: { sha256: string; size: number } | null;
  createdAt: number;
  uploadedAt: number | null;
}

export interface UploadStore {
  /** Records the upload token given with a build job to its runner. Throws when the job already has one or is not stored. */
  issue(grant: { jobId: string; agentId: string; tokenHash: string }, at: number): Promise<UploadGrant>;
  getByTokenHash(tokenHash: string): Promise<UploadGrant | undefined>;
  getByJob(jobId: string): Promise<UploadGrant | undefined>;
  /**
   * Records what was uploaded with the job's token, only when nothing was yet: one conditional
   * write, so of two uploads at once exactly one counts. Returns whether this one did.
   */
  record(jobId: string, upload: { sha256: string; size: number }, at: number): Promise<boolean>;
}

/** `actor` absent: the server did it by itself (null). */
export type NewEvent = Omit<SlipwayEvent, 'id' | 'actor'> & { actor?: string | null };

export interface EventStore {
  append(event: NewEvent): Promise<SlipwayEvent>;
  /**
   * Events after `afterId`, oldest first, optionally of one run, deployment or project; with
   * `projectIds`, only events of those projects (none about no project: agents, users), for
   * readers whose grants name projects.
   */
  list(filter: { afterId?: number; runId?: string; deploymentId?: string; projectId?: string; projectIds?: readonly string[]; limit: number }): Promise<SlipwayEvent[]>;
  /** The highest event id stored, 0 when there is none: where a reader of new events starts. */
  lastId(): Promise<number>;
}

export type NewLogLine = Omit<LogLine, 'id'>;

/** A page of the central log: the lines matching `LogFilter`, by id in `order`. */
export interface LogSearch extends LogFilter {
  /** desc: newest first (pages back with beforeId); asc: oldest first (pages forward with afterId). */
  order: 'asc' | 'desc';
  /** Only lines with a greater id. */
  afterId?: number;
  /** Only lines with a smaller id. */
  beforeId?: number;
  limit: number;
}

/** How much the central log holds; bytes are the estimate retention counts (text + 400 per line). */
export interface LogSize {
  lines: number;
  bytes: number;
}

export interface LogStore {
  /**
   * Stores lines in one transaction, skipping any whose (source, seq) is already stored (also a
   * repeat within the batch: the first one counts). Returns the lines it stored, with their ids,
   * in id order: ids grow in the order lines are stored. NUL characters in text are stored as U+FFFD.
   */
  append(lines: NewLogLine[]): Promise<LogLine[]>;
  /** Lines in the order stored, oldest first. */
  list(filter: { runId?: string; deploymentId?: string; host?: string; afterId?: number; limit: number }): Promise<LogLine[]>;
  /**
   * The lines matching every filter given (words, phrases and prefixes of `query` in the text,
   * fields equal, `since` ≤ at < `until`), between afterId and beforeId, at most `limit`, in id
   * order `order`. A query of any text never fails: parseLogQuery makes plain terms of it.
   */
  search(filter: LogSearch): Promise<LogLine[]>;
  /** The highest seq stored for a source, or -1. */
  maxSeq(source: string): Promise<number>;
  /** How many lines are stored and their estimated bytes. */
  size(): Promise<LogSize>;
  /** Removes every line with `at` before `at`; returns how many it removed. */
  deleteOlderThan(at: number): Promise<number>;
  /**
   * Removes the oldest lines (by id) until the estimated bytes are at most `maxBytes`; returns
   * how many it removed. Works in small transactions, so ingest is never held up for long.
   */
  deleteToFitSize(maxBytes: number): Promise<number>;
  /**
   * Adds lines stored but not yet in the full-text index to it, at most `maxIds` ids' worth in one
   * transaction. Search finds such lines before as after (more slowly before); this keeps its cost
   * low. PostgreSQL indexes behind ingest; SQLite indexes in `append`, so it has nothing to do.
   */
  indexPending(maxIds: number): Promise<LogIndexProgress>;
}

/** What one LogStore.indexPending call did. */
export interface LogIndexProgress {
  /** Lines added to the index. */
  indexed: number;
  /** Whether nothing waits to be indexed any more (as this call saw it). */
  done: boolean;
}

/** A secret as stored: its value sealed by the server (the store never sees the plaintext). */
export interface StoredSecret {
  projectId: string;
  /** The environment it is for; null: every environment of the project. */
  env: string | null;
  name: string;
  /** Build jobs get it too. */
  build: boolean;
  ciphertext: string;
  updatedAt: number;
}

export interface SecretStore {
  /**
   * Stores a secret, or replaces the one with the same project, env and name (its build flag and
   * ciphertext change). Returns whether it was new. Throws when the project is not stored.
   */
  put(secret: Omit<StoredSecret, 'updatedAt'>, at: number): Promise<{ created: boolean }>;
  /** The project's secrets by name, the project-wide one before those of environments (by env). */
  list(projectId: string): Promise<StoredSecret[]>;
  /** Every project's secrets (what the server masks in logs), in no particular order. */
  listAll(): Promise<StoredSecret[]>;
  /** Removes one; returns whether it was stored. */
  remove(projectId: string, env: string | null, name: string): Promise<boolean>;
}

/** Which audit entries to list, newest first; every field narrows the list. */
export interface AuditFilter {
  actor?: string;
  project?: string;
  /** Only entries at or after this time (ms). */
  since?: number;
  /** Paging back: only entries with a smaller seq. */
  beforeSeq?: number;
  limit: number;
}

/**
 * The audit log: append-only, hash-chained (see core/audit). Nothing here changes or removes an
 * entry; the database's own access is what an attacker would use, and verification catches it.
 */
export interface AuditStore {
  /**
   * Appends `entry` as the next number, chained to the newest entry by its hash, and moves the
   * chain head to it. Serialised with every other append (the chain head's row is locked for the
   * rest of the transaction), so concurrent appends form one chain. Inside `Store.transaction`,
   * the entry commits or rolls back with the rest of the work. Append after the transaction's
   * other writes: the head's lock is then the last one taken (no lock-order deadlock with another
   * transaction) and held only until the commit.
   */
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries matching `filter`, newest first (by seq). */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Entries with seq greater than `afterSeq`, oldest first: the chain in order, for verification. */
  read(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The chain head: the newest entry's seq and hash (seq 0 and the genesis hash before the first). */
  head(): Promise<AuditHead>;
}

/**
 * Leases: which of several server instances on one database runs a loop that must run once (the
 * engine, repo polling, log retention). Time is each instance's clock: leases last long enough
 * (seconds) that ordinary clock skew between servers does not matter.
 */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder` for `leaseMs` from now, or extends it when `holder` has
   * it; in one atomic statement, so two instances never both succeed. Fails (false) while another
   * holder's lease has not expired. "Now" is the database's clock (PostgreSQL: clock_timestamp()),
   * never the caller's: instances whose clocks disagree cannot both hold a lease.
   */
  acquire(name: string, holder: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease up at once (the holder is stopping), so another instance need not wait for it to expire. */
  release(name: string, holder: string): Promise<void>;
  /**
   * Inside a transaction: whether `holder` holds the lease `name` now, by the database's clock. On
   * PostgreSQL the lease's row also stays locked (FOR SHARE) until the transaction ends, so that no
   * other instance takes the lease over before what the transaction writes is committed: a holder
   * that stalled past its lease (a pause, a slow database) and confirms it in each transaction
   * never writes beside the instance that took over.
   */
  confirm(name: string, holder: string): Promise<boolean>;
}
