// What the fleet benchmarks (fleet-scale, fleet-restart, fleet-online) share: a server with a runner
// that builds the sample app, simulated hosts in separate processes (bench/simulated-agents.ts),
// deployments timed by the server's own records, and the two recoveries: the restore after a failed
// activation, and the fleet's return after the server is killed.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Deployment } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import type { TestFleet } from '../test/support/test-fleet.ts';
import { sampleAppConfig } from '../test/support/production-only-config.ts';
import { waitFor } from '../test/support/wait-for.ts';
import type { FromSimulatedAgents, ToSimulatedAgents } from './simulated-agents.ts';
import { simulatedAgentsScript } from './simulated-agents-build.ts';
import type { RunDetail } from './bench-support.ts';

/** How many processes the simulated hosts are spread over. */
export const simulatedProcesses = 4;

/**
 * The sample app's slipway.yml with one environment per entry, each over every production host and
 * waiting for an approval: the runs stay active, and the bench deploys by hand.
 */
export function fleetConfig(environments: Record<string, string>): string {
  return sampleAppConfig({ port: 8080, healthTimeout: '10s' }, Object.entries(environments).map(([name, batch]) => `  ${name}:
    hosts: { env: production }
    approval: manual
    batch: ${batch}
`).join(''));
}

/** The server's environment that makes it write CPU profiles into `dir` (none without a dir). */
export function cpuProfileEnv(dir: string | undefined): NodeJS.ProcessEnv {
  return dir ? { NODE_OPTIONS: `--import ${resolve(import.meta.dirname, 'cpu-profile-preload.mjs')}`, SLIPWAY_CPU_PROFILE_DIR: dir } : {};
}

/** Starts the server (with `serverEnv`) and a runner, and adds the project on the repo with `config`. */
export async function startProject(fleet: TestFleet, config: string, serverEnv: NodeJS.ProcessEnv): Promise<void> {
  fleet.initRepo(() => fleet.editFile('slipway.yml', () => config));
  await fleet.startServer(serverEnv);
  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
}

/** startProject, then two versions built: the sample app, then a commit on it. */
/**
 * Warns when the kernel caps the server's listen queue below `n` (net.core.somaxconn): then a
 * reconnect of all `n` at once waits partly for the kernel's SYN retries (1, 3, 7 s), not the server.
 */
export function warnIfListenQueueCapped(n: number): void {
  const cap = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  if (cap < n) {
    console.warn(`note: net.core.somaxconn is ${cap}, below ${n} hosts: a reconnect of all at once also waits for the kernel's SYN retries (raise it: sysctl -w net.core.somaxconn=${2 ** Math.ceil(Math.log2(n))})`);
  }
}

export async function startBuiltFleet(fleet: TestFleet, config: string, serverEnv: NodeJS.ProcessEnv): Promise<{ v1: string; v2: string }> {
  await startProject(fleet, config, serverEnv);
  const v1 = await builtVersion(fleet, 1);
  fleet.commit('A second version', () => fleet.editFile('server.js', (t) => `${t}// the second version\n`));
  const v2 = await builtVersion(fleet, 2);
  return { v1, v2 };
}

/** The version run `number` built (its stages then wait for approval: the bench deploys by hand). */
export async function builtVersion(fleet: TestFleet, number: number): Promise<string> {
  const run = await waitFor(`run #${number} to build`, async () => {
    const run = await fleet.api.get<RunDetail>(projectPath('hello', `/runs/${number}`));
    return run.status === 'failed' || run.stages.some((s) => s.status === 'awaiting_approval') ? run : undefined;
  }, { timeoutMs: 600_000, intervalMs: 100 });
  if (run.status === 'failed' || !run.version) throw new Error(`run #${number} failed: ${run.error}`);
  return run.version;
}

/** bench/simulated-agents.ts bundled, built when this module loads: no bench times the build. */
const simulatedAgents = simulatedAgentsScript();

/**
 * Forks the processes that simulate `n` hosts (sim-00000 …), spread evenly, each running
 * simulatedAgents with plain node; the caller disconnects them.
 */
export function forkSimulatedAgents(fleet: TestFleet, n: number): ChildProcess[] {
  const children: ChildProcess[] = [];
  const perProcess = Math.ceil(n / simulatedProcesses);
  for (let p = 0; p < simulatedProcesses && p * perProcess < n; p++) {
    children.push(fork(simulatedAgents, [fleet.url, fleet.tokens.join, String(p * perProcess), String(Math.min(perProcess, n - p * perProcess))], {
      execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }));
  }
  return children;
}

