// Zero-downtime rollouts through a real HAProxy (issue 8): three hosts with their own addresses
// (network namespaces), a real `slipway agent` on each, an LB agent next to HAProxy driving it
// through its stats socket, and a load generator sending requests through HAProxy without pause
// while (a) a new version rolls out one host at a time and (b) a version failing its health check
// on the third host rolls out and is rolled back everywhere. Every request must get a 2xx.
// It needs root and `ip netns`: elsewhere it is skipped with the reason, but never in CI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, DeploymentDetail, RunDetail } from '../src/core/api/answers.ts';
import type { Deployment } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { HaproxyProcess, haproxyUnavailableReason } from './support/haproxy-process.ts';
import { LoadGenerator, type LoadCounts } from './support/load-generator.ts';
import { NetnsHosts, netnsUnavailableReason } from './support/netns-hosts.ts';
import { productionOnlyConfig } from './support/production-only-config.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const unavailable = netnsUnavailableReason() ?? haproxyUnavailableReason();
const mustRun = process.env.CI === 'true';
if (unavailable && !mustRun) console.warn(`lb-rollout.e2e: skipped, ${unavailable}`);

const names = ['host-1', 'host-2', 'host-3'];

/** The test's own slipway.yml: production behind the test's HAProxy, apps on the same port everywhere. */
const slipwayYml = (socket: string) => productionOnlyConfig({
  healthTimeout: '10s', batch: 1, port: 8080,
  productionLines: `    loadBalancer:\n      haproxy:\n        on: { role: lb }\n        socket: ${socket}\n        backend: app\n        server: "{host}"\n        drain: 5s\n`,
});

