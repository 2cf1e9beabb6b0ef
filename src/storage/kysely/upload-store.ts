// One-time artifact upload tokens over Kysely: the `artifact_uploads` table, one row per build job.
import type { Selectable } from 'kysely';
import type { UploadGrant, UploadStore } from '../store.ts';
import type { StoreContext } from './store-context.ts';
import type { ArtifactUploadsTable } from './tables.ts';

/** The UploadStore of the port. */
export function createKyselyUploadStore({ db }: StoreContext): UploadStore {
  return {
    async issue(grant, at) {
      const row = { job_id: grant.jobId, agent_id: grant.agentId, token_hash: grant.tokenHash, sha256: null, size: null, created_at: at, uploaded_at: null };
      await db.insertInto('artifact_uploads').values(row).execute();
      return toGrant(row);
    },

    async getByTokenHash(tokenHash) {
      const row = await db.selectFrom('artifact_uploads').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toGrant(row);
    },

    async getByJob(jobId) {
      const row = await db.selectFrom('artifact_uploads').selectAll().where('job_id', '=', jobId).executeTakeFirst();
      return row && toGrant(row);
    },

    async record(jobId, upload, at) {
      // The condition on `sha256` makes the first upload win, even when two arrive at once.
      const outcome = await db.updateTable('artifact_uploads')
        .set({ sha256: upload.sha256, size: upload.size, uploaded_at: at })
        .where('job_id', '=', jobId).where('sha256', 'is', null)
        .executeTakeFirst();
      return outcome.numUpdatedRows > 0n;
    },
  };
}

function toGrant(row: Selectable<ArtifactUploadsTable>): UploadGrant {
  return {
    jobId: row.job_id,
    agentId: row.agent_id,
    tokenHash: row.token_hash,
    upload: row.sha256 === null || row.size === null ? null : { sha256: row.sha256, size: Number(row.size) },
    createdAt: Number(row.created_at),
    uploadedAt: row.uploaded_at === null ? null : Number(row.uploaded_at),
  };
}
