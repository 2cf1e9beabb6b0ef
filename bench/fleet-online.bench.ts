// The first phase of bench/fleet-scale.bench.ts alone, for quick loops on enrollment and connection
// cost: N simulated hosts (bench/simulated-agents.ts, 4 processes) enroll and connect to one server on
// SQLite that has a project and a runner (one run built, waiting for approval, as in fleet-scale);
// then the server is SIGKILLed and restarted and the hosts come back. Prints the time to enroll,
// to be all online, and to be all back after the SIGKILL, and the server's CPU time in each phase.
// Run: npx tsx bench/fleet-online.bench.ts [N ...]   (default 1000)
// FLEET_ONLINE_PROFILE=DIR writes a CPU profile of each phase (the cold start, then a restart after a
// SIGTERM instead of the SIGKILL) into DIR; sum it with `npx tsx bench/cpu-profile-summary.ts FILE`.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { productionOnlyConfig } from '../test/support/production-only-config.ts';
import type { FromSimulatedAgents } from './simulated-agents.ts';
import type { RunDetail } from './bench-support.ts';

const sizes = process.argv.slice(2).map(Number);
const processes = 4;
const profileDir = process.env.FLEET_ONLINE_PROFILE;
// As in fleet-scale: the environments wait for an approval, so the run stays active while hosts come.
const config = productionOnlyConfig({ port: 8080, healthTimeout: '10s', productionLines: '    approval: manual\n    batch: 10%\n' });
const profileEnv = profileDir ? { NODE_OPTIONS: `--import ${resolve(import.meta.dirname, 'cpu-profile-preload.mjs')}`, SLIPWAY_CPU_PROFILE_DIR: profileDir } : {};

for (const n of sizes.length > 0 ? sizes : [1000]) await measure(n);

async function measure(n: number): Promise<void> {
  const fleet = new TestFleet(`bench-online-${n}`);
  const children: ChildProcess[] = [];
  try {
    fleet.initRepo(() => fleet.editFile('slipway.yml', () => config));
    await fleet.startServer(profileEnv);
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    await waitFor('run #1 to build', async () => {
      const run = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
      if (run.status === 'failed') throw new Error(`run #1 failed: ${run.error}`);
      return run.stages.some((s) => s.status === 'awaiting_approval') ? run : undefined;
    }, { timeoutMs: 600_000, intervalMs: 100 });

    // The profile shows this phase only, not the start-up and the build.
    if (profileDir) fleet.server.child.kill('SIGUSR2');
    let cpuBefore = cpuMs(fleet.server.child.pid!);
    const started = Date.now();
    const perProcess = Math.ceil(n / processes);
    for (let p = 0; p < processes && p * perProcess < n; p++) {
      children.push(fork(resolve(import.meta.dirname, 'simulated-agents.ts'), [fleet.url, fleet.tokens.join, String(p * perProcess), String(Math.min(perProcess, n - p * perProcess))], {
        execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }));
    }
    const enrolled = Promise.all(children.map((c) => new Promise<void>((done) => c.on('message', (m: FromSimulatedAgents) => m.type === 'enrolled' && done()))));
    const enrolling = await enrolled.then(() => Date.now() - started);
    const enrollCpu = cpuMs(fleet.server.child.pid!) - cpuBefore;
    await allOnline(fleet, n);
    const online = Date.now() - started;
    const onlineCpu = cpuMs(fleet.server.child.pid!) - cpuBefore;
    console.log(`${n}: all enrolled in ${seconds(enrolling)} (server CPU ${enrollCpu} ms), all online in ${seconds(online)} (server CPU ${onlineCpu} ms)`);

    await fleet.server.kill(profileDir ? 'SIGTERM' : 'SIGKILL');
    const killedAt = Date.now();
    await fleet.startServer(profileEnv);
    if (profileDir) fleet.server.child.kill('SIGUSR2');
    cpuBefore = cpuMs(fleet.server.child.pid!);
    await allOnline(fleet, n);
    const restart = Date.now() - killedAt;
    const restartCpu = cpuMs(fleet.server.child.pid!) - cpuBefore;
    console.log(`${n}: all back online ${seconds(restart)} after the ${profileDir ? 'SIGTERM' : 'SIGKILL'} (server CPU after its start ${restartCpu} ms)`);
    if (profileDir) await fleet.server.kill('SIGTERM');
  } finally {
    for (const child of children) child.disconnect();
    await fleet.close();
  }
}

async function allOnline(fleet: TestFleet, n: number): Promise<void> {
  await waitFor(`${n} simulated hosts online`, async () => {
    const agents = await fleet.api.get<{ online: boolean; name: string }[]>('/api/v1/agents');
    return agents.filter((a) => a.online && a.name.startsWith('sim-')).length === n;
  }, { timeoutMs: 600_000, intervalMs: 250 });
}

/** The process's user + system CPU time in ms (from /proc: the server is another process). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
