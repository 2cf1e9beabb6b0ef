// Crash at every write of a deployment behind a real HAProxy (issue 8, the crash sweep of issue 6):
// the LB steps add many writes (rounds of `lb` commands to the LB agent, hosts draining, readying,
// ready), and a server that dies after any of them must, once started again on the same data, end
// the deployment as if nothing had happened: every host on the outcome and every server back in the
// pool, ready, in HAProxy. Three hosts on loopback (each app on its own port), an LB agent next to
// HAProxy, batch 1. Done for a rolling deployment and for one that rolls back.
//
// CI runs a sample of crash points spread over the deployment's writes; `npm run test:crash` runs all.
import SqliteDatabase from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminState } from '../src/agent/lb/apply-lb-command.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { CrashSweep, type Row } from './support/crash-sweep.ts';
import { HaproxyProcess, haproxyUnavailableReason } from './support/haproxy-process.ts';
import { productionOnlyConfig } from './support/production-only-config.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const unavailable = haproxyUnavailableReason();
const mustRun = process.env.CI === 'true';
if (unavailable && !mustRun) console.warn(`lb-crash-points.e2e: skipped, ${unavailable}`);

/**
 * CI's sample, spread over the rolling deployment's 25 or so transactions (counted with every point:
 * created, 3 stagings and 3 staged, the pre-flight read, then per host draining, activating, healthy,
 * readying, ready, and the end), so that each host's drain and ready steps are among them.
 */
const ROLLOUT_SAMPLE = [1, 5, 9, 12, 14, 17, 20, 23];
/** The same for the deployment that rolls back (40 or so: production-3 fails, then every host is restored through HAProxy). */
const ROLLBACK_SAMPLE = [2, 12, 21, 23, 26, 29, 33, 37];
const hosts = ['production-1', 'production-2', 'production-3'];
const versionOf = (n: number, sha: string) => `${n}-${sha.slice(0, 7)}`;

/** Production behind the test's HAProxy, one host at a time; each app on its agent's own port. */
const slipwayYml = (socket: string) => productionOnlyConfig({
  healthTimeout: '10s', batch: 1,
  productionLines: `    loadBalancer:\n      haproxy:\n        on: { role: lb }\n        socket: ${socket}\n        backend: app\n        server: "{host}"\n        drain: 5s\n`,
});

