// Migration 012 on a SQLite database an older server left behind: the commands already sent make
// their agents part of what they name, answered ones too (an app activated long ago still tags
// its lines with its deployment); a command that is not JSON names nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentScope } from '../../core/agents/agent-scope.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';
import { initialMigration } from './001-initial.ts';
import { logSearchMigration } from './002-log-search.ts';
import { jobOwnerMigration } from './003-job-owner.ts';
import { principalsMigration } from './004-principals.ts';
import { projectPollErrorMigration } from './005-project-poll-error.ts';
import { hostFailedStepMigration } from './006-host-failed-step.ts';
import { cancelOrphanCommandsMigration } from './007-cancel-orphan-commands.ts';
import { agentTrustMigration } from './008-agent-trust.ts';
import { secretsMigration } from './009-secrets.ts';
import { peopleMigration } from './010-people.ts';
import { runMigrator } from './run-migrator.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-migration-012-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = 'a'.repeat(64);
const sha = '0123456789abcdef0123456789abcdef01234567';

async function databaseBefore012(file: string): Promise<void> {
  const sqlite = new SqliteDatabase(file);
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({
    '001-initial': initialMigration('sqlite'), '002-log-search': logSearchMigration('sqlite'), '003-job-owner': jobOwnerMigration('sqlite'),
    '004-principals': principalsMigration(), '005-project-poll-error': projectPollErrorMigration(), '006-host-failed-step': hostFailedStepMigration(),
    '007-cancel-orphan-commands': cancelOrphanCommandsMigration(), '008-agent-trust': agentTrustMigration(), '009-secrets': secretsMigration(), '010-people': peopleMigration(),
  }) } });
  const { error } = await runMigrator(migrator);
  if (error !== undefined) throw new Error('migrating to 010 failed', { cause: error });
  for (const id of ['web', 'runner']) {
    sqlite.prepare("insert into agents (id, name, labels, token_hash, address, online, last_seen_at, apps, enrolled_at) values (?, ?, '{}', ?, 'x', 0, 1, '[]', 1)").run(id, id, `h-${id}`);
  }
  const insert = sqlite.prepare('insert into agent_commands (id, agent_id, command, result, created_at) values (?, ?, ?, ?, ?)');
  insert.run('prepare', 'web', JSON.stringify({ kind: 'prepare', app: 'hello', version: '1-0123456', artifactPath: '/x', sha256, size: 1, runId: 'r1', deploymentId: 'd1' }), '{"ok":true}', 1);
  insert.run('activate', 'web', JSON.stringify({ kind: 'activate', app: 'hello', version: '1-0123456', env: 'testing', deploymentId: 'd1', runId: 'r1' }), null, 2);
  insert.run('job', 'runner', JSON.stringify({ kind: 'job', job: { jobId: 'j1', runId: 'r2', deploymentId: null, kind: 'build', project: 'hello', sha } }), null, 3);
  insert.run('broken', 'runner', 'not json', null, 4);
  await db.destroy();
}

describe('migration 012-agent-scopes', () => {
  it('makes each agent part of what the commands it was sent name', async () => {
    const file = join(dir, 'scopes.db');
    await databaseBefore012(file);
    const store = await openSqliteStore(file);
    try {
      const asked: AgentScope[] = [
        { kind: 'run', ref: 'r1' }, { kind: 'run', ref: 'r2' }, { kind: 'deployment', ref: 'd1' },
        { kind: 'artifact', ref: sha256 }, { kind: 'source', ref: `hello@${sha}` },
      ];
      const keys = async (agentId: string) => (await store.commands.heldScopes(agentId, asked)).map((s) => `${s.kind}:${s.ref}`).sort();
      expect(await keys('web')).toEqual([`artifact:${sha256}`, 'deployment:d1', 'run:r1']);
      expect(await keys('runner')).toEqual(['run:r2', `source:hello@${sha}`]);
    } finally {
      await store.close();
    }
  });
});
