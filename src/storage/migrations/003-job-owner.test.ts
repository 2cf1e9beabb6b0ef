// Migration 003 on databases that already hold jobs. SQLite rebuilds the table, so every row, its
// order and the autoincrement counter must come through; on both the new check must hold.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { CurrentSchemaPostgresDialect } from '../postgres/current-schema-dialect.ts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchemas } from '../postgres/drop-schemas-fixture.ts';
import { openPostgresStore } from '../postgres/postgres-store.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';
import { jobSpec } from '../contract/fixtures.ts';
import { initialMigration } from './001-initial.ts';
import { logSearchMigration } from './002-log-search.ts';
import { runMigrator } from './run-migrator.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-migration-003-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A database at schema 002 with a project, a run, its build stage and three jobs (the middle one removed). */
async function databaseBefore003(file: string): Promise<void> {
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({
    '001-initial': initialMigration('sqlite'),
    '002-log-search': logSearchMigration('sqlite'),
  }) } });
  const { error } = await runMigrator(migrator);
  if (error !== undefined) throw new Error('migrating to 002 failed', { cause: error });
  sqlite.prepare(`insert into projects (id, name, repo_url, branch, poll_interval_ms, webhook_secret, run_count, created_at)
    values ('p1', 'hello', 'r', 'main', 1, 's', 1, 1)`).run();
  sqlite.prepare(`insert into runs (id, project_id, number, sha, ref, message, author, trigger, status, version, created_at)
    values ('r1', 'p1', 1, '0123456789', 'main', 'm', 'a', 'manual', 'running', '1-0123456', 1)`).run();
  sqlite.prepare(`insert into stages (id, run_id, name, kind, position, status) values ('s1', 'r1', 'build', 'build', 0, 'running')`).run();
  const insertJob = sqlite.prepare(`insert into jobs (id, run_id, stage_id, kind, status, spec, created_at) values (?, 'r1', 's1', 'build', ?, ?, ?)`);
  for (const [i, status] of ['failed', 'failed', 'queued'].entries()) {
    const { runId: _r, deploymentId: _d, ...oldSpec } = jobSpec(`job-${i}`, 'r1');
    insertJob.run(`job-${i}`, status, JSON.stringify({ ...oldSpec, runId: 'r1' }), 10 + i);
  }
  sqlite.prepare(`delete from jobs where id = 'job-2'`).run();
  sqlite.prepare(`insert into jobs (id, run_id, stage_id, kind, status, spec, created_at) values ('job-3', 'r1', 's1', 'verify', 'queued', ?, 13)`)
    .run(JSON.stringify({ ...jobSpec('job-3', 'r1', 'verify'), deploymentId: undefined }));
  await db.destroy();
}

describe('migration 003-job-owner on SQLite', () => {
  it('keeps every job, its order and its spec, owned by its run stage', async () => {
    const file = join(dir, 'jobs.db');
    await databaseBefore003(file);
    const store = await openSqliteStore(file);
    try {
      const jobs = await store.jobs.listByRun('r1');
      expect(jobs.map((j) => [j.id, j.kind, j.status, j.createdAt])).toEqual([
        ['job-0', 'build', 'failed', 10], ['job-1', 'build', 'failed', 11], ['job-3', 'verify', 'queued', 13],
      ]);
      expect(jobs.every((j) => j.owner.kind === 'stage' && j.owner.runId === 'r1' && j.owner.stageId === 's1')).toBe(true);
      expect((await store.jobs.get('job-3'))?.spec).toEqual(jobSpec('job-3', 'r1', 'verify'));
    } finally {
      await store.close();
    }
  });

  it('never gives a removed job\'s seq again and queues new jobs after the old ones', async () => {
    const file = join(dir, 'seq.db');
    await databaseBefore003(file);
    const store = await openSqliteStore(file);
    try {
      await store.jobs.create({ owner: { kind: 'stage', runId: 'r1', stageId: 's1' }, kind: 'build', spec: jobSpec('job-4', 'r1') }, 14);
      const runner = await store.agents.enroll({ name: 'runner', labels: { role: 'runner' }, tokenHash: 't', address: 'x', port: null }, 1);
      expect((await store.jobs.listActive()).filter((j) => j.status === 'queued').map((j) => j.id)).toEqual(['job-3', 'job-4']);
      expect(await store.jobs.claim('job-3', runner.id, 'c1', 20)).toBe(true);
    } finally {
      await store.close();
    }
    const sqlite = new SqliteDatabase(file, { readonly: true });
    try {
      const seqs = sqlite.prepare('select id, seq from jobs order by seq').all() as { id: string; seq: number }[];
      expect(seqs).toEqual([{ id: 'job-0', seq: 1 }, { id: 'job-1', seq: 2 }, { id: 'job-3', seq: 4 }, { id: 'job-4', seq: 5 }]);
    } finally {
      sqlite.close();
    }
  });

  it('refuses a job with no owner or with two', async () => {
    const file = join(dir, 'check.db');
    await databaseBefore003(file);
    await (await openSqliteStore(file)).close();
    const sqlite = new SqliteDatabase(file);
    try {
      const insert = (runId: string | null, stageId: string | null, deploymentId: string | null) => () => sqlite.prepare(
        `insert into jobs (id, run_id, stage_id, deployment_id, kind, status, spec, created_at) values (?, ?, ?, ?, 'build', 'queued', '{}', 1)`,
      ).run(`x-${String(runId)}-${String(deploymentId)}`, runId, stageId, deploymentId);
      expect(insert(null, null, null)).toThrow(/CHECK/);
      expect(insert('r1', null, null)).toThrow(/CHECK/);
      expect(insert('r1', 's1', 'd1')).toThrow(/CHECK/);
    } finally {
      sqlite.close();
    }
  });
});