describe.skipIf(unavailable !== null && !mustRun)('a server behind HAProxy that crashes after any of its writes', () => {
  let fleet: TestFleet | undefined;
  let haproxy: HaproxyProcess | undefined;
  let db: SqliteDatabase.Database | undefined;
  let crash: CrashSweep;
  let v1 = '';
  let v2 = '';

  const query = <T = Row>(text: string, ...params: unknown[]) => crash.query<T>(text, ...params);
  const one = <T = Row>(text: string, ...params: unknown[]) => crash.one<T>(text, ...params);
  const answers = () => Promise.all(hosts.map((h) => fleet!.appAnswer(h)));
  const greeting = (host: string, version: string) => `hello from ${host}, running version ${version}`;
  const adminStates = async () => (await haproxy!.runtime.showServersState('app')).map((s) => [s.server, adminState(s.adminState)]);

  beforeAll(async () => {
    if (unavailable) throw new Error(`CI runs this test, but this machine cannot: ${unavailable}`);
    fleet = new TestFleet('lb-crash-points');
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    // The hosts first: HAProxy's backend needs the port each agent gives its app.
    for (const name of hosts) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
    haproxy = await HaproxyProcess.start({ servers: hosts.map((name) => ({ name, address: '127.0.0.1', port: fleet!.agent(name).port! })) });
    await fleet.startAgent({ name: 'lb-1', labels: 'role=lb', args: ['--haproxy-socket', haproxy.socketPath] });
    const sha1 = fleet.initRepo(() => fleet!.editFile('slipway.yml', () => slipwayYml(haproxy!.socketPath)));
    db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true, fileMustExist: true });
    crash = new CrashSweep(fleet, db, { agents: 5, sample: ROLLOUT_SAMPLE });
    await crash.allAgentsOnline();
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1h' });
    v1 = versionOf(1, sha1);
    await waitFor('run #1 to succeed', () => one<{ status: string }>('select status from runs where number = 1')?.status === 'succeeded', { timeoutMs: 120_000 });
    const sha2 = fleet.commit('A second version', () => fleet!.editFile('server.js', (js) => `${js}// the second version\n`));
    v2 = versionOf(2, sha2);
    await fleet.api.post(projectPath('hello', '/runs'), { ref: 'main' });
    await waitFor('run #2 to succeed', () => one<{ status: string }>('select status from runs where number = 2')?.status === 'succeeded', { timeoutMs: 120_000 });
    expect(await answers()).toEqual(hosts.map((h) => greeting(h, v2)));
    expect(await adminStates()).toEqual(hosts.map((h) => [h, 'ready']));
  }, 300_000);

  afterAll(async () => {
    db?.close();
    await haproxy?.stop();
    await fleet?.close();
    process.stdout.write(`lb crash points tried: ${JSON.stringify(crash?.tried ?? {})}\n`);
  });

  /**
   * The deployment ended as `outcome`: every host step at its LB end, every server ready in HAProxy,
   * every host answering with that outcome's version, no command twice, nothing in progress.
   */
  async function expectDeploymentSettled(deploymentId: string, outcome: 'succeeded' | 'rolled_back', target: string, before: string): Promise<string> {
    const deployment = one<{ status: string; finished_at: number | null; cause: string | null; error: string | null }>('select status, finished_at, cause, error from deployments where id = ?', deploymentId)!;
    expect(deployment.status, `deployment ${deploymentId}: ${deployment.cause ?? ''} ${deployment.error ?? ''}`).toBe(outcome);
    expect(deployment.finished_at).toBeTypeOf('number');
    const end = outcome === 'succeeded' ? 'ready' : 'restored_ready';
    const steps = query<{ host_name: string; step: string }>('select host_name, step from deployment_hosts where deployment_id = ? order by host_name', deploymentId);
    expect(steps.map((h) => [h.host_name, h.step])).toEqual(hosts.map((h) => [h, end]));
    expect(await adminStates()).toEqual(hosts.map((h) => [h, 'ready']));
    const expected = outcome === 'succeeded' ? target : before;
    expect(await answers()).toEqual(hosts.map((h) => greeting(h, expected)));
    crash.expectNoCommandRanTwice(deploymentId);
    crash.expectAllAtRest();
    return expected;
  }


  it('finishes a rolling deployment through HAProxy after a crash at any of its transactions, every server ready', async () => {
    let current = v2;
    await crash.sweep('rolling deployment behind HAProxy', async (n) => {
      const target = current === v1 ? v2 : v1;
      const last = crash.newestDeployment()?.id;
      const crashed = await crash.crashAt(n, () => fleet!.api.post(projectPath('hello', '/deployments'), { version: target, env: 'production' }), crash.deploymentEnded(last));
      current = await expectDeploymentSettled(crash.newestDeployment()!.id, 'succeeded', target, current);
      return crashed;
    });
  }, 3_600_000);

  it('rolls a deployment failing on production-3 back through HAProxy after a crash at any of its transactions', async () => {
    // A version whose app dies at once on the third host: its activation fails there.
    const sha = fleet!.commit('Breaks on production-3', () => fleet!.editFile('server.js', (js) => `if (process.env.SLIPWAY_HOST === 'production-3') process.exit(1);\n${js}`));
    const number = one<{ number: number }>('select max(number) as number from runs')!.number + 1;
    await fleet!.api.post(projectPath('hello', '/runs'), { ref: 'main' });
    await waitFor('the breaking run to end', () => ['succeeded', 'failed'].includes(one<{ status: string }>('select status from runs where number = ?', number)?.status ?? ''), { timeoutMs: 120_000 });
    const bad = versionOf(number, sha);
    const before = (await answers())[0]!.split(' ').at(-1)!;
    expect(await answers()).toEqual(hosts.map((h) => greeting(h, before)));
    expect(await adminStates()).toEqual(hosts.map((h) => [h, 'ready']));

    await crash.sweep('deployment behind HAProxy that rolls back', async (n) => {
      const last = crash.newestDeployment()?.id;
      const crashed = await crash.crashAt(n, () => fleet!.api.post(projectPath('hello', '/deployments'), { version: bad, env: 'production', force: true }), crash.deploymentEnded(last));
      await expectDeploymentSettled(crash.newestDeployment()!.id, 'rolled_back', bad, before);
      return crashed;
    }, ROLLBACK_SAMPLE);
  }, 3_600_000);
});
