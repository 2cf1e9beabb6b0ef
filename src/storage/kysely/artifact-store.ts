// Artifacts over Kysely: the versions builds produced, and which of them are quarantined.
import type { Selectable } from 'kysely';
import { ConflictError } from '../../base/errors.ts';
import type { Artifact, RollbackSafety } from '../../core/model.ts';
import type { ArtifactStore } from '../store.ts';
import { fromJsonOrNull, toJson, type StoreContext } from './store-context.ts';
import type { ArtifactsTable } from './tables.ts';

/** The ArtifactStore of the port, over the `artifacts` table. */
export function createKyselyArtifactStore({ db, isUniqueViolation }: StoreContext): ArtifactStore {
  return {
    async create(artifact, at) {
      const row = {
        project_id: artifact.projectId,
        version: artifact.version,
        run_id: artifact.runId,
        sha256: artifact.sha256,
        size: artifact.size,
        created_at: at,
        quarantined_at: null,
        quarantine_reason: null,
        rollback_safety: null,
      };
      try {
        await db.insertInto('artifacts').values(row).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new ConflictError('SLIPWAY_VERSION_EXISTS', `version ${artifact.version} already exists`, { cause: error });
      }
      return toArtifact(row);
    },

    async get(projectId, version) {
      const row = await db.selectFrom('artifacts').selectAll()
        .where('project_id', '=', projectId).where('version', '=', version).executeTakeFirst();
      return row && toArtifact(row);
    },

    async hasSha256(sha256) {
      const row = await db.selectFrom('artifacts').select('version').where('sha256', '=', sha256).limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async list(projectId, limit) {
      const rows = await db.selectFrom('artifacts').selectAll().where('project_id', '=', projectId)
        .orderBy('created_at', 'desc').orderBy('version', 'desc').limit(limit).execute();
      return rows.map(toArtifact);
    },

    async quarantine(projectId, version, reason, at) {
      // The first reason is the one that explains the rollback; a later one must not hide it.
      await db.updateTable('artifacts').set({ quarantined_at: at, quarantine_reason: reason })
        .where('project_id', '=', projectId).where('version', '=', version).where('quarantined_at', 'is', null)
        .execute();
    },

    async setRollbackSafety(projectId, version, safety) {
      await db.updateTable('artifacts').set({ rollback_safety: toJson(safety) })
        .where('project_id', '=', projectId).where('version', '=', version).execute();
    },
  };
}

function toArtifact(row: Selectable<ArtifactsTable>): Artifact {
  return {
    projectId: row.project_id,
    version: row.version,
    runId: row.run_id,
    sha256: row.sha256,
    size: row.size,
    createdAt: row.created_at,
    quarantinedAt: row.quarantined_at,
    quarantineReason: row.quarantine_reason,
    rollbackSafety: fromJsonOrNull<RollbackSafety>(row.rollback_safety),
  };
}
