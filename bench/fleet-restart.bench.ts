// The two recoveries of bench/fleet-scale.bench.ts alone, with where their time goes: the restore
// of every touched host after a failed activation, and the fleet's return after the server is
// SIGKILLed (split into the server's start until it answers, and the agents' return after). Same
// simulated hosts (bench/simulated-agents.ts), same server on SQLite, without the batch-1
// deployment (n batches) that fleet-scale measures: quicker to run again while working on these.
// Run: npx tsx bench/fleet-restart.bench.ts [N ...]   (default 1000)
// FLEET_RESTART_PROFILE=DIR writes CPU profiles of the server into DIR: <pid>.cpuprofile of the
// first server covers the restore only; that of the restarted server its start until all are back.
// FLEET_RESTART_KEEP=DIR keeps a copy of the server's data dir as the SIGKILL left it, in DIR/server-N.
// Who is online is read from the server's SQLite file, not from /api/v1/agents (see
// waitForSimulatedHostsOnline): reading that list every 250 ms loaded the server it measured.
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Deployment } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { buildSlipway } from '../scripts/build.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import type { FromSimulatedAgents, ToSimulatedAgents } from './simulated-agents.ts';
import { waitForSimulatedHostsOnline, type RunDetail } from './bench-support.ts';

const sizes = process.argv.slice(2).map(Number);
const processes = 4;
const profileDir = process.env.FLEET_RESTART_PROFILE;
const profiled = profileDir ? { NODE_OPTIONS: `--import ${resolve(import.meta.dirname, 'cpu-profile-preload.mjs')}`, SLIPWAY_CPU_PROFILE_DIR: profileDir } : {};
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
`;

// The server as users run it (dist/, as the package installs it), not compiled from TypeScript at
// its start: from the sources, a restarted server took seconds more to answer than the build does.
await buildSlipway();
for (const n of sizes.length > 0 ? sizes : [1000]) await measure(n);

async function measure(n: number): Promise<void> {
  const fleet = new TestFleet(`bench-restart-${n}`);
  const children: ChildProcess[] = [];
  try {
    fleet.initRepo(() => fleet.editFile('slipway.yml', () => config));
    await fleet.startServer(profiled);
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    const v1 = await builtVersion(fleet, 1);
    fleet.commit('A second version', () => fleet.editFile('server.js', (t) => `${t}// the second version\n`));
    const v2 = await builtVersion(fleet, 2);

    const perProcess = Math.ceil(n / processes);
    for (let p = 0; p < processes && p * perProcess < n; p++) {
      children.push(fork(resolve(import.meta.dirname, 'simulated-agents.ts'), [fleet.url, fleet.tokens.join, String(p * perProcess), String(Math.min(perProcess, n - p * perProcess))], {
        execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }));
    }
    await waitForSimulatedHostsOnline(fleet, n);
    await deploy(fleet, v1, n);

    const failing = `sim-${String(n - 1).padStart(5, '0')}`;
    children.forEach((c) => c.send({ type: 'fail', host: failing, version: v2 } satisfies ToSimulatedAgents));
    const failedAt = new Promise<number>((done) => children.forEach((c) => c.on('message', (m: FromSimulatedAgents) => {
      if (m.type !== 'failed-at') return;
      if (profileDir) fleet.server.child.kill('SIGUSR2'); // the profile starts from here
      done(m.at);
    })));
    const failed = await deploy(fleet, v2, n, 'rolled_back', 1000);
    const restore = failed.finishedAt - await failedAt;
    console.log(`${n}: restored ${Math.round(restore)} ms after the failed activation (deployment ${seconds(failed.ms)})`);
    if (profileDir) await fleet.server.kill('SIGTERM');

    if (!profileDir) await fleet.server.kill('SIGKILL');
    // A copy of the data as the SIGKILL left it, to time the server's start alone (FLEET_RESTART_KEEP=DIR).
    if (process.env.FLEET_RESTART_KEEP) cpSync(join(fleet.dir, 'server'), join(process.env.FLEET_RESTART_KEEP, `server-${n}`), { recursive: true });
    const killedAt = Date.now();
    await fleet.startServer(profiled);
    const answering = Date.now() - killedAt;
    await waitForSimulatedHostsOnline(fleet, n);
    const restart = Date.now() - killedAt;
    console.log(`${n}: all back online ${seconds(restart)} after the ${profileDir ? 'SIGTERM' : 'SIGKILL'} (the server answered after ${seconds(answering)})`);
    if (profileDir) await fleet.server.kill('SIGTERM');
  } finally {
    for (const child of children) child.disconnect();
    await fleet.close();
  }
}

async function builtVersion(fleet: TestFleet, number: number): Promise<string> {
  const run = await waitFor(`run #${number} to build`, async () => {
    const run = await fleet.api.get<RunDetail>(projectPath('hello', `/runs/${number}`));
    return run.status === 'failed' || run.stages.some((s) => s.status === 'awaiting_approval') ? run : undefined;
  }, { timeoutMs: 600_000, intervalMs: 100 });
  if (run.status === 'failed' || !run.version) throw new Error(`run #${number} failed: ${run.error}`);
  return run.version;
}

/** Polls its end every `intervalMs`: the figures are the server's own times, a slower poll only costs it less. */
async function deploy(fleet: TestFleet, version: string, n: number, expect: Deployment['status'] = 'succeeded', intervalMs = 250) {
  const started = await fleet.api.post<Deployment>(projectPath('hello', '/deployments'), { version, env: 'tenth', force: true });
  const ended = await waitFor(`the deployment of ${version} to ${n} hosts`, async () => {
    const d = await fleet.api.get<Deployment>(`/api/v1/deployments/${started.id}`);
    return d.finishedAt ? d : undefined;
  }, { timeoutMs: 1_800_000, intervalMs });
  if (ended.status !== expect) throw new Error(`the deployment ${ended.status}, not ${expect}: ${ended.error}`);
  return { ms: ended.finishedAt! - ended.createdAt, finishedAt: ended.finishedAt! };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