const postgresUrl = process.env.SLIPWAY_TEST_POSTGRES_URL;

describe.skipIf(postgresUrl === undefined || postgresUrl === '')('migration 003-job-owner on PostgreSQL', () => {
  const url = postgresUrl ?? '';
  const schema = `slipway_test_m003_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;

  afterAll(() => dropSchemas(url, [schema]));

  it('keeps a stored job, owned by its run stage, and refuses one with no owner or with two', async () => {
    const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}` });
    const db = new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
    try {
      await sql`create schema ${sql.id(schema)}`.execute(db);
      const migrator = new Migrator({ db, migrationTableSchema: schema, provider: { getMigrations: () => Promise.resolve({
        '001-initial': initialMigration('postgres'),
        '002-log-search': logSearchMigration('postgres'),
      }) } });
      const { error } = await runMigrator(migrator);
      if (error !== undefined) throw new Error('migrating to 002 failed', { cause: error });
      await sql`insert into projects (id, name, repo_url, branch, poll_interval_ms, webhook_secret, run_count, created_at)
        values ('p1', 'hello', 'r', 'main', 1, 's', 1, 1)`.execute(db);
      await sql`insert into runs (id, project_id, number, sha, ref, message, author, trigger, status, version, created_at)
        values ('r1', 'p1', 1, '0123456789', 'main', 'm', 'a', 'manual', 'running', '1-0123456', 1)`.execute(db);
      await sql`insert into stages (id, run_id, name, kind, position, status) values ('s1', 'r1', 'build', 'build', 0, 'running')`.execute(db);
      await sql`insert into jobs (id, run_id, stage_id, kind, status, spec, created_at)
        values ('job-0', 'r1', 's1', 'build', 'queued', ${JSON.stringify({ ...jobSpec('job-0', 'r1'), deploymentId: undefined })}, 10)`.execute(db);
    } finally {
      await db.destroy();
    }

    const store = await openPostgresStore(url, { schema });
    try {
      expect(await store.jobs.get('job-0')).toMatchObject({ owner: { kind: 'stage', runId: 'r1', stageId: 's1' }, spec: jobSpec('job-0', 'r1') });
    } finally {
      await store.close();
    }
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      const insert = (id: string, runId: string | null, stageId: string | null, deploymentId: string | null) => client.query(
        `insert into jobs (id, run_id, stage_id, deployment_id, kind, status, spec, created_at) values ($1, $2, $3, $4, 'build', 'queued', '{}', 1)`,
        [id, runId, stageId, deploymentId],
      );
      await expect(insert('none', null, null, null)).rejects.toThrow(/jobs_one_owner/);
      await expect(insert('half', 'r1', null, null)).rejects.toThrow(/jobs_one_owner/);
      await expect(insert('two', 'r1', 's1', 'd1')).rejects.toThrow(/jobs_one_owner/);
    } finally {
      await client.end();
    }
  });
});