describe.skipIf(unavailable !== null && !mustRun)('rollouts and rollbacks through a real HAProxy under load', () => {
  let hosts: NetnsHosts | undefined;
  let fleet: TestFleet | undefined;
  let haproxy: HaproxyProcess | undefined;
  let load: LoadGenerator | undefined;
  const hostOf = (name: string) => hosts!.hosts[names.indexOf(name)]!;

  beforeAll(async () => {
    if (unavailable) throw new Error(`CI runs this test, but this machine cannot: ${unavailable}`);
    hosts = NetnsHosts.create(names.length);
    // No retries and no redispatch: HAProxy itself hides no failed request, so every one that a
    // restart without draining would break shows in the counts (with them, most would not).
    haproxy = await HaproxyProcess.start({
      servers: names.map((name) => ({ name, address: hostOf(name).address, port: 8080 })),
      backendLines: ['retries 0', 'no option redispatch'],
    });
    fleet = new TestFleet('lb-rollout', [], hosts.bridgeAddress);
    fleet.initRepo(() => fleet!.editFile('slipway.yml', () => slipwayYml(haproxy!.socketPath)));
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.startAgent({ name: 'lb-1', labels: 'role=lb', args: ['--haproxy-socket', haproxy.socketPath] });
    for (const name of names) {
      const host = hostOf(name);
      await fleet.startAgent({ name, labels: 'env=production', address: host.address, prefix: host.exec });
    }
    await waitFor('five agents online', async () => (await fleet!.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 5);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  }, 120_000);

  /** Removes everything, in the order that leaves nothing running inside a namespace. Idempotent. */
  async function tearDown(): Promise<void> {
    await load?.stop();
    await haproxy?.stop();
    await fleet?.close();
    hosts?.close();
  }

  afterAll(tearDown);

  const runEnded = (n: number) => waitFor(`run #${n} to end`, async () => {
    const r = await fleet!.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));
    return r.status === 'queued' || r.status === 'running' ? undefined : r;
  }, { timeoutMs: 180_000, intervalMs: 250 });

  const adminStates = async () => (await haproxy!.runtime.showServersState('app')).map((s) => [s.server, s.adminState]);
  const allReadyInHaproxy = names.map((n) => [n, 0]);

  function startLoad(): LoadGenerator {
    load = LoadGenerator.start({ url: `${haproxy!.url}/`, freshClients: 4, keepAliveClients: 4, deadlineMs: 300_000, requestTimeoutMs: 5000 });
    return load;
  }

  /** Prints the counts, by version, and returns the answers per version. */
  function report(what: string, counts: LoadCounts): Record<string, number> {
    const byVersion: Record<string, number> = {};
    for (const [body, n] of Object.entries(counts.okByBody)) {
      const version = / running version (\S+)$/.exec(body.trim())?.[1] ?? body;
      byVersion[version] = (byVersion[version] ?? 0) + n;
    }
    const failed = counts.sent - counts.ok;
    console.log(`lb-rollout.e2e: ${what}: ${counts.sent} requests in ${Math.round(counts.elapsedMs)} ms ` +
      `(${counts.byConnection.fresh} on fresh connections, ${counts.byConnection.keepAlive} on keep-alive); by version: ${JSON.stringify(byVersion)}; ` +
      `failed: ${failed} (${counts.non2xx} non-2xx, ${counts.connectionErrors} connection errors, ${counts.resetOnReusedConnection} resets of a reused connection)`);
    return byVersion;
  }

  it('deploys the first version through HAProxy: every host drained, activated, readied, and serving', async () => {
    const run = await runEnded(1);
    expect(run.status).toBe('succeeded');
    expect(run.deployments[0]!.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'ready']));
    expect(await adminStates()).toEqual(allReadyInHaproxy);
    await haproxy!.waitUntilAllUp();
  });

  it('(a) rolls a new version out to 3 hosts one at a time with every request answered 2xx', async () => {
    const load = startLoad();
    await waitFor('the first answers', () => load.snapshot().ok > 50);
    // Any commit is a new version, and every answer names the version that gave it.
    fleet!.commit('A second version', () => fleet!.editFile('server.js', (t) => `${t}// version two\n`));
    const run = await runEnded(2);
    await waitFor('answers after the rollout', () => load.snapshot().ok > 0);
    const counts = await load.stop();
    const byVersion = report('rollout of run #2', counts);

    const { createdAt, finishedAt } = run.deployments[0]!;
    console.log(`lb-rollout.e2e: the deployment of run #2 (3 hosts, batch 1, drained and readied) took ${finishedAt! - createdAt} ms`);
    expect(run.status).toBe('succeeded');
    expect(run.deployments[0]!.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'ready']));
    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.ok).toBe(counts.sent);
    expect(Object.keys(byVersion).sort()).toEqual([run.version, (await fleet!.api.get<RunDetail>(projectPath('hello', '/runs/1'))).version].sort());
    expect(await adminStates()).toEqual(allReadyInHaproxy);
  });

  it('(b) rolls a version failing its health check on the third host back on every host with every request answered 2xx', async () => {
    const previous = (await fleet!.api.get<RunDetail>(projectPath('hello', '/runs/2'))).version;
    const load = startLoad();
    await waitFor('the first answers', () => load.snapshot().ok > 50);
    fleet!.commit('Health check fails on host-3', () => fleet!.editFile('server.js', (t) => t.replace(
      "if (request.url === '/healthz') {",
      "if (request.url === '/healthz' && host === 'host-3') {\n    response.writeHead(503).end('sick\\n');\n    return;\n  }\n  if (request.url === '/healthz') {",
    )));
    const run = await runEnded(3);
    const counts = await load.stop();
    const byVersion = report('rollout and rollback of run #3', counts);

    const deployment = run.deployments[0]!;
    expect(deployment.status).toBe('rolled_back');
    expect(deployment.cause).toMatchObject({ host: 'host-3', step: 'health' });
    expect(deployment.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'restored_ready']));
    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.ok).toBe(counts.sent);
    expect(byVersion[run.version]).toBeGreaterThan(0);
    expect(await adminStates()).toEqual(allReadyInHaproxy);
    for (const name of names) {
      const answer = await (await fetch(`http://${hostOf(name).address}:8080/`, { signal: AbortSignal.timeout(2000) })).text();
      expect(answer.trim()).toBe(`hello from ${name}, running version ${previous}`);
    }
  });

  it('(c) carries on after the server is killed while a host is out of the pool, from the lb commands it recorded', async () => {
    const load = startLoad();
    await waitFor('the first answers', () => load.snapshot().ok > 50);
    // The sample's server.js again (run #3's fails on host-3), as a new version.
    const healthy = readFileSync(join(import.meta.dirname, '../examples/hello/server.js'), 'utf8');
    fleet!.commit('A fourth version', () => fleet!.editFile('server.js', () => `${healthy}// version four\n`));
    const out = await waitFor('host-2 out of the pool in run #4', async () => {
      const r = await fleet!.api.get<RunDetail>(projectPath('hello', '/runs/4')).catch(() => undefined);
      const step = r?.deployments[0]?.hosts.find((h) => h.hostName === 'host-2')?.step;
      return step === 'draining' || step === 'readying' ? step : undefined;
    }, { timeoutMs: 120_000, intervalMs: 20 });
    await fleet!.server.kill('SIGKILL');
    await fleet!.startServer();
    const run = await runEnded(4);
    const counts = await load.stop();
    report(`rollout of run #4, the server killed while host-2 was ${out}`, counts);

    // The whole deployment on failure, to see where it went.
    const deployment = run.deployments[0]!;
    expect({ run: run.status, error: run.error, deployment: deployment.status, cause: deployment.cause, deploymentError: deployment.error })
      .toEqual({ run: 'succeeded', error: null, deployment: 'succeeded', cause: null, deploymentError: null });
    expect(run.deployments[0]!.hosts.map((h) => [h.hostName, h.step])).toEqual(names.map((n) => [n, 'ready']));
    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.ok).toBe(counts.sent);
    expect(await adminStates()).toEqual(allReadyInHaproxy);
  });

  it('(d) refuses a deployment before anything changes when a host of the environment has no server in the backend', async () => {
    const before = (await fleet!.api.get<RunDetail>(projectPath('hello', '/runs/4'))).version;
    // A fourth host joins production; HAProxy's backend does not know it.
    await fleet!.startAgent({ name: 'host-4', labels: 'env=production', appPort: true });
    await waitFor('six agents online', async () => (await fleet!.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 6);
    const deployment = await fleet!.api.post<Deployment>(projectPath('hello', '/deployments'), { version: before, env: 'production', force: true });
    const ended = await waitFor('the deployment to end', async () => {
      const d = await fleet!.api.get<DeploymentDetail>(`/api/v1/deployments/${deployment.id}`);
      return d.finishedAt ? d : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });

    expect(ended.status).toBe('failed');
    expect(ended.error).toBe('refused before anything changed: backend app on LB agent lb-1 has no server for host-4 (host-4)');
    expect(ended.hosts.map((h) => h.step)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(await adminStates()).toEqual(allReadyInHaproxy);
  });

  it('leaves no namespace, veth, bridge or HAProxy behind', async () => {
    await tearDown();
    expect(hosts!.leftovers()).toEqual([]);
    expect(haproxy!.running).toBe(false);
  });
});
