// Jobs over Kysely: builds, verifies and migrations waiting for, or running on, a runner.
import type { Selectable } from 'kysely';
import type { Job, JobKind, JobOwner, JobStatus } from '../../core/model.ts';
import type { JobSpec } from '../../core/protocol/messages.ts';
import type { JobStore, JobWithSpec } from '../store.ts';
import { fromJson, patchColumns, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import type { JobsTable } from './tables.ts';

/** The JobStore of the port, over the `jobs` table. */
export function createKyselyJobStore({ db }: StoreContext): JobStore {
  return {
    async create(job, at) {
      const { owner } = job;
      const row = {
        id: job.spec.jobId,
        run_id: owner.kind === 'stage' ? owner.runId : null,
        stage_id: owner.kind === 'stage' ? owner.stageId : null,
        deployment_id: owner.kind === 'deployment' ? owner.deploymentId : null,
        kind: job.kind,
        status: 'queued',
        spec: toJson(job.spec),
        agent_id: null,
        command_id: null,
        error: null,
        created_at: at,
        started_at: null,
        finished_at: null,
      };
      await db.insertInto('jobs').values(row).execute();
      return toJob({ ...row, seq: 0 });
    },

    async get(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toJobWithSpec(row);
    },

    async listByRun(runId) {
      const rows = await db.selectFrom('jobs').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
      return rows.map(toJob);
    },

    async listByDeployment(deploymentId) {
      const rows = await db.selectFrom('jobs').selectAll().where('deployment_id', '=', deploymentId).orderBy('seq').execute();
      return rows.map(toJob);
    },

    async claim(id, agentId, commandId, at) {
      const outcome = await db.updateTable('jobs')
        .set({ status: 'running', agent_id: agentId, command_id: commandId, started_at: at })
        .where('id', '=', id).where('status', '=', 'queued')
        .executeTakeFirst();
      return outcome.numUpdatedRows > 0n;
    },

    async listActive() {
      const rows = await db.selectFrom('jobs').selectAll().where('status', 'in', ['queued', 'running']).orderBy('seq').execute();
      return rows.map(toJob);
    },

    async update(id, patch) {
      const set = patchColumns<typeof patch, JobsTable>(patch, {
        status: 'status',
        error: 'error',
        finishedAt: 'finished_at',
        agentId: 'agent_id',
        commandId: 'command_id',
        startedAt: 'started_at',
      });
      if (set) await db.updateTable('jobs').set(set).where('id', '=', id).execute();
    },
  };
}

function toOwner(row: Selectable<JobsTable>): JobOwner {
  if (row.deployment_id !== null) return { kind: 'deployment', deploymentId: row.deployment_id };
  // The table's check constraint: a job without a deployment has a run and a stage.
  return { kind: 'stage', runId: row.run_id!, stageId: row.stage_id! };
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    owner: toOwner(row),
    kind: row.kind as JobKind,
    status: row.status as JobStatus,
    agentId: row.agent_id,
    commandId: row.command_id,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Specs stored before jobs could belong to a deployment have no deploymentId: null then. */
function toJobWithSpec(row: Selectable<JobsTable>): JobWithSpec {
  const spec = fromJson<Omit<JobSpec, 'deploymentId'> & { deploymentId?: string | null }>(row.spec);
  return { ...toJob(row), spec: { ...spec, deploymentId: spec.deploymentId ?? null } };
}
