// The engine alone, at batch 1: what one batch costs the server as the fleet grows. The real engine
// on a real SQLite store, with hosts that answer every command as soon as it is delivered (no
// network, no agents' processes), so that everything measured is the engine's own work: its looks,
// its reads and its transactions. bench/fleet-scale.bench.ts measures the same with real sockets
// and agents' processes; this one isolates the part that must not grow with the fleet.
// Run: npx tsx bench/engine-batch.bench.ts [N ...]   (default 100 1000 5000)
// Where the time goes: node --cpu-prof --import tsx bench/engine-batch.bench.ts 5000
import { openEngineFleet } from './engine-fleet.ts';

const sizes = process.argv.slice(2).map(Number);

interface Row { n: number; wallMs: number; cpuMs: number }

const rows: Row[] = [];
for (const n of sizes.length > 0 ? sizes : [100, 1000, 5000]) rows.push(await measure(n));
console.log('\nthe engine alone, one deployment at batch 1 (hosts answer at once), SQLite, this machine');
console.log('| hosts | deployment | per batch (wall) | per batch (CPU) |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.n} | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.wallMs / r.n).toFixed(2)} ms | ${(r.cpuMs / r.n).toFixed(2)} ms |`);

async function measure(hosts: number): Promise<Row> {
  const fleet = await openEngineFleet('engine-batch', hosts);
  try {
    // Every host answers every command as soon as it is delivered, as a fast agent would.
    const deploymentId = await fleet.start(() => ({ ok: true, previous: null }));
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const ended = await fleet.finish(deploymentId);
    const wallMs = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    if (ended.status !== 'succeeded') throw new Error(`the deployment ended ${ended.status}: ${JSON.stringify(ended.cause)}`);
    const row = { n: hosts, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
    console.log(`${hosts} hosts: ${(wallMs / 1000).toFixed(2)} s, ${(row.cpuMs / hosts).toFixed(2)} ms CPU per batch`);
    return row;
  } finally {
    await fleet.close();
  }
}