/** What the processes of simulated hosts say when they all enrolled. */
export interface Enrolled {
  /** When the first process sent its first enrollment (ms since the epoch): before it, they were starting. */
  firstAt: number;
  /** The CPU the processes used to start (loading their modules), summed. */
  startCpuMs: number;
  /** The CPU the processes used to enroll their hosts, summed: they share the machine with the server. */
  enrollCpuMs: number;
  /** Enrollments sent again (no answer, or not 201), summed. */
  retries: number;
}

/** Resolves once every process has enrolled its hosts (one HTTP request each, before connecting them). */
export async function allEnrolled(children: ChildProcess[]): Promise<Enrolled> {
  const each = await Promise.all(children.map((c) => new Promise<Extract<FromSimulatedAgents, { type: 'enrolled' }>>((done) => {
    c.on('message', (m: FromSimulatedAgents) => m.type === 'enrolled' && done(m));
  })));
  return {
    firstAt: Math.min(...each.map((e) => e.firstAt)),
    startCpuMs: each.reduce((sum, e) => sum + e.startCpuMs, 0),
    enrollCpuMs: each.reduce((sum, e) => sum + e.enrollCpuMs, 0),
    retries: each.reduce((sum, e) => sum + e.retries, 0),
  };
}

/**
 * Waits until `n` simulated hosts (named sim-*) are online, as the server's SQLite file says: the
 * rows /api/v1/agents lists, read beside the server (read-only; WAL lets a reader in without holding
 * the writer). Reading that list every 250 ms cost the server about 85 ms a call at 5,000 hosts
 * (1.2 MB of JSON): a third of its time while the fleet reconnected, in the very figure measured.
 */
export async function allOnline(fleet: TestFleet, n: number): Promise<void> {
  const db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true, fileMustExist: true });
  try {
    const online = db.prepare<[], { n: number }>(`select count(*) as n from agents where online = 1 and name like 'sim-%'`);
    await waitFor(`${n} simulated hosts online`, () => online.get()?.n === n, { timeoutMs: 600_000, intervalMs: 250 });
  } finally {
    db.close();
  }
}

export interface DeployOptions {
  expect?: Deployment['status'];
  /** How often its end is polled: the figures are the server's own times, a slower poll only costs it less. */
  intervalMs?: number;
}

/**
 * Starts a deployment and waits for its end; wall time and server CPU from the server's own records.
 * Its end is read from the server's SQLite file, as allOnline reads who is online: the deployment's
 * detail from the API holds every host (75 ms of the server's CPU a call at 5,000 hosts), and
 * asking for it every 250 ms was most of the "server CPU per batch" measured.
 */
export async function deploy(fleet: TestFleet, version: string, env: string, n: number, options: DeployOptions = {}) {
  const { expect = 'succeeded', intervalMs = 250 } = options;
  const cpuBefore = cpuMs(fleet.server.child.pid!);
  const started = await fleet.api.post<Deployment>(projectPath('hello', '/deployments'), { version, env, force: true });
  const db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare<[string], { status: Deployment['status']; error: string | null; created_at: number; finished_at: number | null }>(
      'select status, error, created_at, finished_at from deployments where id = ?',
    );
    const ended = await waitFor(`the deployment of ${version} to ${n} hosts`, () => {
      const d = row.get(started.id);
      return d?.finished_at ? { ...d, finishedAt: d.finished_at } : undefined;
    }, { timeoutMs: 1_800_000, intervalMs });
    if (ended.status !== expect) throw new Error(`the deployment ${ended.status}, not ${expect}: ${ended.error}`);
    return { ms: ended.finishedAt - ended.created_at, finishedAt: ended.finishedAt, cpuMs: cpuMs(fleet.server.child.pid!) - cpuBefore };
  } finally {
    db.close();
  }
}

export interface RestoreOptions {
  /** Called when the failing host reports its failed activation (a profile can start there). */
  onFailed?: () => void;
  intervalMs?: number;
}

/**
 * The last host of a deployment of `version` to `env` fails its activation: every host that switched
 * goes back. Returns the ms from that failure until the deployment is rolled_back (`restore`), and
 * the deployment's own length.
 */
