// Deployments and their hosts over Kysely: attempts to move an environment to a version.
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { ConflictError } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import type {
  Deployment, DeploymentHost, DeploymentKind, DeploymentLbCommand, DeploymentMigration, DeploymentStatus, FailureStep, HostStep, LbPurpose, RollbackCause,
} from '../../core/model.ts';
import { ACTIVE_DEPLOYMENT_STATUSES } from '../../core/model.ts';
import type { BatchSize } from '../../core/pipeline/slipway-config.ts';
import type { DeploymentStore, NewDeployment } from '../store.ts';
import { inTransaction } from './in-transaction.ts';
import { fromJson, fromJsonOrNull, patchColumns, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import type { Database, DeploymentHostsTable, DeploymentLbCommandsTable, DeploymentsTable, SqlDialectName } from './tables.ts';

/** The statuses of a deployment that has not ended; migration 015's partial unique index lists the same. */
const ACTIVE = [...ACTIVE_DEPLOYMENT_STATUSES];

/** The DeploymentStore of the port, over the `deployments` and `deployment_hosts` tables. */
/** Hosts per insert statement (12 values each). */
const HOSTS_PER_INSERT = 1000;

export function createKyselyDeploymentStore({ db, dialect, isUniqueViolation }: StoreContext): DeploymentStore {
  return {
    async create(deployment, hosts, at) {
      const row: Selectable<DeploymentsTable> = {
        id: newId(),
        project_id: deployment.projectId,
        env: deployment.env,
        version: deployment.version,
        run_id: deployment.runId,
        kind: deployment.kind,
        status: deployment.status ?? 'staging',
        batch: toJson(deployment.batch),
        forced: deployment.forced ? 1 : 0,
        requested_by: deployment.requestedBy,
        cause: null,
        error: null,
        migration: deployment.migration ? toJson(deployment.migration) : null,
        created_at: at,
        finished_at: null,
      };
      await inTransaction(db, async (trx) => {
        // Read first: on PostgreSQL a failed statement aborts the whole transaction, which may be
        // the caller's, so the common refusal must not come from a failed insert.
        const active = await activeDeployment(trx, deployment);
        if (active) throw deploymentActive(deployment.env, active);
        try {
          await insertGuarded(trx, dialect, (t) => t.insertInto('deployments').values(row).execute());
        } catch (error) {
          // The unique index is the backstop: another server instance started one since the read.
          if (!isUniqueViolation(error)) throw error;
          throw deploymentActive(deployment.env, await activeDeployment(trx, deployment), error);
        }
        // In slices: a statement takes at most 32,766 bound values on SQLite, 65,535 on PostgreSQL.
        for (let i = 0; i < hosts.length; i += HOSTS_PER_INSERT) {
          await trx.insertInto('deployment_hosts').values(hosts.slice(i, i + HOSTS_PER_INSERT).map((host) => ({
            deployment_id: row.id,
            agent_id: host.agentId,
            host_name: host.hostName,
            batch: host.batch,
            previous_version: host.previousVersion ?? null,
            step: 'pending',
            error: null,
            failed_step: null,
            log_tail: '[]',
            command_id: null,
            command_sent_at: null,
            updated_at: at,
          }))).execute();
        }
      });
      return toDeployment(row);
    },

    async get(id) {
      const row = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toDeployment(row);
    },

    async listActive() {
      const rows = await db.selectFrom('deployments').selectAll()
        .where('status', 'in', ACTIVE).orderBy('created_at').orderBy('id').execute();
      return rows.map(toDeployment);
    },

    async list(projectId, filter) {
      let query = db.selectFrom('deployments').selectAll().where('project_id', '=', projectId);
      if (filter.env !== undefined) query = query.where('env', '=', filter.env);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map(toDeployment);
    },

    async update(id, patch) {
      const set = patchColumns<typeof patch, DeploymentsTable>(
        patch,
        { status: 'status', cause: 'cause', error: 'error', finishedAt: 'finished_at', migration: 'migration' },
        { cause: toJson, migration: toJson },
      );
      if (set) await db.updateTable('deployments').set(set).where('id', '=', id).execute();
    },

    async hosts(deploymentId) {
      const rows = await db.selectFrom('deployment_hosts').selectAll()
        .where('deployment_id', '=', deploymentId).orderBy('batch').orderBy('host_name').execute();
      return rows.map(toHost);
    },

    async updateHost(deploymentId, agentId, patch) {
      const set = patchColumns<typeof patch, DeploymentHostsTable>(
        patch,
        {
          previousVersion: 'previous_version',
          step: 'step',
          error: 'error',
          failedStep: 'failed_step',
          logTail: 'log_tail',
          commandId: 'command_id',
          commandSentAt: 'command_sent_at',
          updatedAt: 'updated_at',
        },
        { logTail: toJson },
      );
      if (set === undefined) return;
      await db.updateTable('deployment_hosts').set(set)
        .where('deployment_id', '=', deploymentId).where('agent_id', '=', agentId).execute();
    },

    async addLbCommands(commands) {
      if (commands.length === 0) return;
      await db.insertInto('deployment_lb_commands').values(commands.map((c) => ({
        command_id: c.commandId,
        deployment_id: c.deploymentId,
        lb_agent_id: c.lbAgentId,
        host_agent_id: c.hostAgentId,
        purpose: c.purpose,
        intended: c.intended,
        round: c.round,
        sent_at: c.sentAt,
      }))).execute();
    },

    async lbCommands(deploymentId) {
      const rows = await db.selectFrom('deployment_lb_commands').selectAll()
        .where('deployment_id', '=', deploymentId).orderBy('round').orderBy('lb_agent_id').execute();
      return rows.map(toLbCommand);
    },
  };
}

function toLbCommand(row: Selectable<DeploymentLbCommandsTable>): DeploymentLbCommand {
  return {
    deploymentId: row.deployment_id,
    commandId: row.command_id,
    lbAgentId: row.lb_agent_id,
    hostAgentId: row.host_agent_id,
    purpose: row.purpose as LbPurpose,
    intended: row.intended as DeploymentLbCommand['intended'],
    round: row.round,
    sentAt: row.sent_at,
  };
}

type ActiveDeployment = Pick<Deployment, 'id' | 'version' | 'status'>;

/** The environment's deployment that has not ended, if any. */
function activeDeployment(db: Kysely<Database>, deployment: NewDeployment): Promise<ActiveDeployment | undefined> {
  return db.selectFrom('deployments').select(['id', 'version', 'status'])
    .where('project_id', '=', deployment.projectId).where('env', '=', deployment.env)
    .where('status', 'in', ACTIVE).executeTakeFirst() as Promise<ActiveDeployment | undefined>;
}

function deploymentActive(env: string, active: ActiveDeployment | undefined, cause?: unknown): ConflictError {
  const which = active ? ` (${active.id}: ${active.version}, ${active.status})` : '';
  return new ConflictError(
    'SLIPWAY_DEPLOYMENT_ACTIVE',
    `environment ${env} already has a deployment in progress${which}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Runs one statement that may fail on a unique index inside `trx` so that the transaction
 * survives the failure: on PostgreSQL under a savepoint rolled back on error (a failed statement
 * would abort the transaction); SQLite undoes only the failed statement by itself.
 */
async function insertGuarded(trx: Kysely<Database>, dialect: SqlDialectName, insert: (trx: Kysely<Database>) => Promise<unknown>): Promise<void> {
  if (dialect !== 'postgres') {
    await insert(trx);
    return;
  }
  await sql`savepoint slipway_guarded_insert`.execute(trx);
  try {
    await insert(trx);
  } catch (error) {
    await sql`rollback to savepoint slipway_guarded_insert`.execute(trx);
    throw error;
  }
  await sql`release savepoint slipway_guarded_insert`.execute(trx);
}

function toDeployment(row: Selectable<DeploymentsTable>): Deployment {
  return {
    id: row.id,
    projectId: row.project_id,
    env: row.env,
    version: row.version,
    runId: row.run_id,
    kind: row.kind as DeploymentKind,
    status: row.status as DeploymentStatus,
    batch: fromJson<BatchSize>(row.batch),
    forced: row.forced !== 0,
    requestedBy: row.requested_by,
    cause: fromJsonOrNull<RollbackCause>(row.cause),
    error: row.error,
    migration: fromJsonOrNull<DeploymentMigration>(row.migration),
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

function toHost(row: Selectable<DeploymentHostsTable>): DeploymentHost {
  return {
    deploymentId: row.deployment_id,
    agentId: row.agent_id,
    hostName: row.host_name,
    batch: row.batch,
    previousVersion: row.previous_version,
    step: row.step as HostStep,
    error: row.error,
    failedStep: row.failed_step as FailureStep | null,
    logTail: fromJson<string[]>(row.log_tail),
    commandId: row.command_id,
    commandSentAt: row.command_sent_at,
    updatedAt: row.updated_at,
  };
}
