// The two recoveries of bench/fleet-scale.bench.ts alone, with where their time goes: the restore
// of every touched host after a failed activation, and the fleet's return after the server is
// SIGKILLed (split into the server's start until it answers, and the agents' return after). Same
// simulated hosts (bench/simulated-agents.ts), same server on SQLite, without the batch-1
// deployment (n batches) that fleet-scale measures: quicker to run again while working on these.
// Run: npx tsx bench/fleet-restart.bench.ts [N ...]   (default 1000)
// FLEET_RESTART_PROFILE=DIR writes CPU profiles of the server into DIR: <pid>.cpuprofile of the
// first server covers the restore only; that of the restarted server its start until all are back.
// FLEET_RESTART_KEEP=DIR keeps a copy of the server's data dir as the SIGKILL left it, in DIR/server-N.
// Who is online is read from the server's SQLite file, not from /api/v1/agents (fleet-measure.ts,
// allOnline): reading that list every 250 ms loaded the server it measured.
import type { ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { buildSlipway } from '../scripts/build.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { allOnline, cpuProfileEnv, deploy, fleetConfig, forkSimulatedAgents, measureRestore, measureReturn, seconds, startBuiltFleet, warnIfListenQueueCapped } from './fleet-measure.ts';

const sizes = process.argv.slice(2).map(Number);
const profileDir = process.env.FLEET_RESTART_PROFILE;
const profiled = cpuProfileEnv(profileDir);
const config = fleetConfig({ tenth: '10%' });

// The server as users run it (dist/, as the package installs it), not compiled from TypeScript at
// its start: from the sources, a restarted server took seconds more to answer than the build does.
await buildSlipway();
for (const n of sizes.length > 0 ? sizes : [1000]) await measure(n);

async function measure(n: number): Promise<void> {
  warnIfListenQueueCapped(n);
  const fleet = new TestFleet(`bench-restart-${n}`);
  const children: ChildProcess[] = [];
  try {
    const { v1, v2 } = await startBuiltFleet(fleet, config, profiled);

    children.push(...forkSimulatedAgents(fleet, n));
    await allOnline(fleet, n);
    await deploy(fleet, v1, 'tenth', n);

    // The profile starts from the failure.
    const { restore, deploymentMs } = await measureRestore(fleet, children, v2, 'tenth', n, {
      intervalMs: 1000, onFailed: () => profileDir && fleet.server.child.kill('SIGUSR2'),
    });
    console.log(`${n}: restored ${Math.round(restore)} ms after the failed activation (deployment ${seconds(deploymentMs)})`);
    if (profileDir) await fleet.server.kill('SIGTERM');

    if (!profileDir) await fleet.server.kill('SIGKILL');
    // A copy of the data as the SIGKILL left it, to time the server's start alone (FLEET_RESTART_KEEP=DIR).
    if (process.env.FLEET_RESTART_KEEP) cpSync(join(fleet.dir, 'server'), join(process.env.FLEET_RESTART_KEEP, `server-${n}`), { recursive: true });
    const { answering, listening, restart, serverCpu, health } = await measureReturn(fleet, n, Date.now(), profiled);
    console.log(`${n}: all back online ${seconds(restart)} after the ${profileDir ? 'SIGTERM' : 'SIGKILL'} (the server listened after ${seconds(listening)}, answered after ${seconds(answering)}, used ${seconds(serverCpu)} CPU; `
      + `/api/v1/health meanwhile: median ${health.median} ms, max ${health.max} ms of ${health.probes} probes)`);
    if (profileDir) await fleet.server.kill('SIGTERM');
  } finally {
    for (const child of children) child.disconnect();
    await fleet.close();
  }
}
