// Runs and their stages over Kysely: one pass of the pipeline for one commit.
import type { Selectable } from 'kysely';
import { ConflictError, NotFoundError } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import type { Run, RunStatus, RunTrigger, Stage, StageKind, StageStatus } from '../../core/model.ts';
import { configFromSnapshot } from '../../core/pipeline/config-from-snapshot.ts';
import type { RunStore } from '../store.ts';
import { inTransaction } from './in-transaction.ts';
import { fromJsonOrNull, patchColumns, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import type { RunsTable, StagesTable } from './tables.ts';

const ACTIVE: RunStatus[] = ['queued', 'running'];

/** The RunStore of the port, over the `runs` and `stages` tables. */
export function createKyselyRunStore({ db }: StoreContext): RunStore {
  return {
    create(run, at) {
      return inTransaction(db, async (trx) => {
        // Bumping the project's counter takes its row lock (a write lock on SQLite) first, so
        // concurrent creators queue here and each gets the next number.
        const counter = await trx.updateTable('projects')
          .set((eb) => ({ run_count: eb('run_count', '+', 1) }))
          .where('id', '=', run.projectId)
          .returning('run_count')
          .executeTakeFirst();
        if (counter === undefined) {
          throw new NotFoundError('SLIPWAY_PROJECT_NOT_FOUND', `no project with id ${run.projectId}`);
        }
        const failed = run.error !== null;
        const row: Selectable<RunsTable> = {
          id: newId(),
          project_id: run.projectId,
          number: counter.run_count,
          sha: run.sha,
          ref: run.ref,
          message: run.message,
          author: run.author,
          trigger: run.trigger,
          requested_by: run.requestedBy ?? null,
          status: failed ? 'failed' : 'queued',
          config: run.config === null ? null : toJson(run.config),
          version: `${counter.run_count}-${run.sha.slice(0, 7)}`,
          error: run.error,
          created_at: at,
          finished_at: failed ? at : null,
          triggered_sha: run.onePerCommit ? run.sha : null,
        };
        // Not a unique violation, which would abort a PostgreSQL transaction: nothing inserted, then refused.
        const inserted = await trx.insertInto('runs').values(row).onConflict((conflict) => conflict.doNothing()).returning('id').executeTakeFirst();
        if (inserted === undefined) {
          throw new ConflictError('SLIPWAY_RUN_EXISTS', `the project has a run for commit ${run.sha.slice(0, 7)} already`);
        }
        if (run.stages.length > 0) {
          await trx.insertInto('stages').values(run.stages.map((stage, position) => ({
            id: newId(),
            run_id: row.id,
            name: stage.name,
            kind: stage.kind,
            position,
            status: 'pending',
            deployment_id: null,
            job_id: null,
            rehearsal_id: null,
            approved_by: null,
            error: null,
            started_at: null,
            finished_at: null,
          }))).execute();
        }
        return toRun(row);
      });
    },

    async get(id) {
      const row = await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRun(row);
    },

    async getByNumber(projectId, number) {
      const row = await db.selectFrom('runs').selectAll()
        .where('project_id', '=', projectId).where('number', '=', number).executeTakeFirst();
      return row && toRun(row);
    },

    async list(projectId, limit) {
      const rows = await db.selectFrom('runs').selectAll()
        .where('project_id', '=', projectId).orderBy('number', 'desc').limit(limit).execute();
      return rows.map(toRun);
    },

    async listActive() {
      const rows = await db.selectFrom('runs').selectAll()
        .where('status', 'in', ACTIVE).orderBy('created_at').orderBy('number').execute();
      return rows.map(toRun);
    },

    async hasSha(projectId, sha) {
      const row = await db.selectFrom('runs').select('id')
        .where('project_id', '=', projectId).where('sha', '=', sha).limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async update(id, patch) {
      const set = patchColumns<typeof patch, RunsTable>(patch, { status: 'status', error: 'error', finishedAt: 'finished_at' });
      if (set) await db.updateTable('runs').set(set).where('id', '=', id).execute();
    },

    async stages(runId) {
      const rows = await db.selectFrom('stages').selectAll().where('run_id', '=', runId).orderBy('position').execute();
      return rows.map(toStage);
    },

    async updateStage(id, patch) {
      const set = patchColumns<typeof patch, StagesTable>(patch, {
        status: 'status',
        deploymentId: 'deployment_id',
        jobId: 'job_id',
        rehearsalId: 'rehearsal_id',
        approvedBy: 'approved_by',
        error: 'error',
        startedAt: 'started_at',
        finishedAt: 'finished_at',
      });
      if (set) await db.updateTable('stages').set(set).where('id', '=', id).execute();
    },

    async approveStage(id, by) {
      const outcome = await db.updateTable('stages').set({ approved_by: by })
        .where('id', '=', id).where('approved_by', 'is', null).executeTakeFirst();
      return outcome.numUpdatedRows > 0n;
    },

    async addApproval(approval) {
      // A write to the stage's row first: on PostgreSQL it holds the row until the transaction
      // ends, so a concurrent approval of the same stage waits and then reads this one (SQLite's
      // transactions hold the write lock from their start anyway).
      await db.updateTable('stages').set((eb) => ({ approved_by: eb.ref('approved_by') })).where('id', '=', approval.stageId).execute();
      // ON CONFLICT DO NOTHING, not a caught unique violation: on PostgreSQL that would spoil the transaction.
      const outcome = await db.insertInto('stage_approvals')
        .values({ stage_id: approval.stageId, approver_key: approval.approverKey, approver: approval.approver, at: approval.at })
        .onConflict((oc) => oc.columns(['stage_id', 'approver_key']).doNothing())
        .executeTakeFirst();
      return (outcome.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    async approvals(stageId) {
      const rows = await db.selectFrom('stage_approvals').selectAll().where('stage_id', '=', stageId).orderBy('at').orderBy('approver_key').execute();
      return rows.map((row) => ({ stageId: row.stage_id, approverKey: row.approver_key, approver: row.approver, at: row.at }));
    },
  };
}

function toRun(row: Selectable<RunsTable>): Run {
  return {
    id: row.id,
    projectId: row.project_id,
    number: row.number,
    sha: row.sha,
    ref: row.ref,
    message: row.message,
    author: row.author,
    trigger: row.trigger as RunTrigger,
    requestedBy: row.requested_by,
    status: row.status as RunStatus,
    // Runs from before the config was normalized stored the file's form: both read back normalized.
    config: row.config === null ? null : configFromSnapshot(fromJsonOrNull<unknown>(row.config)),
    version: row.version,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

function toStage(row: Selectable<StagesTable>): Stage {
  return {
    id: row.id,
    runId: row.run_id,
    name: row.name,
    kind: row.kind as StageKind,
    position: row.position,
    status: row.status as StageStatus,
    deploymentId: row.deployment_id,
    jobId: row.job_id,
    rehearsalId: row.rehearsal_id,
    approvedBy: row.approved_by,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
