// Migration 007 on a SQLite database an older server left behind: a pending command that no host
// or job points at is cancelled; every other command stays as it was.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';
import { initialMigration } from './001-initial.ts';
import { logSearchMigration } from './002-log-search.ts';
import { jobOwnerMigration } from './003-job-owner.ts';
import { principalsMigration } from './004-principals.ts';
import { projectPollErrorMigration } from './005-project-poll-error.ts';
import { hostFailedStepMigration } from './006-host-failed-step.ts';
import { ORPHAN_CANCELLATION } from './007-cancel-orphan-commands.ts';
import { runMigrator } from './run-migrator.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-migration-007-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A database at schema 006 with an agent and four commands: an orphan, one a host waits for, one a job waits for, one answered. */
async function databaseBefore007(file: string): Promise<void> {
  const sqlite = new SqliteDatabase(file);
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({
    '001-initial': initialMigration('sqlite'), '002-log-search': logSearchMigration('sqlite'), '003-job-owner': jobOwnerMigration('sqlite'),
    '004-principals': principalsMigration(), '005-project-poll-error': projectPollErrorMigration(), '006-host-failed-step': hostFailedStepMigration(),
  }) } });
  const { error } = await runMigrator(migrator);
  if (error !== undefined) throw new Error('migrating to 006 failed', { cause: error });
  sqlite.exec(`
    insert into projects (id, name, repo_url, branch, poll_interval_ms, webhook_secret, run_count, created_at) values ('p1', 'hello', 'r', 'main', 1, 's', 1, 1);
    insert into runs (id, project_id, number, sha, ref, message, author, trigger, status, version, created_at) values ('r1', 'p1', 1, '0123456789', 'main', 'm', 'a', 'manual', 'running', '1-0123456', 1);
    insert into stages (id, run_id, name, kind, position, status) values ('s1', 'r1', 'build', 'build', 0, 'running');
    insert into agents (id, name, labels, token_hash, address, online, last_seen_at, apps, enrolled_at) values ('a1', 'web-1', '{}', 'h', 'x', 0, 1, '[]', 1);
    insert into deployments (id, project_id, env, version, kind, status, batch, forced, requested_by, created_at) values ('d1', 'p1', 'production', '1-0123456', 'deploy', 'staging', '1', 0, 'x', 1);
    insert into deployment_hosts (deployment_id, agent_id, host_name, batch, step, log_tail, command_id, updated_at) values ('d1', 'a1', 'web-1', 0, 'staging', '[]', 'for-host', 1);
    insert into jobs (id, run_id, stage_id, kind, status, spec, agent_id, command_id, created_at) values ('j1', 'r1', 's1', 'build', 'running', '{}', 'a1', 'for-job', 1);
    insert into agent_commands (id, agent_id, command, created_at) values ('orphan', 'a1', '{"kind":"deactivate","app":"hello"}', 1);
    insert into agent_commands (id, agent_id, command, created_at) values ('for-host', 'a1', '{"kind":"deactivate","app":"hello"}', 2);
    insert into agent_commands (id, agent_id, command, created_at) values ('for-job', 'a1', '{"kind":"deactivate","app":"hello"}', 3);
    insert into agent_commands (id, agent_id, command, result, created_at, completed_at) values ('answered', 'a1', '{"kind":"deactivate","app":"hello"}', '{"ok":true}', 4, 5);
  `);
  await db.destroy();
}

describe('migration 007-cancel-orphan-commands', () => {
  it('cancels the pending commands no host or job waits for, and leaves the others', async () => {
    const file = join(dir, 'commands.db');
    await databaseBefore007(file);
    const store = await openSqliteStore(file);
    try {
      expect((await store.commands.listPending('a1')).map((c) => c.id)).toEqual(['for-host', 'for-job']);
      expect((await store.commands.get('orphan'))?.result).toEqual(JSON.parse(ORPHAN_CANCELLATION));
      expect((await store.commands.get('answered'))?.result).toEqual({ ok: true });
    } finally {
      await store.close();
    }
  });
});
