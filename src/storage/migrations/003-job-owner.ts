// Jobs get an owner: a run's stage (run_id + stage_id, as before) or a deployment (the new
// deployment_id), exactly one, checked by the table. PostgreSQL alters the table in place; SQLite
// cannot drop NOT NULL nor add a CHECK to a table, so it rebuilds `jobs` the SQLite way (new
// table, copy, drop, rename) keeping every row, its `seq` and the autoincrement counter. Both run
// in the migrator's transaction (SqliteImmediateDialect makes SQLite's migrations transactional).
import { sql } from 'kysely';
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialectName } from '../kysely/tables.ts';

const ONE_OWNER = sql<boolean>`(run_id is not null and stage_id is not null and deployment_id is null)
  or (run_id is null and stage_id is null and deployment_id is not null)`;

export function jobOwnerMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await db.schema.alterTable('jobs').alterColumn('run_id', (c) => c.dropNotNull()).execute();
        await db.schema.alterTable('jobs').alterColumn('stage_id', (c) => c.dropNotNull()).execute();
        await db.schema.alterTable('jobs').addColumn('deployment_id', 'text', (c) => c.references('deployments.id')).execute();
        await db.schema.alterTable('jobs').addCheckConstraint('jobs_one_owner', ONE_OWNER).execute();
      } else {
        await rebuildSqliteJobs(db);
      }
      await db.schema.createIndex('jobs_deployment').on('jobs').column('deployment_id').execute();
    },
  };
}

/**
 * SQLite's procedure for a change ALTER TABLE cannot make. Nothing references `jobs` by a foreign
 * key, so dropping the old table with foreign keys on checks nothing.
 */
async function rebuildSqliteJobs(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'jobs'`.execute(db);
  const counter = rows[0]?.seq;
  await jobsTable(db.schema.createTable('jobs_new')).execute();
  await sql`insert into jobs_new (seq, id, run_id, stage_id, deployment_id, kind, status, spec, agent_id, command_id, error, created_at, started_at, finished_at)
    select seq, id, run_id, stage_id, null, kind, status, spec, agent_id, command_id, error, created_at, started_at, finished_at
    from jobs order by seq`.execute(db);
  await db.schema.dropTable('jobs').execute();
  await sql`alter table jobs_new rename to jobs`.execute(db);
  // A job removed at the end would otherwise let its seq be given again.
  if (counter !== undefined) await sql`update sqlite_sequence set seq = max(seq, ${counter}) where name = 'jobs'`.execute(db);
  await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'seq']).execute();
  await db.schema.createIndex('jobs_run').on('jobs').column('run_id').execute();
}

function jobsTable(table: CreateTableBuilder<string>): CreateTableBuilder<string> {
  return table
    .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('run_id', 'text', (c) => c.references('runs.id'))
    .addColumn('stage_id', 'text', (c) => c.references('stages.id'))
    .addColumn('deployment_id', 'text', (c) => c.references('deployments.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.references('agents.id'))
    .addColumn('command_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addCheckConstraint('jobs_one_owner', ONE_OWNER);
}
