// Once means once (issue 9): a migration is never run twice for one deployment, whoever dies in
// its middle. The server SIGKILLed while it runs: after the restart the running migration is
// waited for, not sent again, and the deployment goes on. The agent that runs it SIGKILLed: its
// outcome is not known, so the deployment stops for a person (failed_migration) and the restarted
// agent does not run it again. migrate.sh counts its own runs in the database.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { AgentView, RunDetail } from '../src/core/api/answers.ts';
import { createPostgresDatabase, skipWithoutPostgres, type PostgresDatabase } from './support/postgres-database.ts';
import { cliEnv, runSlipway } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const hosts = ['testing-1', 'testing-2'];

const slipwayYml = `app: inventory
build:
  steps:
    - run: sh -n migrate.sh
  artifact: [server.js, migrate.sh, migrations/]
run:
  command: node server.js
  health: { http: /healthz, timeout: 5s }
migrate:
  run: ./migrate.sh up
  timeout: 1m
environments:
  testing:
    hosts: { env: testing }
    batch: 1
    rehearseRollback: false
`;

describe.skipIf(skipWithoutPostgres)('a migration interrupted by a crash', () => {
  const fleet = new TestFleet('migrate-crash');
  let database: PostgresDatabase | undefined;
  const run = (n: number) => fleet.api.get<RunDetail>(projectPath('inventory', `/runs/${n}`));
  const query = async <T>(sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const runsOf = (deployment: string) => query<{ finished_at: Date | null }>(`select finished_at from migration_runs where deployment = '${deployment}'`);
  /** Commits a migration that takes a while, and waits until the deployment of run `n` is running it in the database. */
  const commitSlowMigration = async (n: number, file: string) => {
    fleet.commit(`slow migration ${file}`, (repo) => writeFileSync(join(repo, 'migrations', file), 'select pg_sleep(4);\n'));
    return waitFor(`run #${n}'s migration to be running`, async () => {
      const deployment = (await run(n).catch(() => undefined))?.deployments.find((d) => d.status === 'migrating');
      if (!deployment) return undefined;
      return (await runsOf(deployment.id)).length === 1 ? deployment : undefined;
    }, { timeoutMs: 90_000, intervalMs: 100 });
  };
  const waitForEnd = (n: number) => waitFor(`run #${n} to end`, async () => {
    const r = await run(n).catch(() => undefined);
    return r && r.status !== 'running' && r.status !== 'queued' ? r : undefined;
  }, { timeoutMs: 120_000, intervalMs: 300 });

  beforeAll(async () => {
    database = await createPostgresDatabase('slipway_migrate_crash');
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of hosts) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
    await waitFor('three agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 3);
    await fleet.api.post('/api/v1/projects', { name: 'inventory', repo: fleet.repo, branch: 'main', poll: '1s' });
    const set = await runSlipway(['secret', 'set', 'inventory', 'DATABASE_URL', '--env', 'testing'], { env: cliEnv(fleet.url, fleet.tokens.admin), stdin: `${database.url}\n` });
    expect(set, set.stderr).toMatchObject({ code: 0 });
    fleet.initRepo((repo) => writeFileSync(join(repo, 'slipway.yml'), slipwayYml), 'postgres');
    expect((await waitForEnd(1)).status).toBe('succeeded');
  }, 150_000);

  afterAll(async () => {
    await fleet.close();
    await database?.drop();
  });

  it('runs a migration once when the server is SIGKILLed while it runs, and the deployment goes on', async () => {
    const deployment = await commitSlowMigration(2, '003-slow.sql');
    await fleet.server.kill('SIGKILL');
    await fleet.startServer();
    const done = await waitForEnd(2);
    expect(done.status, JSON.stringify(done.stages.map((s) => s.error))).toBe('succeeded');
    const runs = await runsOf(deployment.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.finished_at).not.toBeNull();
    const answers = await Promise.all(hosts.map((h) => fleet.appAnswer(h)));
    expect(answers.map((a) => a && (JSON.parse(a) as { version: string }).version)).toEqual([done.version, done.version]);
  });

  it('stops for a person when the agent running it is SIGKILLed, and the restarted agent does not run it again', async () => {
    const before = (await run(2)).version;
    const deployment = await commitSlowMigration(3, '004-slow.sql');
    expect(deployment.migration?.host).toBe('testing-1');
    await fleet.agent('testing-1').process.kill('SIGKILL');
    await fleet.startAgent(fleet.agent('testing-1').spec);
    const done = await waitForEnd(3);
    const ended = done.deployments.find((d) => d.id === deployment.id)!;
    expect(ended.status).toBe('failed_migration');
    expect(ended.migration?.state).toBe('unknown');
    expect(ended.error).toContain('not run again');
    // The migration the killed agent started may still finish on its own; it is never started twice.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await runsOf(deployment.id)).toHaveLength(1);
    // No host switched. (testing-1's app was restarted with its agent, without its secrets, as
    // docs/security.md says: what it runs is read from the agent, not asked of the app.)
    const agents = await waitFor('testing-1 back', async () => {
      const list = await fleet.api.get<AgentView[]>('/api/v1/agents');
      return list.find((a) => a.name === 'testing-1')?.online ? list : undefined;
    });
    expect(hosts.map((h) => agents.find((a) => a.name === h)?.apps.find((app) => app.app === 'inventory')?.current)).toEqual([before, before]);
  });

  it('migrates nothing more in that environment until a person checked and forces a deployment', async () => {
    fleet.commit('Another change', (repo) => writeFileSync(join(repo, 'NOTES'), 'after the crash\n'));
    const refused = await waitForEnd(4);
    expect(refused.stages.find((s) => s.name === 'testing')?.error).toContain('may or may not have finished: check the database, then deploy with --force');
    const forced = await runSlipway(['deploy', 'inventory', refused.version, '--env', 'testing', '--force'], { env: cliEnv(fleet.url, fleet.tokens.admin) });
    expect(forced.code, forced.stderr).toBe(0);
  });
});
