// The Store port implemented once over Kysely; the SQLite and PostgreSQL adapters only open the
// database, run the migrations and say how their driver reports a duplicate key.
import type { LogStore, Store } from '../store.ts';
import { createKyselyAgentStore } from './agent-store.ts';
import { createKyselyAuditStore } from './audit-store.ts';
import { createKyselyArtifactStore } from './artifact-store.ts';
import { createKyselyCommandStore } from './command-store.ts';
import { createKyselyDeploymentStore } from './deployment-store.ts';
import { createKyselyEnvironmentStore } from './environment-store.ts';
import { createKyselyEventStore } from './event-store.ts';
import { createKyselyJobStore } from './job-store.ts';
import { createKyselyLeaseStore } from './lease-store.ts';
import { createKyselyProjectStore } from './project-store.ts';
import { createKyselyRunStore } from './run-store.ts';
import { createKyselySecretStore } from './secret-store.ts';
import type { StoreContext } from './store-context.ts';
import { createKyselyUploadStore } from './upload-store.ts';
import { createKyselyUserStore } from './user-store.ts';

/** What an adapter adds to the shared Kysely code. */
export interface KyselyStoreAdapter {
  /**
   * The adapter's own central log (the ingest hot path and how lines are kept differ most between
   * dialects), over `context.db`: the database, or a transaction the lines must be stored in.
   */
  logs: (context: StoreContext) => LogStore;
}

/**
 * A Store over an open, migrated database, or over a transaction of one (`context.db` is then a
 * Kysely Transaction). `close` releases the connection(s); it runs once, and later calls resolve
 * without doing anything.
 */
export function createKyselyStore(context: StoreContext, adapter: KyselyStoreAdapter): Store {
  const { db } = context;
  let closing: Promise<void> | undefined;
  const store: Store = {
    projects: createKyselyProjectStore(context),
    runs: createKyselyRunStore(context),
    jobs: createKyselyJobStore(context),
    artifacts: createKyselyArtifactStore(context),
    agents: createKyselyAgentStore(context),
    deployments: createKyselyDeploymentStore(context),
    environments: createKyselyEnvironmentStore(context),
    commands: createKyselyCommandStore(context),
    uploads: createKyselyUploadStore(context),
    events: createKyselyEventStore(context),
    logs: adapter.logs(context),
    users: createKyselyUserStore(context),
    secrets: createKyselySecretStore(context),
    audit: createKyselyAuditStore(context),
    leases: createKyselyLeaseStore(context),
    transaction(work) {
      if (db.isTransaction) return work(store);
      return db.transaction().execute((trx) => work(createKyselyStore({ ...context, db: trx }, adapter)));
    },
    close() {
      if (db.isTransaction) return Promise.reject(new Error('a store bound to a transaction cannot be closed'));
      closing ??= db.destroy();
      return closing;
    },
  };
  return store;
}
