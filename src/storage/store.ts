// The Store port: everything Slipway remembers. The engine writes what it decides here first and
// acts second, so that a restarted server resumes from this state. Adapters: SqliteStore, PostgresStore.
// Each store port is in its own file beside this one (project-store.ts, log-store.ts, …); import
// them, and the types that go with them, from here.
import type { ProjectStore } from './project-store.ts';
import type { RunStore } from './run-store.ts';
import type { JobStore } from './job-store.ts';
import type { ArtifactStore } from './artifact-store.ts';
import type { AgentStore } from './agent-store.ts';
import type { UserStore } from './user-store.ts';
import type { DeploymentStore } from './deployment-store.ts';
import type { EnvironmentStore } from './environment-store.ts';
import type { CommandStore } from './command-store.ts';
import type { UploadStore } from './upload-store.ts';
import type { EventStore } from './event-store.ts';
import type { LogStore } from './log-store.ts';
import type { SecretStore } from './secret-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { LeaseStore } from './lease-store.ts';

export type { NewProject, ProjectStore } from './project-store.ts';
export type { NewRun, RunStore } from './run-store.ts';
export type { JobWithSpec, NewJob, JobStore } from './job-store.ts';
export type { ArtifactStore } from './artifact-store.ts';
export type { NewAgent, AgentLiveFields, AgentStore, ConnectionChange } from './agent-store.ts';
export type { UserWithGrants, NewUserToken, UserIdentity, UserStore } from './user-store.ts';
export type { NewDeployment, NewDeploymentHost, DeploymentStore } from './deployment-store.ts';
export type { EnvironmentStore } from './environment-store.ts';
export type { AgentCommand, CommandCompletion, CommandStore } from './command-store.ts';
export type { UploadGrant, UploadStore } from './upload-store.ts';
export type { NewEvent, EventStore } from './event-store.ts';
export type { NewLogLine, LogSearch, LogSize, LogStore, LogIndexProgress } from './log-store.ts';
export type { StoredSecret, SecretStore } from './secret-store.ts';
export type { AuditFilter, AuditStore } from './audit-store.ts';
export type { LeaseStore } from './lease-store.ts';

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
