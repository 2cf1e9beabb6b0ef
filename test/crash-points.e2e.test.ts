// Crash at every write (DESIGN §3, CONVENTIONS 14): a server whose process exits right after its Nth
// store transaction, for N from 1 until a deployment completes without reaching N. After each crash
// the server starts again on the same data, and the work must end as if nothing had happened: the
// deployment succeeded (or, for a version that fails, rolled back), every host agrees with that
// outcome, no command ran twice on a host, and nothing is left in progress. Done for a rolling deployment (3 hosts, batch 1), for a
// deployment that rolls back, and for a run with its build job.
//
// CI runs a fixed sample of crash points; `npm run test:crash` runs every one of them.
import SqliteDatabase from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlipwayError } from '../src/base/errors.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const CRASH_ENV = 'SLIPWAY_TEST_CRASH_AFTER_TRANSACTIONS';
const CRASH_EXIT_CODE = 86;
const everyPoint = process.env.SLIPWAY_CRASH_SWEEP === 'all';
/** CI's sample; SLIPWAY_CRASH_POINTS=4,9 tries just those (to look into one). */
const SAMPLE = process.env.SLIPWAY_CRASH_POINTS?.split(',').map(Number) ?? [1, 2, 3, 5, 8, 13];
const hosts = ['production-1', 'production-2', 'production-3'];
const versionOf = (n: number, sha: string) => `${n}-${sha.slice(0, 7)}`;

type Row = Record<string, unknown>;

/** The sample project with one environment, production: three hosts activated one at a time. */
function productionOnly(fleet: TestFleet): void {
  fleet.editFile('slipway.yml', (y) => `${y.slice(0, y.indexOf('environments:'))}environments:
  production:
    hosts: { env: production }
    batch: 1
`);
}

