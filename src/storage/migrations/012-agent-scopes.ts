// What an agent is part of, and one-time artifact upload tokens (issue 7).
// `agent_command_scopes`: the runs, deployments, artifacts and source trees that the commands sent
// to an agent name (kept beside each command as it is written: log lines and downloads are checked
// against them). Commands written before this migration get theirs here, so that an app activated
// long ago may still tag its lines with its deployment.
// `artifact_uploads`: per build job, the hash of the upload token given to its runner and, once
// the runner uploaded, what it uploaded.
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/** Rows read and written at a time while filling in the scopes of older commands. */
const PAGE = 500;

export function agentScopesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('agent_command_scopes')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_command_scopes_pk', ['agent_id', 'kind', 'ref'])
        .execute();
      await db.schema.createTable('artifact_uploads')
        .addColumn('job_id', 'text', (c) => c.primaryKey().references('jobs.id'))
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('sha256', 'text')
        .addColumn('size', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('uploaded_at', 'bigint')
        .execute();
      await backfillScopes(db);
    },
  };
}

/**
 * The scopes of the commands already stored, as `scopesOfCommand` (core/agents/agent-scope.ts)
 * names them today; written out here so that this migration means the same when that changes.
 */
async function backfillScopes(db: Kysely<unknown>): Promise<void> {
  for (let after = 0; ;) {
    const { rows } = await sql<{ seq: number; agent_id: string; command: string; created_at: number }>`
      select seq, agent_id, command, created_at from agent_commands where seq > ${after} order by seq limit ${PAGE}`.execute(db);
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1]!.seq);
    const scopes = new Map<string, { agent_id: string; kind: string; ref: string; created_at: number }>();
    for (const row of rows) {
      for (const [kind, ref] of scopesOf(row.command)) {
        scopes.set(`${row.agent_id}\n${kind}\n${ref}`, { agent_id: row.agent_id, kind, ref, created_at: Number(row.created_at) });
      }
    }
    for (const scope of scopes.values()) {
      await sql`insert into agent_command_scopes (agent_id, kind, ref, created_at)
        values (${scope.agent_id}, ${scope.kind}, ${scope.ref}, ${scope.created_at}) on conflict do nothing`.execute(db);
    }
  }
}

function scopesOf(text: string): [string, string][] {
  let command: Record<string, unknown>;
  try {
    command = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [];
  }
  const found: [string, string][] = [];
  const add = (kind: string, ref: unknown) => {
    if (typeof ref === 'string' && ref !== '') found.push([kind, ref]);
  };
  if (command.kind === 'prepare' || command.kind === 'activate') {
    add('run', command.runId);
    add('deployment', command.deploymentId);
    if (command.kind === 'prepare') add('artifact', command.sha256);
  } else if (command.kind === 'job' && typeof command.job === 'object' && command.job !== null) {
    const job = command.job as Record<string, unknown>;
    add('run', job.runId);
    add('deployment', job.deploymentId);
    if (typeof job.project === 'string' && typeof job.sha === 'string') add('source', `${job.project}@${job.sha}`);
  }
  return found;
}
