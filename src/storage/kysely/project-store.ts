// Projects over Kysely: the git repositories Slipway watches.
import type { Selectable } from 'kysely';
import { ConflictError } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import type { Project } from '../../core/model.ts';
import type { ProjectStore } from '../store.ts';
import type { StoreContext } from './store-context.ts';
import type { ProjectsTable } from './tables.ts';

/** The ProjectStore of the port, over the `projects` table. */
export function createKyselyProjectStore({ db, isUniqueViolation }: StoreContext): ProjectStore {
  return {
    async create(project, at) {
      const row = {
        id: newId(),
        name: project.name,
        repo_url: project.repoUrl,
        branch: project.branch,
        poll_interval_ms: project.pollIntervalMs,
        webhook_secret: project.webhookSecret,
        last_seen_sha: null,
        poll_error: null,
        poll_error_at: null,
        created_at: at,
      };
      try {
        await db.insertInto('projects').values(row).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new ConflictError('SLIPWAY_PROJECT_EXISTS', `a project named "${project.name}" already exists`, { cause: error });
      }
      return toProject({ ...row, run_count: 0 });
    },

    async get(id) {
      const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toProject(row);
    },

    async getByName(name) {
      const row = await db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toProject(row);
    },

    async list() {
      const rows = await db.selectFrom('projects').selectAll().orderBy('name').execute();
      return rows.map(toProject);
    },

    async setLastSeenSha(id, sha) {
      await db.updateTable('projects').set({ last_seen_sha: sha }).where('id', '=', id).execute();
    },

    async setPollError(id, error) {
      await db.updateTable('projects').set({ poll_error: error?.message ?? null, poll_error_at: error?.at ?? null }).where('id', '=', id).execute();
    },
  };
}

function toProject(row: Selectable<ProjectsTable>): Project {
  return {
    id: row.id,
    name: row.name,
    repoUrl: row.repo_url,
    branch: row.branch,
    pollIntervalMs: row.poll_interval_ms,
    webhookSecret: row.webhook_secret,
    lastSeenSha: row.last_seen_sha,
    pollError: row.poll_error === null ? null : { message: row.poll_error, at: Number(row.poll_error_at ?? 0) },
    createdAt: row.created_at,
  };
}