describe('a server that crashes after any of its writes', () => {
  const fleet = new TestFleet('crash-points');
  let db: SqliteDatabase.Database;
  const tried: Record<string, number[]> = {};
  let v1 = '';
  let v2 = '';

  const query = <T = Row>(text: string, ...params: unknown[]) => db.prepare(text).all(...params) as T[];
  const one = <T = Row>(text: string, ...params: unknown[]) => query<T>(text, ...params)[0];
  const answers = () => Promise.all(hosts.map((h) => fleet.appAnswer(h)));
  const greeting = (host: string, version: string) => `hello from ${host}, running version ${version}`;

  async function allAgentsOnline(): Promise<void> {
    await waitFor('every agent online', () => one<{ n: number }>('select count(*) as n from agents where online = 1')?.n === 4, { timeoutMs: 30_000, intervalMs: 50 });
  }

  /**
   * One crash point: the server starts armed to exit after transaction `n`, `begin` starts the work
   * (its answer may be cut off by the crash), and `ended` says when the work is done. Returns false
   * when the work ended without the server reaching `n`: then `n` is past its last write.
   */
  async function crashAt(n: number, begin: () => Promise<unknown>, ended: () => boolean): Promise<boolean> {
    await fleet.server.kill('SIGTERM');
    await fleet.startServer({ [CRASH_ENV]: String(n) });
    await allAgentsOnline();
    // The crash may cut the answer off; a refusal by the server is a failure of the test.
    await begin().catch((err: unknown) => {
      if (!(err instanceof SlipwayError) || err.code !== 'SLIPWAY_SERVER_UNREACHABLE') throw err;
    });
    const outcome = await waitFor(`crash point ${n} or the end of the work`, () => (!fleet.server.alive ? 'crashed' : ended() ? 'ended' : undefined), { timeoutMs: 60_000, intervalMs: 20 });
    if (outcome === 'ended') {
      // The last transaction may be the one that ends the work: the exit follows at once.
      const exited = await waitFor('the server to exit', () => !fleet.server.alive || undefined, { timeoutMs: 1000, intervalMs: 20 }).catch(() => false);
      if (!exited) return false;
    }
    expect(fleet.server.child.exitCode, `exit code at crash point ${n}`).toBe(CRASH_EXIT_CODE);
    await fleet.startServer();
    await waitFor(`the work to end after crash point ${n}`, ended, { timeoutMs: 90_000, intervalMs: 50 });
    return true;
  }

  async function sweep(name: string, point: (n: number) => Promise<boolean>): Promise<void> {
    tried[name] = [];
    for (let n = 1; everyPoint || n <= SAMPLE.at(-1)!; n++) {
      if (!everyPoint && !SAMPLE.includes(n)) continue;
      if (!(await point(n))) break;
      tried[name].push(n);
    }
    // The last server started may still be armed: what comes next runs on one that is not.
    await fleet.server.kill('SIGTERM');
    await fleet.startServer();
    await allAgentsOnline();
    expect(tried[name].length, `crash points of ${name}`).toBeGreaterThan(0);
  }

  /** Nothing is left in progress anywhere: runs, jobs, deployments and commands have all ended. */
  function expectAllAtRest(): void {
    expect(query("select id, status from deployments where status in ('staging', 'activating', 'rolling_back')")).toEqual([]);
    expect(query("select id, status from runs where status in ('queued', 'running')")).toEqual([]);
    expect(query("select id, status from jobs where status in ('queued', 'running')")).toEqual([]);
    expect(query('select id, agent_id from agent_commands where result is null')).toEqual([]);
    expect(query('select deployment_id, host_name, step from deployment_hosts where command_id is not null')).toEqual([]);
    expect(query(`select s.name, s.status from stages s join runs r on r.id = s.run_id
      where s.status not in ('succeeded', 'failed', 'skipped')`)).toEqual([]);
  }

  /** No command of the deployment ran twice on a host: each staging and each activation of a version at most once. */
  function expectNoCommandRanTwice(deploymentId: string): void {
    const lines = query<{ host: string; text: string }>("select host, text from log_lines where deployment_id = ? and stream = 'deploy'", deploymentId);
    const starts = lines.filter((l) => /^(staging|activating) /.test(l.text)).map((l) => `${l.host}: ${l.text.replace(/ \(\d+ bytes\)$/, '')}`);
    expect(starts.length, `deploy lines of ${deploymentId}: ${starts.join('; ')}`).toBe(new Set(starts).size);
  }

  /** The deployment ended as `outcome`, and every host answers with what that means. */
  async function expectDeploymentSettled(deploymentId: string, outcome: 'succeeded' | 'rolled_back', target: string, before: string): Promise<string> {
    const deployment = one<{ status: string; finished_at: number | null; cause: string | null }>('select status, finished_at, cause from deployments where id = ?', deploymentId)!;
    expect(deployment.status, `deployment ${deploymentId}: ${deployment.cause ?? ''}`).toBe(outcome);
    expect(deployment.finished_at).toBeTypeOf('number');
    const rest = deployment.status === 'succeeded' ? /^healthy$/ : /^(staged|stage_failed|restored)$/;
    for (const host of query<{ host_name: string; step: string }>('select host_name, step from deployment_hosts where deployment_id = ?', deploymentId)) {
      expect(host.step, `${host.host_name} in ${deploymentId}`).toMatch(rest);
    }
    const expected = deployment.status === 'succeeded' ? target : before;
    expect(await answers()).toEqual(hosts.map((h) => greeting(h, expected)));
    expectNoCommandRanTwice(deploymentId);
    expectAllAtRest();
    return expected;
  }

  const newestDeployment = () => one<{ id: string; status: string }>('select id, status from deployments order by created_at desc, rowid desc limit 1');
  const deploymentEnded = (after: string | undefined) => () => {
    const d = newestDeployment();
    return d !== undefined && d.id !== after && ['succeeded', 'rolled_back', 'failed'].includes(d.status);
  };

  beforeAll(async () => {
    const sha1 = fleet.initRepo(() => productionOnly(fleet));
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of hosts) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
    db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true, fileMustExist: true });
    await allAgentsOnline();
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1h' });
    v1 = versionOf(1, sha1);
    await waitFor('run #1 to succeed', () => one<{ status: string }>('select status from runs where number = 1')?.status === 'succeeded', { timeoutMs: 90_000 });
    const sha2 = fleet.commit('A second version', () => fleet.editFile('server.js', (js) => `${js}// the second version\n`));
    v2 = versionOf(2, sha2);
    await fleet.api.post(projectPath('hello', '/runs'), { ref: 'main' });
    await waitFor('run #2 to succeed', () => one<{ status: string }>('select status from runs where number = 2')?.status === 'succeeded', { timeoutMs: 90_000 });
    expect(await answers()).toEqual(hosts.map((h) => greeting(h, v2)));
  }, 240_000);

  afterAll(async () => {
    db?.close();
    await fleet.close();
    process.stdout.write(`crash points tried: ${JSON.stringify(tried)}\n`);
  });

  it('finishes a rolling deployment after a crash at any of its transactions, with every host on the outcome', async () => {
    let current = v2;
    await sweep('rolling deployment', async (n) => {
      const target = current === v1 ? v2 : v1;
      const last = newestDeployment()?.id;
      const crashed = await crashAt(n, () => fleet.api.post(projectPath('hello', '/deployments'), { version: target, env: 'production' }), deploymentEnded(last));
      // Nothing in this version fails: a crash must never turn its deployment into a rollback.
      current = await expectDeploymentSettled(newestDeployment()!.id, 'succeeded', target, current);
      return crashed;
    });
  }, 1_800_000);

  it('finishes a run and its build job after a crash at any of its transactions', async () => {
    let current = (await answers())[0]!.split(' ').at(-1)!;
    await sweep('run with its build job', async (n) => {
      const last = one<{ number: number }>('select max(number) as number from runs')!.number;
      const runEnded = () => ['succeeded', 'failed'].includes(one<{ status: string }>('select status from runs where number = ?', last + 1)?.status ?? '');
      const crashed = await crashAt(n, () => fleet.api.post(projectPath('hello', '/runs'), { ref: 'main' }), runEnded);
      const run = one<{ id: string; status: string; version: string }>('select id, status, version from runs where number = ?', last + 1)!;
      expect(run.status, `run #${last + 1} after crash point ${n}`).toBe('succeeded');
      const jobs = query<{ id: string; status: string }>('select id, status from jobs where run_id = ?', run.id);
      expect(jobs.map((j) => j.status)).toEqual(['succeeded']);
      // The build ran once: one command for its job, and the runner started its step once.
      const commands = query<{ command: string }>('select command from agent_commands').filter((c) => c.command.includes(jobs[0]!.id));
      expect(commands).toHaveLength(1);
      expect(query("select id from log_lines where run_id = ? and stream = 'job' and text = '$ npm test'", run.id)).toHaveLength(1);
      expect(one('select version from artifacts where run_id = ?', run.id)).toEqual({ version: run.version });
      const deployment = one<{ id: string }>('select id from deployments where run_id = ?', run.id)!;
      current = await expectDeploymentSettled(deployment.id, 'succeeded', run.version, current);
      return crashed;
    });
  }, 1_800_000);

  it('rolls a failing deployment back after a crash at any of its transactions, every host on the version before', async () => {
    // A version whose app dies at once on the third host: its activation fails there.
    const sha = fleet.commit('Breaks on production-3', () => fleet.editFile('server.js', (js) => `if (process.env.SLIPWAY_HOST === 'production-3') process.exit(1);\n${js}`));
    const number = one<{ number: number }>('select max(number) as number from runs')!.number + 1;
    await fleet.api.post(projectPath('hello', '/runs'), { ref: 'main' });
    await waitFor('the breaking run to end', () => ['succeeded', 'failed'].includes(one<{ status: string }>('select status from runs where number = ?', number)?.status ?? ''), { timeoutMs: 90_000 });
    const bad = versionOf(number, sha);
    const before = (await answers())[0]!.split(' ').at(-1)!;
    expect(await answers()).toEqual(hosts.map((h) => greeting(h, before)));

    await sweep('deployment that rolls back', async (n) => {
      const last = newestDeployment()?.id;
      const crashed = await crashAt(n, () => fleet.api.post(projectPath('hello', '/deployments'), { version: bad, env: 'production', force: true }), deploymentEnded(last));
      await expectDeploymentSettled(newestDeployment()!.id, 'rolled_back', bad, before);
      return crashed;
    });
  }, 1_800_000);
});
