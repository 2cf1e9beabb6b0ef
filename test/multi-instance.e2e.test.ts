// Two `slipway server` processes on one PostgreSQL database see each other's work: a command
// written by one instance reaches an agent connected to the other, a live tail and the event
// stream on one show the lines and events stored by the other, and an agent given both addresses connects to the one that is
// up. Needs SLIPWAY_TEST_POSTGRES_URL (CI sets it; without it the tests are skipped, never in CI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, DeploymentDetail, RunDetail } from '../src/core/api/answers.ts';
import type { LogLine, SlipwayEvent } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { createPostgresDatabase, skipWithoutPostgres, type PostgresDatabase } from './support/postgres-database.ts';
import { ProtocolAgent } from './support/protocol-agent.ts';
import { freePort } from './support/slipway-processes.ts';
import { readSseFrames } from './support/sse-frames.ts';
import { TestFleet, type FleetInstance } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

if (skipWithoutPostgres) console.warn('multi-instance.e2e: skipped, set SLIPWAY_TEST_POSTGRES_URL to run it');

describe.skipIf(skipWithoutPostgres)('two server instances on one PostgreSQL database', () => {
  const fleet = new TestFleet('multi-instance');
  let database: PostgresDatabase | undefined;
  /** The second instance; the fleet's own server (fleet.url, fleet.api) is instance A. */
  let b: FleetInstance;
  let sha = '';

  beforeAll(async () => {
    database = await createPostgresDatabase('slipway_multi');
    sha = fleet.initRepo();
    // Both on one database and one data dir (artifacts, mirrors and the secret key are files there).
    await fleet.startServer({ SLIPWAY_DATABASE_URL: database.url });
    // The project's first run is created before B starts, so that the tests below start from it.
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    await waitFor('run #1', () => fleet.api.get<RunDetail>(projectPath('hello', '/runs/1')), { timeoutMs: 30_000, intervalMs: 100 });
    b = await fleet.startInstance('server-b', { SLIPWAY_DATABASE_URL: database.url });
  }, 90_000);

  afterAll(async () => {
    await fleet.close();
    await database?.drop();
  });

  const agentOnline = (api: typeof fleet.api, name: string) =>
    waitFor(`${name} online`, async () => (await api.get<AgentView[]>('/api/v1/agents')).find((a) => a.name === name && a.online), { timeoutMs: 30_000, intervalMs: 100 });

  it('delivers the commands of a run and a deployment started through instance A to agents connected only to instance B', async () => {
    // Queued on A with no runner: its build job goes to runner-1 once it is connected (to B).
    for (const spec of [
      { name: 'runner-1', labels: 'role=runner' },
      { name: 'testing-1', labels: 'env=testing', appPort: true },
      { name: 'production-1', labels: 'env=production', appPort: true },
    ]) await fleet.startAgent({ ...spec, server: b.url });
    for (const name of ['runner-1', 'testing-1', 'production-1']) await agentOnline(fleet.api, name);

    const run = () => fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
    const stage = (r: RunDetail, name: string) => r.stages.find((s) => s.name === name)!;
    const waiting = await waitFor('run #1 to wait for approval', async () => {
      const r = await run();
      if (r.status === 'failed') throw new Error(`run #1 failed: ${JSON.stringify(r.stages)}`);
      return stage(r, 'production').status === 'awaiting_approval' ? r : undefined;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    const version = `1-${sha.slice(0, 7)}`;
    expect(waiting.version).toBe(version);
    expect(await fleet.appAnswer('testing-1')).toBe(`hello from testing-1, running version ${version}`);

    // The production deployment, approved through A: its prepare and activate go to production-1 on B.
    await fleet.api.post(projectPath('hello', '/runs/1/approve'), { env: 'production' });
    const done = await waitFor('run #1 to end', async () => {
      const r = await run();
      return r.status !== 'running' ? r : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200 });
    expect(done.status).toBe('succeeded');
    const production = done.deployments.find((d) => d.env === 'production')!;
    expect((await fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${production.id}`)).status).toBe('succeeded');
    expect(await fleet.appAnswer('production-1')).toBe(`hello from production-1, running version ${version}`);
  }, 240_000);

  it('shows on a live tail and the event stream opened on instance A the lines and events an agent brought to instance B', async () => {
    const tail = openSse<LogLine>(fleet.url, fleet.tokens.admin, '/api/v1/logs/tail?host=tailed-1', 'line');
    const stream = openSse<SlipwayEvent>(fleet.url, fleet.tokens.admin, '/api/v1/events/stream', 'event');
    await Promise.all([tail.connected, stream.connected]);
    const agent = await ProtocolAgent.enroll(b.url, fleet.tokens.join, 'tailed-1');
    try {
      // Enrolled through B, which stored the event.
      await waitFor('the enrollment on A\'s event stream', () => stream.items.some((e) => e.kind === 'agent.enrolled' && e.message.includes('tailed-1')), { timeoutMs: 15_000, intervalMs: 20 });
      const at = Date.now();
      await agent.send([1, 2, 3].map((seq) => ({ seq, at: at + seq, stream: 'app', text: `line ${seq} through B`, app: 'hello', env: 'logs' })));
      await agent.send([{ seq: 4, at: at + 4, stream: 'app', text: 'line 4 through B', app: 'hello', env: 'logs' }]);
      const lines = await waitFor('4 tailed lines on A', () => tail.items.length >= 4 && tail.items, { timeoutMs: 15_000, intervalMs: 20 });
      expect(lines.map((l) => l.text)).toEqual(['line 1 through B', 'line 2 through B', 'line 3 through B', 'line 4 through B']);
    } finally {
      agent.close();
      tail.close();
      stream.close();
    }
  });

  it('connects an agent given --server A,B with A down to B', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const agent = await fleet.startAgent({ name: 'fallback-1', labels: 'env=fallback', server: `${down},${b.url}` });
    await agentOnline(b.api, 'fallback-1');
    expect(agent.process.output()).toContain(`"server":"${b.url}","detail":"${b.url.replace(/^http/, 'ws')}/api/v1/agent","msg":"connected to the server"`);
    // Enrolled through B, known to A as well: one database.
    expect((await fleet.api.get<AgentView[]>('/api/v1/agents')).find((a) => a.name === 'fallback-1')?.online).toBe(true);
  });
});

/** Reads an SSE stream (a live tail, the event stream) with fetch, keeping the data of each `event`. */
function openSse<T>(url: string, token: string, path: string, event: string) {
  const items: T[] = [];
  const abort = new AbortController();
  const connected = fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal }).then((response) => {
    readSseFrames(response, (fields) => {
      if (fields.get('event') === event) items.push(JSON.parse(fields.get('data')!) as T);
    }).catch(() => undefined);
    return response;
  });
  return { items, connected, close: () => abort.abort() };
}
