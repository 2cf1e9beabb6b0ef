// The engine alone, restoring a fleet: a deployment at batch 10% whose last host fails its
// activation, so that every host goes back. Timed from that failure until the deployment is
// rolled_back, wall and the process's CPU (the CPU figure holds on a machine shared with other
// work). The real engine on a real SQLite store; hosts answer every command as soon as it is
// delivered (no network, no agents' processes): bench/fleet-scale.bench.ts measures the same
// restore with real sockets and agents' processes.
// Run: npx tsx bench/engine-rollback.bench.ts [N ...]   (default 1000 2000 5000)
import { openEngineFleet } from './engine-fleet.ts';

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1000, 2000, 5000]) await measure(n);

async function measure(hosts: number): Promise<void> {
  const fleet = await openEngineFleet('engine-rollback', hosts, '10%');
  try {
    const failing = fleet.agentIds.at(-1)!;
    let failedAt: { wall: number; cpu: NodeJS.CpuUsage } | undefined;
    // Every host answers at once (it ran nothing before: a restore stops the app); the last one fails to activate the new version.
    const deploymentId = await fleet.start((agentId, command) => {
      const fails = agentId === failing && command.kind === 'activate' && command.version === fleet.version;
      if (fails) failedAt ??= { wall: performance.now(), cpu: process.cpuUsage() };
      return fails ? { ok: false, error: 'unhealthy', step: 'health' } : { ok: true, previous: null };
    });
    const ended = await fleet.finish(deploymentId);
    const wallMs = performance.now() - failedAt!.wall;
    const cpu = process.cpuUsage(failedAt!.cpu);
    if (ended.status !== 'rolled_back') throw new Error(`the deployment ended ${ended.status}: ${ended.error}`);
    console.log(`${hosts} hosts: restored ${(wallMs / 1000).toFixed(2)} s after the failure, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${((cpu.user + cpu.system) / 1000 / hosts).toFixed(2)} ms per host)`);
  } finally {
    await fleet.close();
  }
}
