// Zero-downtime rollouts through a real HAProxy (issue 8): three hosts with their own addresses
// (network namespaces), a real `slipway agent` on each, an LB agent next to HAProxy driving it
// through its stats socket, and a load generator sending requests through HAProxy without pause
// while (a) a new version rolls out one host at a time and (b) a version failing its health check
// on the third host rolls out and is rolled back everywhere. Every request must get a 2xx.
// It needs root and `ip netns`: elsewhere it is skipped with the reason, but never in CI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, DeploymentDetail } from '../src/core/api/answers.ts';
import { setTimeout as delay } from 'node:timers/promises';
import type { Deployment, SlipwayEvent } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { LbTestGround } from './support/lb-test-ground.ts';
import { readSseFrames } from './support/sse-frames.ts';
import { waitFor } from './support/wait-for.ts';

const ground = new LbTestGround({ name: 'lb-rollout.e2e' });
const { names } = ground;
const allReadyInHaproxy = names.map((n) => [n, 'ready']);

describe.skipIf(LbTestGround.skips('lb-rollout.e2e'))('rollouts and rollbacks through a real HAProxy under load', () => {
  beforeAll(() => ground.start(), 120_000);
  afterAll(() => ground.tearDown());

  it('deploys the first version through HAProxy: every host drained, activated, readied, and serving', async () => {
    const run = await ground.runEnded(1);
    expect(run.status).toBe('succeeded');
    expect(run.deployments[0]!.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'ready']));
    expect(await ground.adminStates()).toEqual(allReadyInHaproxy);
    await ground.haproxy.waitUntilAllUp();
  });

  it('(a) rolls a new version out to 3 hosts one at a time with every request answered 2xx', async () => {
    const load = await ground.startLoad();
    await waitFor('the first answers', () => load.snapshot().ok > 50);
    // Any commit is a new version, and every answer names the version that gave it.
    ground.fleet.commit('A second version', () => ground.fleet.editFile('server.js', (t) => `${t}// version two\n`));
    const run = await ground.runEnded(2);
    await waitFor('answers after the rollout', () => load.snapshot().ok > 0);
    const counts = await load.stop();
    const byVersion = ground.report('rollout of run #2', counts);

    const { createdAt, finishedAt } = run.deployments[0]!;
    console.log(`lb-rollout.e2e: the deployment of run #2 (3 hosts, batch 1, drained and readied) took ${finishedAt! - createdAt} ms`);
    expect(run.status).toBe('succeeded');
    expect(run.deployments[0]!.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'ready']));
    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.ok).toBe(counts.sent);
    expect(Object.keys(byVersion).sort()).toEqual([run.version, (await ground.run(1)).version].sort());
    expect(await ground.adminStates()).toEqual(allReadyInHaproxy);
  });

  it('(b) rolls a version failing its health check on the third host back on every host with every request answered 2xx', async () => {
    const previous = (await ground.run(2)).version;
    const load = await ground.startLoad();
    await waitFor('the first answers', () => load.snapshot().ok > 50);
    ground.fleet.commit('Health check fails on host-3', () => ground.fleet.editFile('server.js', (t) => t.replace(
      "if (request.url === '/healthz') {",
      "if (request.url === '/healthz' && host === 'host-3') {\n    response.writeHead(503).end('sick\\n');\n    return;\n  }\n  if (request.url === '/healthz') {",
    )));
    const run = await ground.runEnded(3);
    const counts = await load.stop();
    const byVersion = ground.report('rollout and rollback of run #3', counts);

    const deployment = run.deployments[0]!;
    expect(deployment.status).toBe('rolled_back');
    expect(deployment.cause).toMatchObject({ host: 'host-3', step: 'health' });
    expect(deployment.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'restored_ready']));
    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.ok).toBe(counts.sent);
    expect(byVersion[run.version]).toBeGreaterThan(0);
    expect(await ground.adminStates()).toEqual(allReadyInHaproxy);
    for (const name of names) expect(await ground.answerOf(name)).toBe(`hello from ${name}, running version ${previous}`);
  });

  it('(c) carries on after the server is killed while a host is out of the pool, from the lb commands it recorded', async () => {
    const load = await ground.startLoad();
    await waitFor('the first answers', () => load.snapshot().ok > 50);
    // The sample's server.js again (run #3's fails on host-3), as a new version.
    const healthy = readFileSync(join(import.meta.dirname, '../examples/hello/server.js'), 'utf8');
    // Told by the event stream the moment host-2 leaves the pool: a drain without open sessions
    // lasts only a few milliseconds, less than a poll of the run would take to see it.
    const abort = new AbortController();
    const outOfPool = new Promise<string>((resolve, reject) => {
      fetch(`${ground.fleet.url}/api/v1/events/stream`, { headers: { authorization: `Bearer ${ground.fleet.tokens.admin}` }, signal: abort.signal })
        .then((response) => readSseFrames(response, (fields) => {
          if (fields.get('event') !== 'event') return;
          const event = JSON.parse(fields.get('data')!) as SlipwayEvent;
          const step = event.data.step;
          if (event.kind === 'deployment.host' && event.data.host === 'host-2' && (step === 'draining' || step === 'readying')) resolve(step);
        }))
        .catch(reject);
    });
    ground.fleet.commit('A fourth version', () => ground.fleet.editFile('server.js', () => `${healthy}// version four\n`));
    const out = await Promise.race([outOfPool, delay(120_000).then(() => Promise.reject(new Error('host-2 never left the pool in run #4')))]);
    await ground.fleet.server.kill('SIGKILL');
    abort.abort();
    await ground.fleet.startServer();
    const run = await ground.runEnded(4);
    const counts = await load.stop();
    ground.report(`rollout of run #4, the server killed while host-2 was ${out}`, counts);

    // The whole deployment on failure, to see where it went.
    const deployment = run.deployments[0]!;
    expect({ run: run.status, error: run.error, deployment: deployment.status, cause: deployment.cause, deploymentError: deployment.error })
      .toEqual({ run: 'succeeded', error: null, deployment: 'succeeded', cause: null, deploymentError: null });
    expect(run.deployments[0]!.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'ready']));
    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.ok).toBe(counts.sent);
    expect(await ground.adminStates()).toEqual(allReadyInHaproxy);
  });

  it('(d) refuses a deployment before anything changes when a host of the environment has no server in the backend', async () => {
    const before = (await ground.run(4)).version;
    // A fourth host joins production; HAProxy's backend does not know it.
    await ground.fleet.startAgent({ name: 'host-4', labels: 'env=production', appPort: true });
    await waitFor('six agents online', async () => (await ground.fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 6);
    const deployment = await ground.fleet.api.post<Deployment>(projectPath('hello', '/deployments'), { version: before, env: 'production', force: true });
    const ended = await waitFor('the deployment to end', async () => {
      const d = await ground.fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${deployment.id}`);
      return d.finishedAt ? d : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });

    expect(ended.status).toBe('failed');
    expect(ended.error).toBe('refused before anything changed: backend app on LB agent lb-1 has no server for host-4 (host-4)');
    expect(ended.hosts.map((h) => h.step)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(await ground.adminStates()).toEqual(allReadyInHaproxy);
  });

  it('leaves no namespace, veth, bridge or HAProxy behind', async () => {
    await ground.tearDown();
    expect(ground.hosts.leftovers()).toEqual([]);
    expect(ground.haproxy.running).toBe(false);
  });
});
