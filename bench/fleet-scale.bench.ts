// How the server scales with the fleet: simulated hosts that speak the real protocol from separate
// processes (bench/simulated-agents.ts), one real server on SQLite, one real runner that builds
// two versions of the sample app. For each N it prints: the time until all are online (enrollment
// included), a deployment at batch 10% and at batch 1 (wall time, and the server's CPU per batch),
// the time from a host's failed activation until every touched host is restored, the time until
// all are back after the server is SIGKILLed and restarted, and the server's RSS.
// Run: npx tsx bench/fleet-scale.bench.ts [N ...]   (default 100 1000 5000)
// To see where the server's time goes: FLEET_SCALE_PROFILE=DIR writes a CPU profile of the server
// (up to the SIGKILL, which is then left out) into DIR.
// Who is online is read from the server's SQLite file, not from /api/v1/agents (see
// waitForSimulatedHostsOnline): reading that list every 250 ms loaded the server it measured.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Deployment } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { buildSlipway } from '../scripts/build.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import type { FromSimulatedAgents, ToSimulatedAgents } from './simulated-agents.ts';
import { waitForSimulatedHostsOnline, type RunDetail } from './bench-support.ts';

const sizes = process.argv.slice(2).map(Number);
const processes = 4;
const profileDir = process.env.FLEET_SCALE_PROFILE;
const config = `app: hello
build:
  steps:
    - name: unit tests
      run: npm test
  artifact: [server.js, greeting.js, package.json]
run:
  command: node server.js
  port: 8080
  health: { http: /healthz, timeout: 10s }
environments:
  tenth:
    hosts: { env: production }
    approval: manual
    batch: 10%
  one:
    hosts: { env: production }
    approval: manual
    batch: 1
`;

interface Row {
  n: number; enrolling: number; online: number; tenth: number; one: number; cpuPerBatch: number; restore: number; restart: number; rssMiB: number;
}

const rows: Row[] = [];
// The server as users run it (dist/, as the package installs it), not compiled from TypeScript at
// its start: from the sources, a restarted server took seconds more to answer than the build does.
await buildSlipway();
for (const n of sizes.length > 0 ? sizes : [100, 1000, 5000]) rows.push(await measure(n));
console.log('\nfleet of N simulated hosts (4 processes), one server on SQLite, this machine');
console.log('| | ' + rows.map((r) => `${r.n} hosts`).join(' | ') + ' |');
console.log('|---|' + rows.map(() => '---').join('|') + '|');
const line = (label: string, cell: (r: Row) => string) => console.log(`| ${label} | ${rows.map(cell).join(' | ')} |`);
line('all online after a cold start (enrollment included)', (r) => seconds(r.online));
line('… of which enrolling every host', (r) => seconds(r.enrolling));
line('deployment, batch 10%', (r) => seconds(r.tenth));
line('deployment, batch 1', (r) => seconds(r.one));
line('server CPU per batch (batch 1 less batch 10%, per extra batch)', (r) => `${r.cpuPerBatch.toFixed(2)} ms`);
line('failed activation → every touched host restored', (r) => `${Math.round(r.restore)} ms`);
line('all back online after the server is SIGKILLed and restarted', (r) => seconds(r.restart));
line('server RSS (peak)', (r) => `${Math.round(r.rssMiB)} MiB`);

