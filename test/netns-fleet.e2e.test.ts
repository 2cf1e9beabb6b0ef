// The ground for the load-balancer tests (issue 8): three hosts with their own addresses (network
// namespaces on a bridge), each running a real `slipway agent --address <its address>`, the sample
// app deployed to them through Slipway on the same port everywhere, a real HAProxy in front, and
// load through it. Then everything is removed: no namespace, veth, bridge or process is left.
// It needs root and `ip netns`: elsewhere it is skipped with the reason, but never in CI.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, RunDetail } from '../src/core/api/answers.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { HaproxyProcess, haproxyUnavailableReason } from './support/haproxy-process.ts';
import { LoadGenerator } from './support/load-generator.ts';
import { NetnsHosts, netnsUnavailableReason } from './support/netns-hosts.ts';
import { productionOnlyConfig } from './support/production-only-config.ts';
import { processesUnder } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const unavailable = netnsUnavailableReason() ?? haproxyUnavailableReason();
const mustRun = process.env.CI === 'true';
if (unavailable && !mustRun) console.warn(`netns-fleet.e2e: skipped, ${unavailable}`);

// One environment, one host at a time, no approval: the deployment starts as soon as it is built;
// apps listen on the same port on every host.
const slipwayYml = productionOnlyConfig({ healthTimeout: '10s', batch: 1, port: 8080 });

const names = ['host-1', 'host-2', 'host-3'];

