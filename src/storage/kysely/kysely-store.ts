// The Store port implemented once over Kysely; the SQLite and PostgreSQL adapters only open the
// database, run the migrations and say how their driver reports a duplicate key.
import type { LogStore, Store } from '../store.ts';
import { createKyselyAgentStore } from './agent-store.ts';
import { createKyselyArtifactStore } from './artifact-store.ts';
import { createKyselyCommandStore } from './command-store.ts';
import { createKyselyDeploymentStore } from './deployment-store.ts';
import { createKyselyEnvironmentStore } from './environment-store.ts';
import { createKyselyEventStore } from './event-store.ts';
import { createKyselyJobStore } from './job-store.ts';
import { createKyselyLogStore } from './log-store.ts';
import { createKyselyProjectStore } from './project-store.ts';
import { createKyselyRunStore } from './run-store.ts';
import type { StoreContext } from './store-context.ts';

/**
 * A Store over an open, migrated database. `close` releases the connection(s); it runs once,
 * and later calls resolve without doing anything. `adapter.appendLogs` is the adapter's own way of
 * storing log lines (the ingest hot path).
 */
export function createKyselyStore(context: StoreContext, adapter: { appendLogs: LogStore['append'] }): Store {
  let closing: Promise<void> | undefined;
  return {
    projects: createKyselyProjectStore(context),
    runs: createKyselyRunStore(context),
    jobs: createKyselyJobStore(context),
    artifacts: createKyselyArtifactStore(context),
    agents: createKyselyAgentStore(context),
    deployments: createKyselyDeploymentStore(context),
    environments: createKyselyEnvironmentStore(context),
    commands: createKyselyCommandStore(context),
    events: createKyselyEventStore(context),
    logs: createKyselyLogStore(context, adapter.appendLogs),
    close() {
      closing ??= context.db.destroy();
      return closing;
    },
  };
}
