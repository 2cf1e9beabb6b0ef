// The ground of the e2e tests (and the bench) of rollouts through a real HAProxy: three hosts with
// their own addresses (network namespaces), HAProxy in front of them, a Slipway server on the
// hosts' bridge, a runner, an LB agent driving HAProxy through its stats socket, a host agent on
// each host, and the project `hello` polled every second, whose production environment has the
// `loadBalancer:` block. Plus what those tests ask of it: runs, host steps, HAProxy's admin states,
// the apps' answers, load through HAProxy and one printed line of its counts.
import { adminState } from '../../src/agent/lb/apply-lb-command.ts';
import type { AgentView, RunDetail } from '../../src/core/api/answers.ts';
import type { DeploymentHost } from '../../src/core/model.ts';
import type { LbState } from '../../src/core/protocol/messages.ts';
import { projectPath } from '../../src/cli/api-client.ts';
import { HaproxyProcess, haproxyUnavailableReason } from './haproxy-process.ts';
import { LoadGenerator, type LoadCounts, type LoadOptions } from './load-generator.ts';
import { NetnsHosts, netnsUnavailableReason, type NetnsHost } from './netns-hosts.ts';
import { productionOnlyConfig } from './production-only-config.ts';
import { TestFleet } from './test-fleet.ts';
import { waitFor } from './wait-for.ts';

export interface LbTestGroundOptions {
  /** Starts every printed line (e.g. `lb-rollout.e2e`) and names the temp directory. */
  name: string;
  /** More options for `slipway server`, e.g. a short `--agent-grace`. */
  serverArgs?: string[];
  /** Extra lines for HAProxy's backend and frontend sections (see HaproxyOptions). */
  haproxy?: { backendLines?: string[]; frontendLines?: string[] };
  /** Changes the repository's files (slipway.yml is written already) before the first commit. */
  editRepo?: (fleet: TestFleet) => void;
}

/** The app's port on every host: HAProxy's servers and slipway.yml's `run.port`. */
const appPort = 8080;

/**
 * The slipway.yml of the ground: production only, batch 1, behind the HAProxy on `socket`
 * (backend `app`, a server per host named after it), with `drain` as the drain's limit.
 */
export function lbSlipwayYml(socket: string, drain = '5s'): string {
  return productionOnlyConfig({
    healthTimeout: '10s', batch: 1, port: appPort,
    productionLines: `    loadBalancer:\n      haproxy:\n        on: { role: lb }\n        socket: ${socket}\n        backend: app\n        server: "{host}"\n        drain: ${drain}\n`,
  });
}

/** Why this machine cannot set the ground up, or null when it can. */
function unavailableReason(): string | null {
  return netnsUnavailableReason() ?? haproxyUnavailableReason();
}

/** What start() sets up, in order; tearDown() removes what of it there is. */
interface GroundParts {
  hosts?: NetnsHosts;
  haproxy?: HaproxyProcess;
  fleet?: TestFleet;
}

export class LbTestGround {
  /** The hosts of production, in order; each is a server of HAProxy's backend `app` by its name. */
  readonly names: readonly string[] = ['host-1', 'host-2', 'host-3'];
  private readonly parts: GroundParts = {};
  private load: LoadGenerator | undefined;

  /** Makes nothing yet (a skipped test constructs it too): start() does. */
  constructor(private readonly options: LbTestGroundOptions) {}

  /**
   * Whether a test file on this ground skips: it does, printing why, when this machine cannot run
   * it (it needs root, `ip netns` and /usr/sbin/haproxy), except on CI (CI=true), which must run
   * it: there start() fails with the reason.
   */
  static skips(name: string): boolean {
    const unavailable = unavailableReason();
    const skip = unavailable !== null && process.env.CI !== 'true';
    if (skip) console.warn(`${name}: skipped, ${unavailable}`);
    return skip;
  }

  /**
   * Sets the ground up, ending when the five agents are online and the project is added (its
   * first run then starts by itself). HAProxy gets `retries 0` and `no option redispatch` unless
   * `haproxy.backendLines` says otherwise. What was set up is removed again if the rest fails.
   */
  async start(): Promise<void> {
    const unavailable = unavailableReason();
    if (unavailable) throw new Error(`CI runs this test, but this machine cannot: ${unavailable}`);
    try {
      await this.setUp();
    } catch (err) {
      await this.tearDown();
      throw err;
    }
  }

  get hosts(): NetnsHosts {
    return this.part('hosts');
  }

  get haproxy(): HaproxyProcess {
    return this.part('haproxy');
  }

  get fleet(): TestFleet {
    return this.part('fleet');
  }

  hostOf(name: string): NetnsHost {
    const host = this.hosts.hosts[this.names.indexOf(name)];
    if (!host) throw new Error(`no test host ${name}`);
    return host;
  }

  /** Starts (or starts again) the agent of host `name`, inside its namespace, with its address. */
  async startHostAgent(name: string): Promise<void> {
    const host = this.hostOf(name);
    await this.fleet.startAgent({ name, labels: 'env=production', address: host.address, prefix: host.exec });
  }