describe.skipIf(unavailable !== null && !mustRun)('hosts with their own addresses behind a real HAProxy', () => {
  let hosts: NetnsHosts | undefined;
  let fleet: TestFleet | undefined;
  let haproxy: HaproxyProcess | undefined;
  let version = '';
  const timings = { upMs: 0, downMs: 0 };

  const hostOf = (name: string) => hosts!.hosts[names.indexOf(name)]!;
  const answerOf = async (address: string) => (await (await fetch(`http://${address}:8080/`, { signal: AbortSignal.timeout(2000) })).text()).trim();

  /** Removes everything, in the order that leaves nothing running inside a namespace. Idempotent. */
  async function tearDown(): Promise<void> {
    await haproxy?.stop();
    await fleet?.close();
    const started = performance.now();
    hosts?.close();
    timings.downMs = performance.now() - started;
  }

  beforeAll(async () => {
    if (unavailable) throw new Error(`CI runs this test, but this machine cannot: ${unavailable}`);
    const started = performance.now();
    hosts = NetnsHosts.create(names.length);
    timings.upMs = performance.now() - started;

    fleet = new TestFleet('netns', [], hosts.bridgeAddress);
    const sha = fleet.initRepo(() => fleet!.editFile('slipway.yml', () => slipwayYml));
    version = `1-${sha.slice(0, 7)}`;
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of names) {
      const host = hostOf(name);
      await fleet.startAgent({ name, labels: 'env=production', address: host.address, prefix: host.exec });
    }
    await waitFor('four agents online', async () => (await fleet!.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 4);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  });

  afterAll(tearDown);

  it('deploys the sample app through Slipway to every host, each answering on the same port at its own address', async () => {
    const run = await waitFor('run #1 to end', async () => {
      const r = await fleet!.api.get<RunDetail>(projectPath('hello', '/runs/1'));
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    expect(run.status).toBe('succeeded');
    expect(run.deployments[0]!.hosts.map((h) => [h.hostName, h.step]).sort()).toEqual(names.map((n) => [n, 'healthy']));

    const agents = await fleet!.api.get<AgentView[]>('/api/v1/agents');
    expect(names.map((n) => agents.find((a) => a.name === n)?.address)).toEqual(names.map((n) => hostOf(n).address));
    for (const name of names) expect(await answerOf(hostOf(name).address)).toBe(`hello from ${name}, running version ${version}`);
  });

  it('serves every request with a 2xx from all three hosts through HAProxy under load', async () => {
    haproxy = await HaproxyProcess.start({ servers: names.map((name) => ({ name, address: hostOf(name).address, port: 8080 })) });
    await haproxy.waitUntilAllUp();
    expect((await haproxy.runtime.showServersState('app')).map((s) => [s.server, s.address, s.opState, s.adminState]))
      .toEqual(names.map((n) => [n, hostOf(n).address, 2, 0]));

    const load = LoadGenerator.start({ url: `${haproxy.url}/`, freshClients: 4, keepAliveClients: 4, deadlineMs: 2000, maxRequests: 100_000 });
    const counts = await load.done();
    console.log(`netns-fleet.e2e: ${counts.sent} requests in ${Math.round(counts.elapsedMs)} ms (${Math.round(counts.perSecond)}/s; ` +
      `${counts.byConnection.fresh} on fresh connections, ${counts.byConnection.keepAlive} on keep-alive), ${counts.ok} 2xx, ` +
      `${counts.non2xx} other statuses, ${counts.connectionErrors} connection errors; by answer: ${JSON.stringify(counts.okByBody)}`);

    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.sent).toBeGreaterThan(0);
    expect(counts.ok).toBe(counts.sent);
    expect(counts.byConnection.fresh).toBeGreaterThan(0);
    expect(counts.byConnection.keepAlive).toBeGreaterThan(0);
    expect(Object.keys(counts.okByBody).sort()).toEqual(names.map((n) => `hello from ${n}, running version ${version}`));
  });

  it('takes a host out when its network is cut, and back in when it returns', async () => {
    const status = async (name: string) => (await haproxy!.runtime.showStat('app')).find((r) => r.svname === name)?.status;
    hosts!.setNetwork(hostOf('host-3'), 'down');
    await expect(answerOf(hostOf('host-3').address)).rejects.toThrow();
    await waitFor('HAProxy to see host-3 DOWN', async () => (await status('host-3'))?.startsWith('DOWN'), { timeoutMs: 5000 });
    hosts!.setNetwork(hostOf('host-3'), 'up');
    await waitFor('HAProxy to see host-3 UP again', async () => (await status('host-3')) === 'UP', { timeoutMs: 5000 });
    expect(await answerOf(hostOf('host-3').address)).toBe(`hello from host-3, running version ${version}`);
  });

  it('loses the runtime state set through the stats socket when HAProxy is reloaded', async () => {
    await haproxy!.runtime.setServerState('app', 'host-2', 'drain');
    expect((await haproxy!.runtime.showServersState('app')).find((s) => s.server === 'host-2')?.adminState).toBe(8);
    const before = haproxy!.pid;
    await haproxy!.reload();
    expect(haproxy!.pid).not.toBe(before);
    expect((await haproxy!.runtime.showServersState('app')).find((s) => s.server === 'host-2')?.adminState).toBe(0);
    expect((await haproxy!.runtime.showStat('app')).map((r) => r.svname)).toEqual(names);
  });

  it('leaves no namespace, veth, bridge or process behind', async () => {
    // The agents, what runs in the fleet's directory (the apps on the hosts), and HAProxy.
    const agents = [...fleet!.agents.values()].map((a) => a.process.child.pid!);
    const apps = processesUnder(fleet!.dir).filter((pid) => !agents.includes(pid));
    expect(apps.length).toBeGreaterThanOrEqual(names.length);
    const pids = [...agents, ...apps, haproxy!.pid];
    await tearDown();
    console.log(`netns-fleet.e2e: ${names.length} hosts up in ${Math.round(timings.upMs)} ms, removed in ${Math.round(timings.downMs)} ms`);

    expect(hosts!.leftovers()).toEqual([]);
    expect(haproxy!.running).toBe(false);
    await waitFor('every process to be gone', () => pids.every((pid) => !running(pid)), { timeoutMs: 5000 });
  });
});

/** Whether the process runs (a zombie waiting for its parent to reap it does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
