// How the server scales with the fleet: simulated hosts that speak the real protocol from separate
// processes (bench/simulated-agents.ts), one real server on SQLite, one real runner that builds
// two versions of the sample app. For each N it prints: the time until all are online (enrollment
// included), a deployment at batch 10% and at batch 1 (wall time, and the server's CPU per batch),
// the time from a host's failed activation until every touched host is restored, the time until
// all are back after the server is SIGKILLed and restarted, and the server's RSS.
// Run: npx tsx bench/fleet-scale.bench.ts [N ...]   (default 100 1000 5000)
// To see where the server's time goes: FLEET_SCALE_PROFILE=DIR writes a CPU profile of the server
// (up to the SIGKILL, which is then left out) into DIR.
// Who is online is read from the server's SQLite file, not from /api/v1/agents (fleet-measure.ts,
// allOnline): reading that list every 250 ms loaded the server it measured.
import type { ChildProcess } from 'node:child_process';
import { buildSlipway } from '../scripts/build.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import {
  agree, allEnrolled, allOnline, cpuProfileEnv, deploy, fleetConfig, forkSimulatedAgents, measureRestore, measureReturn, peakRssMiB, seconds, simulatedProcesses, startBuiltFleet,
  warnIfListenQueueCapped,
} from './fleet-measure.ts';

const sizes = process.argv.slice(2).map(Number);
const profileDir = process.env.FLEET_SCALE_PROFILE;
const config = fleetConfig({ tenth: '10%', one: '1' });

interface Row {
  n: number; enrolling: number; online: number; tenth: number; one: number; cpuPerBatch: number; restore: number; restart: number; rssMiB: number;
}

const rows: Row[] = [];
// The server as users run it (dist/, as the package installs it), not compiled from TypeScript at
// its start: from the sources, a restarted server took seconds more to answer than the build does.
await buildSlipway();
for (const n of sizes.length > 0 ? sizes : [100, 1000, 5000]) rows.push(await measure(n));
console.log(`\nfleet of N simulated hosts (${simulatedProcesses} processes), one server on SQLite, this machine`);
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
  warnIfListenQueueCapped(n);
  const fleet = new TestFleet(`bench-scale-${n}`);
  const children: ChildProcess[] = [];
  try {
    const { v1, v2 } = await startBuiltFleet(fleet, config, cpuProfileEnv(profileDir));

    const started = Date.now();
    children.push(...forkSimulatedAgents(fleet, n));
    // Each process enrolls its hosts first (one HTTP request each), then connects them all.
    const clients = await allEnrolled(children);
    const enrolling = Date.now() - started;
    await allOnline(fleet, n);
    const online = Date.now() - started;
    console.log(`${n}: all enrolled in ${seconds(enrolling)}, all online in ${seconds(online)}`);
    console.log(`${n}: of the enrolling, the processes of simulated hosts took ${seconds(clients.firstAt - started)} to start, then enrolled in ${seconds(started + enrolling - clients.firstAt)} (their CPU ${clients.enrollCpuMs} ms, ${clients.retries} sent again)`);

    // Every host gets v1 first, so that the measured deployments replace a running version.
    await deploy(fleet, v1, 'tenth', n);
    const tenth = await deploy(fleet, v2, 'tenth', n);
    const one = await deploy(fleet, v1, 'one', n);
    // Both stage and switch every host; batch 1 has n - 10 more batches: what they cost more is the overhead of a batch.
    const cpuPerBatch = (one.cpuMs - tenth.cpuMs) / (n - 10);
    console.log(`${n}: batch 10% ${seconds(tenth.ms)} (server CPU ${tenth.cpuMs} ms), batch 1 ${seconds(one.ms)} (server CPU ${one.cpuMs} ms)`);

    // The last host of a batch-10% deployment fails: every host that switched goes back.
    const { restore } = await measureRestore(fleet, children, v2, 'tenth', n);
    await agree(children, v1, n);
    console.log(`${n}: restored ${Math.round(restore)} ms after the failed activation`);

    const rssMiB = peakRssMiB(fleet.server.child.pid!);
    if (profileDir) {
      await fleet.server.kill('SIGTERM');
      return { n, enrolling, online, tenth: tenth.ms, one: one.ms, cpuPerBatch, restore, restart: NaN, rssMiB };
    }
    await fleet.server.kill('SIGKILL');
    const { restart } = await measureReturn(fleet, n, Date.now());
    console.log(`${n}: all back online ${seconds(restart)} after the SIGKILL`);
    return { n, enrolling, online, tenth: tenth.ms, one: one.ms, cpuPerBatch, restore, restart, rssMiB };
  } finally {
    for (const child of children) child.disconnect();
    await fleet.close();
  }
}