async function measure(n: number): Promise<Row> {
  const fleet = new TestFleet(`bench-scale-${n}`);
  const children: ChildProcess[] = [];
  try {
    fleet.initRepo(() => fleet.editFile('slipway.yml', () => config));
    await fleet.startServer(profileDir ? { NODE_OPTIONS: `--import ${resolve(import.meta.dirname, 'cpu-profile-preload.mjs')}`, SLIPWAY_CPU_PROFILE_DIR: profileDir } : {});
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    const v1 = await builtVersion(fleet, 1);
    fleet.commit('A second version', () => fleet.editFile('server.js', (t) => `${t}// the second version\n`));
    const v2 = await builtVersion(fleet, 2);

    const started = Date.now();
    const perProcess = Math.ceil(n / processes);
    for (let p = 0; p < processes && p * perProcess < n; p++) {
      children.push(fork(resolve(import.meta.dirname, 'simulated-agents.ts'), [fleet.url, fleet.tokens.join, String(p * perProcess), String(Math.min(perProcess, n - p * perProcess))], {
        execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }));
    }
    // Each process enrolls its hosts first (one HTTP request each), then connects them all.
    const enrolled = Promise.all(children.map((c) => new Promise<void>((done) => c.on('message', (m: FromSimulatedAgents) => m.type === 'enrolled' && done()))));
    const enrolling = await enrolled.then(() => Date.now() - started);
    await waitForSimulatedHostsOnline(fleet, n);
    const online = Date.now() - started;
    console.log(`${n}: all enrolled in ${seconds(enrolling)}, all online in ${seconds(online)}`);

    // Every host gets v1 first, so that the measured deployments replace a running version.
    await deploy(fleet, v1, 'tenth', n);
    const tenth = await deploy(fleet, v2, 'tenth', n);
    const one = await deploy(fleet, v1, 'one', n);
    // Both stage and switch every host; batch 1 has n - 10 more batches: what they cost more is the overhead of a batch.
    const cpuPerBatch = (one.cpuMs - tenth.cpuMs) / (n - 10);
    console.log(`${n}: batch 10% ${seconds(tenth.ms)} (server CPU ${tenth.cpuMs} ms), batch 1 ${seconds(one.ms)} (server CPU ${one.cpuMs} ms)`);

    // The last host of a batch-10% deployment fails: every host that switched goes back.
    const failing = `sim-${String(n - 1).padStart(5, '0')}`;
    children.forEach((c) => c.send({ type: 'fail', host: failing, version: v2 } satisfies ToSimulatedAgents));
    const failedAt = new Promise<number>((done) => children.forEach((c) => c.on('message', (m: FromSimulatedAgents) => m.type === 'failed-at' && done(m.at))));
    const failed = await deploy(fleet, v2, 'tenth', n, 'rolled_back');
    const restore = failed.finishedAt - await failedAt;
    await agree(children, v1, n);
    console.log(`${n}: restored ${Math.round(restore)} ms after the failed activation`);

    const rssMiB = peakRssMiB(fleet.server.child.pid!);
    if (profileDir) {
      await fleet.server.kill('SIGTERM');
      return { n, enrolling, online, tenth: tenth.ms, one: one.ms, cpuPerBatch, restore, restart: NaN, rssMiB };
    }
    await fleet.server.kill('SIGKILL');
    const killedAt = Date.now();
    await fleet.startServer();
    await waitForSimulatedHostsOnline(fleet, n);
    const restart = Date.now() - killedAt;
    console.log(`${n}: all back online ${seconds(restart)} after the SIGKILL`);
    return { n, enrolling, online, tenth: tenth.ms, one: one.ms, cpuPerBatch, restore, restart, rssMiB };
  } finally {
    for (const child of children) child.disconnect();
    await fleet.close();
  }
}

/** The version run `number` built (its stages then wait for approval: the bench deploys by hand). */
async function builtVersion(fleet: TestFleet, number: number): Promise<string> {
  const run = await waitFor(`run #${number} to build`, async () => {
    const run = await fleet.api.get<RunDetail>(projectPath('hello', `/runs/${number}`));
    return run.status === 'failed' || run.stages.some((s) => s.status === 'awaiting_approval') ? run : undefined;
  }, { timeoutMs: 600_000, intervalMs: 100 });
  if (run.status === 'failed' || !run.version) throw new Error(`run #${number} failed: ${run.error}`);
  return run.version;
}

/** Starts a deployment and waits for its end; wall time and server CPU from the server's own records. */
async function deploy(fleet: TestFleet, version: string, env: string, n: number, expect: Deployment['status'] = 'succeeded') {
  const cpuBefore = cpuMs(fleet.server.child.pid!);
  const started = await fleet.api.post<Deployment>(projectPath('hello', '/deployments'), { version, env, force: true });
  const ended = await waitFor(`the deployment of ${version} to ${n} hosts`, async () => {
    const d = await fleet.api.get<Deployment>(`/api/v1/deployments/${started.id}`);
    return d.finishedAt ? d : undefined;
  }, { timeoutMs: 1_800_000, intervalMs: 250 });
  if (ended.status !== expect) throw new Error(`the deployment ${ended.status}, not ${expect}: ${ended.error}`);
  return { ms: ended.finishedAt! - ended.createdAt, finishedAt: ended.finishedAt!, cpuMs: cpuMs(fleet.server.child.pid!) - cpuBefore };
}

/** Checks that every simulated host runs `version`. */
async function agree(children: ChildProcess[], version: string, n: number): Promise<void> {
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
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function peakRssMiB(pid: number): number {
  const kib = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
