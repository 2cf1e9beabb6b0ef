// The first phase of bench/fleet-scale.bench.ts alone, for quick loops on enrollment and connection
// cost: N simulated hosts (bench/simulated-agents.ts, 4 processes) enroll and connect to one server on
// SQLite that has a project and a runner (one run built, waiting for approval, as in fleet-scale);
// then the server is SIGKILLed and restarted and the hosts come back. Prints the time to enroll,
// to be all online, and to be all back after the SIGKILL, and the server's CPU time in each phase.
// Run: npx tsx bench/fleet-online.bench.ts [N ...]   (default 1000)
// FLEET_ONLINE_PROFILE=DIR writes a CPU profile of each phase (the cold start, then a restart after a
// SIGTERM instead of the SIGKILL) into DIR; sum it with `npx tsx bench/cpu-profile-summary.ts FILE`.
import type { ChildProcess } from 'node:child_process';
import { TestFleet } from '../test/support/test-fleet.ts';
import { productionOnlyConfig } from '../test/support/production-only-config.ts';
import { allEnrolled, allOnline, builtVersion, cpuMs, cpuProfileEnv, forkSimulatedAgents, seconds, startProject, warnIfListenQueueCapped } from './fleet-measure.ts';

const sizes = process.argv.slice(2).map(Number);
const profileDir = process.env.FLEET_ONLINE_PROFILE;
// As in fleet-scale: the environments wait for an approval, so the run stays active while hosts come.
const config = productionOnlyConfig({ port: 8080, healthTimeout: '10s', productionLines: '    approval: manual\n    batch: 10%\n' });
const profileEnv = cpuProfileEnv(profileDir);

for (const n of sizes.length > 0 ? sizes : [1000]) await measure(n);

async function measure(n: number): Promise<void> {
  warnIfListenQueueCapped(n);
  const fleet = new TestFleet(`bench-online-${n}`);
  const children: ChildProcess[] = [];
  try {
    await startProject(fleet, config, profileEnv);
    await builtVersion(fleet, 1);

    // The profile shows this phase only, not the start-up and the build.
    if (profileDir) fleet.server.child.kill('SIGUSR2');
    let cpuBefore = cpuMs(fleet.server.child.pid!);
    const started = Date.now();
    children.push(...forkSimulatedAgents(fleet, n));
    const clients = await allEnrolled(children);
    const enrolling = Date.now() - started;
    const enrollCpu = cpuMs(fleet.server.child.pid!) - cpuBefore;
    await allOnline(fleet, n);
    const online = Date.now() - started;
    const onlineCpu = cpuMs(fleet.server.child.pid!) - cpuBefore;
    console.log(`${n}: all enrolled in ${seconds(enrolling)} (server CPU ${enrollCpu} ms), all online in ${seconds(online)} (server CPU ${onlineCpu} ms)`);
    console.log(`${n}: of the enrolling, the processes of simulated hosts took ${seconds(clients.firstAt - started)} to start (CPU ${clients.startCpuMs} ms), then enrolled in ${seconds(started + enrolling - clients.firstAt)} (their CPU ${clients.enrollCpuMs} ms, ${clients.retries} sent again)`);

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
