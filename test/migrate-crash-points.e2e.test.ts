// Crash at every write of a deployment that migrates, and of a rollback rehearsal (issue 9, the
// crash sweep of issue 6): the server exits right after its Nth store transaction, starts again on
// the same data, and the work must end as if nothing had happened. Once means once: migrate.sh
// (examples/postgres) records each of its runs in a real PostgreSQL database, and every deployment
// must have exactly one there, finished: never two, never none. The rehearsal must end, its
// finding recorded once on the version, the host back on the new version, the stage succeeded.
//
// CI runs a fixed sample of crash points; `npm run test:crash` runs every one of them.
import SqliteDatabase from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import { CrashSweep, type Row } from './support/crash-sweep.ts';
import { createPostgresDatabase, skipWithoutPostgres, type PostgresDatabase } from './support/postgres-database.ts';
import { cliEnv, runSlipway } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * CI's sample for the deployment, of its 13 transactions (counted with every point: created, 2
 * stagings and 2 staged, migrating, the migration sent, its answer, then per host activating and
 * healthy, and the end): the migration's three among them.
 */
const DEPLOYMENT_SAMPLE = [6, 7, 8];
/**
 * The same for the run, of its 35: the build (1-7), the deployment (8-20), its verify (21-23), then
 * the rehearsal's own, 24-33 (created with the stage rehearsing, the previous release activating
 * and healthy, verifying, its verify job started and done, returning, restoring, restored, the end
 * that records the finding), then the stage and the run. CI takes its start, its verify and its end.
 */
const REHEARSAL_SAMPLE = [24, 27, 33];
const hosts = ['testing-1', 'testing-2'];

/** examples/postgres with testing only (so that a run ends without an approval), its app health-checked sooner. */
function testingOnly(fleet: TestFleet): void {
  fleet.editFile('slipway.yml', (y) => y.slice(0, y.indexOf('  production:')).replace('timeout: 10s', 'timeout: 5s'));
}