export async function measureRestore(fleet: TestFleet, children: ChildProcess[], version: string, env: string, n: number, options: RestoreOptions = {}): Promise<{ restore: number; deploymentMs: number }> {
  const failing = `sim-${String(n - 1).padStart(5, '0')}`;
  children.forEach((c) => c.send({ type: 'fail', host: failing, version } satisfies ToSimulatedAgents));
  const failedAt = new Promise<number>((done) => children.forEach((c) => c.on('message', (m: FromSimulatedAgents) => {
    if (m.type !== 'failed-at') return;
    options.onFailed?.();
    done(m.at);
  })));
  const failed = await deploy(fleet, version, env, n, { expect: 'rolled_back', ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }) });
  return { restore: failed.finishedAt - await failedAt, deploymentMs: failed.ms };
}

/**
 * Starts the server again (after the caller killed it at `killedAt`) and waits for the `n` hosts to
 * be back: the ms until it answered, and until all were online.
 */
export async function measureReturn(fleet: TestFleet, n: number, killedAt: number, serverEnv: NodeJS.ProcessEnv = {}): Promise<{ answering: number; listening: number; restart: number; serverCpu: number; health: HealthLatency }> {
  await fleet.startServer(serverEnv);
  const answering = Date.now() - killedAt;
  const probe = probeHealth(fleet.url);
  try {
    await allOnline(fleet, n);
  } finally {
    probe.stop();
  }
  // The CPU the restarted server used from its start until all were back: less at the mercy of a busy machine than wall time.
  const serverCpu = cpuMs(fleet.server.child.pid!);
  return { answering, listening: listeningAt(fleet) - killedAt, restart: Date.now() - killedAt, serverCpu, health: await probe.latency };
}

/** When the server last said it was listening (its log's time of "slipway server listening"), in ms since the epoch. */
function listeningAt(fleet: TestFleet): number {
  const lines = readFileSync(join(fleet.dir, 'logs', 'server.log'), 'utf8').split('\n');
  const line = lines.findLast((l) => l.includes('"slipway server listening"'));
  const time = line ? (JSON.parse(line) as { time?: number }).time : undefined;
  if (time === undefined) throw new Error('the server\'s log does not say when it listened');
  return time;
}

/** How long /api/v1/health took to answer while the fleet reconnected, in ms. */
export interface HealthLatency { probes: number; median: number; max: number }

/**
 * Asks /api/v1/health every 200 ms (one request at a time), as a load balancer's health check
 * would while the fleet reconnects, until stopped; resolves with how long the answers took.
 */
export function probeHealth(url: string): { stop: () => void; latency: Promise<HealthLatency> } {
  let stopped = false;
  const latency = (async () => {
    const took: number[] = [];
    while (!stopped) {
      const started = performance.now();
      const answer = await fetch(`${url}/api/v1/health`);
      if (!answer.ok) throw new Error(`/api/v1/health answered ${answer.status} while the fleet reconnected`);
      await answer.arrayBuffer();
      took.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 200));
    }
    took.sort((a, b) => a - b);
    return { probes: took.length, median: Math.round(took[Math.floor(took.length / 2)] ?? 0), max: Math.round(took.at(-1) ?? 0) };
  })();
  return { stop: () => { stopped = true; }, latency };
}

/** Checks that every simulated host runs `version`. */
export async function agree(children: ChildProcess[], version: string, n: number): Promise<void> {
  const reports = await Promise.all(children.map((c) => new Promise<Record<string, string | null>>((done) => {
    const listen = (m: FromSimulatedAgents) => {
      if (m.type !== 'report') return;
      c.off('message', listen);
      done(m.versions);
    };
    c.on('message', listen);
    c.send({ type: 'report' } satisfies ToSimulatedAgents);
  })));
  const wrong = reports.flatMap((r) => Object.entries(r)).filter(([, v]) => v !== version);
  if (wrong.length > 0 || reports.reduce((sum, r) => sum + Object.keys(r).length, 0) !== n) {
    throw new Error(`hosts disagree: ${wrong.slice(0, 5).map(([h, v]) => `${h} on ${v}`).join(', ')}`);
  }
}

/** The process's user + system CPU time in ms (from /proc: the server is another process). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export function peakRssMiB(pid: number): number {
  const kib = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