  run(n: number): Promise<RunDetail> {
    return this.fleet.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));
  }

  /** Run `n` once it is neither queued nor running (up to 3 minutes). */
  runEnded(n: number): Promise<RunDetail> {
    return waitFor(`run #${n} to end`, async () => {
      const r = await this.run(n);
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    }, { timeoutMs: 180_000, intervalMs: 250 });
  }

  /** Host `name`'s step in run `n`'s deployment; undefined while there is none (or the server is away). */
  async hostStep(n: number, name: string): Promise<DeploymentHost['step'] | undefined> {
    const r = await this.run(n).catch(() => undefined);
    return r?.deployments[0]?.hosts.find((h) => h.hostName === name)?.step;
  }

  /** Each server of the backend with its admin state (ready, drain, maint) as HAProxy reports it now. */
  async adminStates(): Promise<[string, LbState][]> {
    return (await this.haproxy.runtime.showServersState('app')).map((s) => [s.server, adminState(s.adminState)]);
  }

  async adminStateOf(name: string): Promise<LbState | undefined> {
    return (await this.adminStates()).find(([server]) => server === name)?.[1];
  }

  /** What the app on host `name` answers on / (trimmed), asked directly, not through HAProxy. */
  async answerOf(name: string): Promise<string> {
    const response = await fetch(`http://${this.hostOf(name).address}:${appPort}/`, { signal: AbortSignal.timeout(2000) });
    return (await response.text()).trim();
  }

  /**
   * Stops the load started before, if any, and starts load through HAProxy: by default 4 clients
   * with a fresh connection per request and 4 on keep-alive, without pause, for up to 5 minutes.
   */
  async startLoad(options: Partial<Omit<LoadOptions, 'url'>> = {}): Promise<LoadGenerator> {
    await this.load?.stop();
    this.load = LoadGenerator.start({ freshClients: 4, keepAliveClients: 4, deadlineMs: 300_000, requestTimeoutMs: 5000, ...options, url: `${this.haproxy.url}/` });
    return this.load;
  }

  /**
   * Prints one line of the counts and returns the 2xx answers by version. Failed is every request
   * sent that got no 2xx answer: a non-2xx answer, or a connection error (a time-out included). A
   * reset of a reused keep-alive connection as the request went out on it is one of the connection
   * errors, hence failed: the generator never retries, as a browser would.
   */
  report(what: string, counts: LoadCounts): Record<string, number> {
    const byVersion: Record<string, number> = {};
    const byHost: Record<string, Record<string, number>> = {};
    for (const [body, n] of Object.entries(counts.okByBody)) {
      const [, host = body, version = body] = /^hello from (\S+), running version (\S+)$/.exec(body) ?? [];
      byVersion[version] = (byVersion[version] ?? 0) + n;
      byHost[host] = { ...byHost[host], [version]: (byHost[host]?.[version] ?? 0) + n };
    }
    const failed = counts.sent - counts.ok;
    console.log(`${this.options.name}: ${what}: ${counts.sent} requests in ${Math.round(counts.elapsedMs)} ms ` +
      `(${counts.byConnection.fresh} on fresh connections, ${counts.byConnection.keepAlive} on keep-alive); ` +
      `by version: ${JSON.stringify(byVersion)}; by host: ${JSON.stringify(byHost)}; ` +
      `failed: ${failed} (${counts.non2xx} non-2xx, ${counts.connectionErrors} connection errors, of which ${counts.resetOnReusedConnection} resets of a reused connection)` +
      (failed > 0 ? `; examples: ${JSON.stringify(counts.examples)}` : ''));
    return byVersion;
  }

  /** Removes everything, in the order that leaves nothing running inside a namespace. Idempotent. */
  async tearDown(): Promise<void> {
    await this.load?.stop();
    await this.parts.haproxy?.stop();
    await this.parts.fleet?.close();
    this.parts.hosts?.close();
  }

  private async setUp(): Promise<void> {
    const { name, serverArgs = [], haproxy: lines = {}, editRepo } = this.options;
    const hosts = this.parts.hosts = NetnsHosts.create(this.names.length);
    // No retries and no redispatch: HAProxy itself hides no failed request, so every one that a
    // restart without draining would break shows in the counts (with them, most would not).
    const haproxy = this.parts.haproxy = await HaproxyProcess.start({
      servers: this.names.map((server) => ({ name: server, address: this.hostOf(server).address, port: appPort })),
      backendLines: lines.backendLines ?? ['retries 0', 'no option redispatch'],
      frontendLines: lines.frontendLines ?? [],
    });
    const fleet = this.parts.fleet = new TestFleet(name, serverArgs, hosts.bridgeAddress);
    fleet.initRepo(() => {
      fleet.editFile('slipway.yml', () => lbSlipwayYml(haproxy.socketPath));
      editRepo?.(fleet);
    });
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.startAgent({ name: 'lb-1', labels: 'role=lb', args: ['--haproxy-socket', haproxy.socketPath] });
    for (const host of this.names) await this.startHostAgent(host);
    await waitFor('five agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 5);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  }

  private part<K extends keyof GroundParts>(key: K): NonNullable<GroundParts[K]> {
    const part = this.parts[key];
    if (!part) throw new Error(`the test ground has no ${key}: start() it first`);
    return part;
  }
}
