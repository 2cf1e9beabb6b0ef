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
import { projectPath } from '../src/cli/api-client.ts';
import { CrashSweep, type Row } from './support/crash-sweep.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

/** CI's sample of crash points (see crash-sweep.ts for the others). */
const SAMPLE = [1, 2, 3, 5, 8, 13];
const hosts = ['production-1', 'production-2', 'production-3'];
const versionOf = (n: number, sha: string) => `${n}-${sha.slice(0, 7)}`;

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
  let crash: CrashSweep;
  let v1 = '';
  let v2 = '';

  const query = <T = Row>(text: string, ...params: unknown[]) => crash.query<T>(text, ...params);
  const one = <T = Row>(text: string, ...params: unknown[]) => crash.one<T>(text, ...params);
  const answers = () => Promise.all(hosts.map((h) => fleet.appAnswer(h)));
  const greeting = (host: string, version: string) => `hello from ${host}, running version ${version}`;

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
    crash.expectNoCommandRanTwice(deploymentId);
    crash.expectAllAtRest();
    return expected;
  }


  beforeAll(async () => {
    const sha1 = fleet.initRepo(() => productionOnly(fleet));
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of hosts) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
    db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true, fileMustExist: true });
    crash = new CrashSweep(fleet, db, { agents: 4, sample: SAMPLE });
    await crash.allAgentsOnline();
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
    process.stdout.write(`crash points tried: ${JSON.stringify(crash?.tried ?? {})}\n`);
  });

  it('finishes a rolling deployment after a crash at any of its transactions, with every host on the outcome', async () => {
    let current = v2;
    await crash.sweep('rolling deployment', async (n) => {
      const target = current === v1 ? v2 : v1;
      const last = crash.newestDeployment()?.id;
      const crashed = await crash.crashAt(n, () => fleet.api.post(projectPath('hello', '/deployments'), { version: target, env: 'production' }), crash.deploymentEnded(last));
      // Nothing in this version fails: a crash must never turn its deployment into a rollback.
      current = await expectDeploymentSettled(crash.newestDeployment()!.id, 'succeeded', target, current);
      return crashed;
    });
  }, 1_800_000);

  it('finishes a run and its build job after a crash at any of its transactions', async () => {
    let current = (await answers())[0]!.split(' ').at(-1)!;
    await crash.sweep('run with its build job', async (n) => {
      const last = one<{ number: number }>('select max(number) as number from runs')!.number;
      const runEnded = () => ['succeeded', 'failed'].includes(one<{ status: string }>('select status from runs where number = ?', last + 1)?.status ?? '');
      const crashed = await crash.crashAt(n, () => fleet.api.post(projectPath('hello', '/runs'), { ref: 'main' }), runEnded);
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

    await crash.sweep('deployment that rolls back', async (n) => {
      const last = crash.newestDeployment()?.id;
      const crashed = await crash.crashAt(n, () => fleet.api.post(projectPath('hello', '/deployments'), { version: bad, env: 'production', force: true }), crash.deploymentEnded(last));
      await expectDeploymentSettled(crash.newestDeployment()!.id, 'rolled_back', bad, before);
      return crashed;
    });
  }, 1_800_000);
});