describe.skipIf(skipWithoutPostgres)('a server that crashes after any write of a migration or a rehearsal', () => {
  const fleet = new TestFleet('migrate-crash-points');
  let database: PostgresDatabase | undefined;
  let db: SqliteDatabase.Database | undefined;
  let crash: CrashSweep;
  const versions: string[] = [];

  const query = <T = Row>(text: string, ...params: unknown[]) => crash.query<T>(text, ...params);
  const one = <T = Row>(text: string, ...params: unknown[]) => crash.one<T>(text, ...params);
  const sql = async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  /** What each testing host's app says it runs (undefined where nothing answers). */
  const versionsOn = () => Promise.all(hosts.map(async (h) => {
    const answer = await fleet.appAnswer(h);
    try {
      return answer ? (JSON.parse(answer) as { version: string }).version : undefined;
    } catch {
      return answer;
    }
  }));
  const runEnded = (number: number) => () => ['succeeded', 'failed'].includes(one<{ status: string }>('select status from runs where number = ?', number)?.status ?? '');
  const nextRunNumber = () => (one<{ n: number | null }>('select max(number) as n from runs')?.n ?? 0) + 1;

  /** The deployment migrated exactly once (one run of migrate.sh recorded, and finished) and succeeded on every host. */
  async function expectMigratedOnce(deploymentId: string, version: string): Promise<void> {
    const deployment = one<{ status: string; error: string | null; migration: string | null; finished_at: number | null }>(
      'select status, error, migration, finished_at from deployments where id = ?', deploymentId)!;
    expect(deployment.status, `deployment ${deploymentId}: ${deployment.error ?? ''}`).toBe('succeeded');
    expect(deployment.finished_at).toBeTypeOf('number');
    expect(JSON.parse(deployment.migration ?? 'null')).toMatchObject({ state: 'succeeded', host: hosts[0] });
    const runs = await sql<{ finished_at: Date | null }>('select finished_at from migration_runs where deployment = $1', [deploymentId]);
    expect(runs, `runs of migrate.sh for ${deploymentId}`).toHaveLength(1);
    expect(runs[0]!.finished_at).not.toBeNull();
    // The agent ran the command it was sent once: one migrate command, one start on the host.
    const commands = query<{ id: string }>("select id from agent_commands where command like '%\"kind\":\"migrate\"%' and command like ?", `%${deploymentId}%`);
    expect(commands).toHaveLength(1);
    const steps = query<{ host_name: string; step: string }>('select host_name, step from deployment_hosts where deployment_id = ? order by host_name', deploymentId);
    expect(steps.map((h) => [h.host_name, h.step])).toEqual(hosts.map((h) => [h, 'healthy']));
    expect(await versionsOn()).toEqual(hosts.map(() => version));
    crash.expectNoCommandRanTwice(deploymentId);
  }

  beforeAll(async () => {
    database = await createPostgresDatabase('slipway_migrate_crash_points');
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of hosts) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
    db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true, fileMustExist: true });
    crash = new CrashSweep(fleet, db, { agents: 3, sample: DEPLOYMENT_SAMPLE });
    await crash.allAgentsOnline();
    // The project first (no repository yet, so no run starts), then its secret, then the commit.
    await fleet.api.post('/api/v1/projects', { name: 'inventory', repo: fleet.repo, branch: 'main', poll: '1h' });
    const set = await runSlipway(['secret', 'set', 'inventory', 'DATABASE_URL', '--env', 'testing'], { env: cliEnv(fleet.url, fleet.tokens.admin), stdin: `${database.url}\n` });
    expect(set, set.stderr).toMatchObject({ code: 0 });
    fleet.initRepo(() => testingOnly(fleet), 'postgres');
    await fleet.api.post(projectPath('inventory', '/runs'), { ref: 'main' });
    await waitFor('run #1 to end', runEnded(1), { timeoutMs: 120_000 });
    // A second version whose migration adds a column: the first keeps working on it, so its rehearsal finds it rollback-safe.
    fleet.commit('A column for notes', (repo) => writeFileSync(join(repo, 'migrations', '003-add-note.sql'), 'alter table items add column note text;\n'));
    await fleet.api.post(projectPath('inventory', '/runs'), { ref: 'main' });
    await waitFor('run #2 to end', runEnded(2), { timeoutMs: 120_000 });
    for (const number of [1, 2]) {
      const run = one<{ status: string; error: string | null; version: string }>('select status, error, version from runs where number = ?', number)!;
      expect(run.status, `run #${number}: ${run.error ?? ''}`).toBe('succeeded');
      versions.push(run.version);
    }
    expect(await versionsOn()).toEqual(hosts.map(() => versions[1]));
    // The project's first check failed (no repository yet): its recovery is a transaction of the
    // next start, which must come before the sweep's first armed one.
    await fleet.server.kill('SIGTERM');
    await fleet.startServer();
    await waitFor('the repository check to recover', () => one<{ poll_error: string | null }>('select poll_error from projects')?.poll_error === null, { timeoutMs: 30_000 });
    await crash.allAgentsOnline();
    // The sweeps' versions are committed on a branch of their own, and run by hand: the poll of
    // main at every start finds nothing new, so that no run starts before the agents are back.
    execFileSync('git', ['checkout', '-q', '-b', 'crash-points'], { cwd: fleet.repo });
  }, 300_000);

  afterAll(async () => {
    db?.close();
    await fleet.close();
    await database?.drop();
    process.stdout.write(`migrate crash points tried: ${JSON.stringify(crash?.tried ?? {})}\n`);
  });

  it('finishes a deployment that migrates after a crash at any of its transactions, the migration run exactly once', async () => {
    let current = versions[1]!;
    await crash.sweep('deployment that migrates', async (n) => {
      const target = current === versions[0] ? versions[1]! : versions[0]!;
      const last = crash.newestDeployment()?.id;
      const crashed = await crash.crashAt(n, () => fleet.api.post(projectPath('inventory', '/deployments'), { version: target, env: 'testing' }), crash.deploymentEnded(last));
      await expectMigratedOnce(crash.newestDeployment()!.id, target);
      crash.expectAllAtRest();
      current = target;
      return crashed;
    });
  }, 3_600_000);

  it('finishes a run that rehearses the rollback after a crash at any of its transactions: found rollback-safe once, the host back on the new version', async () => {
    let previous = (await versionsOn())[0]!;
    await crash.sweep('run that rehearses the rollback', async (n) => {
      // Each point a new version with an additive migration of its own: applied exactly once.
      const file = `${String(100 + n).padStart(3, '0')}-add-note-${n}.sql`;
      fleet.commit(`A column for point ${n}`, (repo) => writeFileSync(join(repo, 'migrations', file), `alter table items add column note_${n} text;\n`));
      const number = nextRunNumber();
      const crashed = await crash.crashAt(n, () => fleet.api.post(projectPath('inventory', '/runs'), { ref: 'crash-points' }), runEnded(number));
      const run = one<{ id: string; status: string; error: string | null; version: string }>('select id, status, error, version from runs where number = ?', number)!;
      const stage = one<{ status: string; error: string | null; deployment_id: string; rehearsal_id: string | null }>(
        "select status, error, deployment_id, rehearsal_id from stages where run_id = ? and name = 'testing'", run.id)!;
      expect(stage.status, `stage testing of run #${number} after crash point ${n}: ${stage.error ?? ''}`).toBe('succeeded');
      expect(run.status, `run #${number}: ${run.error ?? ''}`).toBe('succeeded');
      await expectMigratedOnce(stage.deployment_id, run.version);
      expect((await sql<{ version: string }>('select version from schema_migrations where version = $1', [file.replace('.sql', '')]))).toHaveLength(1);

      // One rehearsal, which put the previous release back on the first host and found it healthy.
      const rehearsals = query<{ id: string; status: string; error: string | null }>("select id, status, error from deployments where run_id = ? and kind = 'rehearsal'", run.id);
      expect(rehearsals.map((r) => r.id)).toEqual([stage.rehearsal_id]);
      expect(rehearsals[0]!.status, rehearsals[0]!.error ?? '').toBe('succeeded');
      const rehearsed = query<{ host_name: string; step: string; previous_version: string }>('select host_name, step, previous_version from deployment_hosts where deployment_id = ?', stage.rehearsal_id);
      expect(rehearsed).toEqual([{ host_name: hosts[0], step: 'restored', previous_version: previous }]);
      crash.expectNoCommandRanTwice(stage.rehearsal_id!);
      // Its finding is recorded once, on the version: safe, by this rehearsal.
      const artifact = one<{ rollback_safety: string | null }>('select rollback_safety from artifacts where run_id = ?', run.id)!;
      expect(JSON.parse(artifact.rollback_safety ?? 'null')).toMatchObject({ safe: true, host: hosts[0], previousVersion: previous, deploymentId: stage.rehearsal_id });
      expect(query("select id from events where deployment_id = ? and kind = 'deployment.succeeded'", stage.rehearsal_id)).toHaveLength(1);
      // Its verify ran once, against the rehearsed host.
      const verifies = query<{ status: string }>('select status from jobs where deployment_id = ?', stage.rehearsal_id);
      expect(verifies.map((j) => j.status)).toEqual(['succeeded']);
      crash.expectAllAtRest();
      previous = run.version;
      return crashed;
    }, REHEARSAL_SAMPLE);
  }, 7_200_000);
});
