// The loss of a server instance in the middle of a production rollout: two `slipway server`
// processes on one PostgreSQL database, agents spread over both, and the instance that runs the
// engine (it holds the engine's lease) SIGKILLed while hosts are switching. The other instance
// takes the engine over once the lease runs out, the dead instance's agents reconnect to it, and
// the deployment ends succeeded or rolled back with every host on the version that says.
// Needs SLIPWAY_TEST_POSTGRES_URL (CI sets it; without it the test is skipped, never in CI).
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentView, RunDetail } from '../src/core/api/answers.ts';
import { projectPath, type ApiClient } from '../src/cli/api-client.ts';
import { createPostgresDatabase, skipWithoutPostgres, type PostgresDatabase } from './support/postgres-database.ts';
import { productionOnlyConfig } from './support/production-only-config.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

if (skipWithoutPostgres) console.warn('multi-instance-failover.e2e: skipped, set SLIPWAY_TEST_POSTGRES_URL to run it');

const hosts = ['production-1', 'production-2', 'production-3', 'production-4'];

describe.skipIf(skipWithoutPostgres)('a server instance SIGKILLed in the middle of a rollout', () => {
  const fleet = new TestFleet('failover');
  let database: PostgresDatabase | undefined;

  afterAll(async () => {
    await fleet.close();
    await database?.drop();
  });

  it('lets the other instance finish the deployment, and every host agrees on one version', async () => {
    database = await createPostgresDatabase('slipway_failover');
    // Each host takes a second to start its app, so that the rollout of four at batch 1 lasts a while.
    fleet.initRepo(() => {
      fleet.editFile('slipway.yml', () => productionOnlyConfig({ healthTimeout: '20s', batch: 1 }));
      fleet.editFile('server.js', (text) => text.replace('server.listen(', 'setTimeout(() => server.listen(').replace("});\nprocess.on('SIGTERM'", "}), 1000);\nprocess.on('SIGTERM'"));
    });
    // A starts first, so it holds the engine's lease; both share one database and one data dir.
    await fleet.startServer({ SLIPWAY_DATABASE_URL: database.url });
    const b = await fleet.startInstance('server-b', { SLIPWAY_DATABASE_URL: database.url });
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner', server: b.url });
    // Hosts 1 and 2 on A (moving to B when A is gone), 3 and 4 on B.
    for (const [i, name] of hosts.entries()) {
      await fleet.startAgent({ name, labels: 'env=production', appPort: true, server: i < 2 ? `${fleet.url},${b.url}` : `${b.url},${fleet.url}` });
    }
    await allOnline(b.api);

    await b.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    const first = await runEnd(b.api, 1);
    expect(first.status).toBe('succeeded');

    fleet.commit('The second version', () => fleet.editFile('server.js', (text) => `${text}// the second version\n`));
    // Killed once the first host of the rollout is on the new version and the others are not.
    await waitFor('the rollout of the new version to be under way', async () => {
      const run = await b.api.get<RunDetail>(projectPath('hello', '/runs/2')).catch(() => undefined);
      const deployment = run?.deployments.find((d) => d.kind === 'deploy');
      if (deployment?.finishedAt) throw new Error('the rollout ended before the instance could be killed');
      return deployment?.hosts.some((h) => h.step === 'healthy') ? deployment : undefined;
    }, { timeoutMs: 180_000, intervalMs: 50 });
    await fleet.server.kill('SIGKILL');

    const second = await runEnd(b.api, 2);
    const deployment = second.deployments.find((d) => d.kind === 'deploy')!;
    expect(['succeeded', 'rolled_back']).toContain(deployment.status);
    const expected = deployment.status === 'succeeded' ? second.version : first.version;
    const answers = await Promise.all(hosts.map((name) => fleet.appAnswer(name)));
    expect(answers.map((a) => a?.split('running version ')[1])).toEqual(hosts.map(() => expected));
    // The dead instance's agents are held by B now.
    await allOnline(b.api);
  }, 420_000);
});

async function allOnline(api: ApiClient): Promise<void> {
  await waitFor('every agent online', async () => {
    const agents = await api.get<AgentView[]>('/api/v1/agents');
    return agents.filter((a) => a.online).length === hosts.length + 1;
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

async function runEnd(api: ApiClient, number: number): Promise<RunDetail> {
  return waitFor(`run #${number} to end`, async () => {
    const run = await api.get<RunDetail>(projectPath('hello', `/runs/${number}`)).catch(() => undefined);
    return run && run.status !== 'running' && run.status !== 'queued' ? run : undefined;
  }, { timeoutMs: 240_000, intervalMs: 200 });
}
