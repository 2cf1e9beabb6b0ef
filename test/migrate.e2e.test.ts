// Automatic database changes end to end (issue 9), on real agents and a real PostgreSQL: the
// example of examples/postgres through testing and production, its migration run once per
// environment (counted by migrate.sh in each database), a renamed column caught by the rollback
// rehearsal, a failing migration that changes no host, the database password the migration
// prints kept out of `slipway logs`, and two deployments of one environment that never migrate
// at once.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { AgentView, DeploymentDetail, RunDetail } from '../src/core/api/answers.ts';
import { createPostgresDatabase, skipWithoutPostgres, type PostgresDatabase } from './support/postgres-database.ts';
import { cliEnv, runSlipway } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const hosts = { testing: ['testing-1', 'testing-2'], production: ['production-1', 'production-2'] };
/** The password the migration prints: a secret of each environment. */
const password = { testing: 'Testing-Db-Pass-4711', production: 'Production-Db-Pass-0815' };

describe.skipIf(skipWithoutPostgres)('migrations in a deployment', () => {
  const fleet = new TestFleet('migrate');
  const databases: Partial<Record<'testing' | 'production', PostgresDatabase>> = {};
  const cli = (args: string[], stdin?: string) => runSlipway(args, { env: cliEnv(fleet.url, fleet.tokens.admin), ...(stdin === undefined ? {} : { stdin }) });
  const run = (n: number) => fleet.api.get<RunDetail>(projectPath('inventory', `/runs/${n}`));
  const stage = (r: RunDetail, name: string) => r.stages.find((s) => s.name === name)!;
  const waitForRun = (n: number, what: string, done: (r: RunDetail) => boolean) =>
    waitFor(`run #${n} ${what}`, async () => {
      const r = await run(n);
      return done(r) ? r : undefined;
    }, { timeoutMs: 150_000, intervalMs: 300 });
  const versionsOn = async (names: string[]) => Promise.all(names.map(async (name) => {
    const answer = await fleet.appAnswer(name);
    return answer ? (JSON.parse(answer) as { version: string }).version : undefined;
  }));
  const query = async <T>(env: 'testing' | 'production', sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: databases[env]!.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const migrationRuns = (env: 'testing' | 'production') =>
    query<{ deployment: string; started_at: Date; finished_at: Date | null }>(env, 'select deployment, started_at, finished_at from migration_runs order by id');

  beforeAll(async () => {
    databases.testing = await createPostgresDatabase('slipway_migrate_testing');
    databases.production = await createPostgresDatabase('slipway_migrate_production');
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of hosts.testing) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
    for (const name of hosts.production) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
    await waitFor('five agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 5);
    // The project first (no repository yet, so no run starts), then its secrets, then the commit.
    await fleet.api.post('/api/v1/projects', { name: 'inventory', repo: fleet.repo, branch: 'main', poll: '1s' });
    for (const env of ['testing', 'production'] as const) {
      for (const [name, value] of [['DATABASE_URL', databases[env]!.url], ['PGPASSWORD', password[env]]]) {
        const set = await cli(['secret', 'set', 'inventory', name!, '--env', env], `${value}\n`);
        expect(set, set.stderr).toMatchObject({ code: 0 });
      }
    }
    fleet.initRepo(() => {
      fleet.editFile('slipway.yml', (y) => y
        .replace('run: ./migrate.sh up ', 'run: echo "connecting with password $PGPASSWORD" && ./migrate.sh up ')
        .replace('approval: manual', 'approval: auto')
        .replace('timeout: 10s', 'timeout: 5s'));
    }, 'postgres');
  }, 120_000);

  afterAll(async () => {
    await fleet.close();
    for (const db of Object.values(databases)) await db?.drop();
  });

  it('runs the migration once per environment and serves the new version on every host', async () => {
    const done = await waitForRun(1, 'to end', (r) => r.status !== 'running' && r.status !== 'queued');
    expect(done.status, JSON.stringify(done.stages.map((s) => [s.name, s.status, s.error]))).toBe('succeeded');
    for (const env of ['testing', 'production'] as const) {
      const deployment = done.deployments.find((d) => d.env === env && d.kind === 'deploy')!;
      expect(deployment.migration).toMatchObject({ state: 'succeeded', host: hosts[env][0] });
      const runs = await migrationRuns(env);
      expect(runs.map((r) => r.deployment)).toEqual([deployment.id]);
      expect(runs[0]!.finished_at).not.toBeNull();
      expect((await query<{ version: string }>(env, 'select version from schema_migrations order by version')).map((r) => r.version))
        .toEqual(['001-create-items', '002-add-price']);
      expect(await versionsOn(hosts[env])).toEqual(hosts[env].map(() => done.version));
    }
    // The first deployment of the app: no host ran an earlier version, so there is nothing to rehearse.
    expect(stage(done, 'testing').rehearsalId).toBeNull();
  });

  it('keeps the database password the migration printed out of `slipway logs`, and shows its lines', async () => {
    const lines = await waitFor('the migration\'s lines in the central log', async () => {
      const logs = await cli(['logs', 'connecting with password', '--limit', '100']);
      return logs.stdout.split('\n').filter((l) => l.includes('connecting with password')).length >= 2 ? logs.stdout : undefined;
    });
    expect(lines).toContain('connecting with password ***');
    const all = await cli(['logs', '--limit', '2000']);
    expect(all.stdout).toContain('applying 001-create-items.sql');
    for (const value of Object.values(password)) {
      expect(all.stdout).not.toContain(value);
      expect((await cli(['logs', value, '--limit', '100'])).stdout).not.toContain(value);
    }
  });

  it('catches a renamed column in the rollback rehearsal: not rollback-safe, and production refuses it without --force', async () => {
    const change = resolve(import.meta.dirname, '../examples/postgres/changes/rename-column');
    const sha = fleet.commit('Rename items.name to title', (repo) => {
      copyFileSync(join(change, 'server.js'), join(repo, 'server.js'));
      copyFileSync(join(change, 'migrations', '003-rename-name-to-title.sql'), join(repo, 'migrations', '003-rename-name-to-title.sql'));
    });
    const version = `2-${sha.slice(0, 7)}`;
    const done = await waitForRun(2, 'to end', (r) => r.status !== 'running' && r.status !== 'queued');
    const testing = stage(done, 'testing');
    expect(testing.status).toBe('failed');
    expect(testing.error).toContain(`${version} is not rollback-safe: 1-`);
    expect(testing.error).toContain('column "name" does not exist');
    expect(stage(done, 'production').status).toBe('skipped');
    expect(done.rollbackSafety).toMatchObject({ safe: false, host: 'testing-1', previousVersion: (await run(1)).version });
    expect(done.rollbackSafety?.logTail.join('\n')).toContain('column "name" does not exist');

    const rehearsal = await fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${testing.rehearsalId!}`);
    expect(rehearsal).toMatchObject({ kind: 'rehearsal', status: 'failed', hosts: [{ hostName: 'testing-1', step: 'restored' }] });
    // The rehearsal put the new release back: every testing host serves it, on the migrated database.
    expect(await versionsOn(hosts.testing)).toEqual([version, version]);

    const refused = await cli(['deploy', 'inventory', version, '--env', 'production', '--detach']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('is not rollback-safe');
    const forced = await cli(['deploy', 'inventory', version, '--env', 'production', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await versionsOn(hosts.production)).toEqual([version, version]);
    expect((await migrationRuns('production')).length).toBe(2);
  });

  it('stops a failing migration before any host switches: failed_migration with its output as the cause', async () => {
    const before = await versionsOn(hosts.testing);
    const sha = fleet.commit('A migration that cannot apply', (repo) => {
      writeFileSync(join(repo, 'migrations', '004-broken.sql'), 'alter table items add column note text;\nalter table no_such_table add column x int;\n');
    });
    const done = await waitForRun(3, 'to end', (r) => r.status !== 'running' && r.status !== 'queued');
    const deployment = done.deployments.find((d) => d.env === 'testing')!;
    expect(deployment.status).toBe('failed_migration');
    expect(deployment.cause).toMatchObject({ host: 'testing-1', step: 'migrate' });
    expect(deployment.cause!.logTail.join('\n')).toContain('relation "no_such_table" does not exist');
    expect(deployment.hosts.map((h) => h.step)).toEqual(['staged', 'staged']);
    expect(stage(done, 'testing').error).toContain('migration');
    expect(await versionsOn(hosts.testing)).toEqual(before);
    expect(before).not.toContain(`3-${sha.slice(0, 7)}`);
    // Its transaction left nothing: no column `note`, no 004 row.
    expect(await query(deployment.env as 'testing', `select 1 from information_schema.columns where table_name = 'items' and column_name = 'note'`)).toEqual([]);
  });

  it('never migrates one environment twice at once: of two deployments started together, one waits its turn or is refused', async () => {
    const version = (await run(2)).version;
    const [first, second] = await Promise.all([
      cli(['deploy', 'inventory', version, '--env', 'testing', '--detach']),
      cli(['deploy', 'inventory', version, '--env', 'testing', '--detach']),
    ]);
    const outcomes = [first, second].map((r) => r.code);
    expect(outcomes.filter((c) => c === 0)).toHaveLength(1);
    expect([first, second].find((r) => r.code !== 0)!.stderr).toContain('already has a deployment in progress');
    const id = /\(([^)]+)\)/.exec([first, second].find((r) => r.code === 0)!.stdout)![1]!;
    const ended = await waitFor('the deployment to end', async () => {
      const d = await fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${id}`);
      return d.finishedAt !== null ? d : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    expect(ended.status).toBe('succeeded');
    const runs = await migrationRuns('testing');
    expect(runs.filter((r) => r.deployment === id)).toHaveLength(1);
    // One after the other: each migration began after the one before it ended (a failed one never ends).
    const finished = runs.filter((r) => r.finished_at !== null);
    for (let i = 1; i < finished.length; i++) expect(finished[i]!.started_at.getTime()).toBeGreaterThanOrEqual(finished[i - 1]!.finished_at!.getTime());
  });
});
