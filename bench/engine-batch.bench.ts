// The engine alone, at batch 1: what one batch costs the server as the fleet grows. The real engine
// on a real SQLite store, with hosts that answer every command as soon as it is delivered (no
// network, no agents' processes), so that everything measured is the engine's own work: its looks,
// its reads and its transactions. bench/fleet-scale.bench.ts measures the same with real sockets
// and agents' processes; this one isolates the part that must not grow with the fleet.
// Run: npx tsx bench/engine-batch.bench.ts [N ...]   (default 100 1000 5000)
// Where the time goes: node --cpu-prof --import tsx bench/engine-batch.bench.ts 5000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AgentDirectory } from '../src/server/gateway/agent-directory.ts';
import { openBatchOneFleet } from '../src/server/engine/batch-one-fleet-fixture.ts';
import { defaultEngineLimits } from '../src/server/engine/engine-limits.ts';
import { createEngine, type Engine } from '../src/server/engine/engine.ts';
import { EventLog } from '../src/server/engine/event-log.ts';
import { startDeployment } from '../src/server/engine/start-deployment.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { deliveringOneAtATime } from '../src/server/engine/engine-context.ts';

const sizes = process.argv.slice(2).map(Number);

interface Row { n: number; wallMs: number; cpuMs: number }

const rows: Row[] = [];
for (const n of sizes.length > 0 ? sizes : [100, 1000, 5000]) rows.push(await measure(n));
console.log('\nthe engine alone, one deployment at batch 1 (hosts answer at once), SQLite, this machine');
console.log('| hosts | deployment | per batch (wall) | per batch (CPU) |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.n} | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.wallMs / r.n).toFixed(2)} ms | ${(r.cpuMs / r.n).toFixed(2)} ms |`);

async function measure(hosts: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-engine-batch-'));
  const { store, project, run } = await openBatchOneFleet(dir, hosts);
  let engine: Engine | undefined;
  const cleanups: (() => void)[] = [];
  try {
    const ids = (await store.agents.list()).map((a) => a.id);
    // The hosts keep beating, as connected agents do (the gateway writes heartbeats once a second).
    await store.agents.markSeen(ids, Date.now());
    const heartbeats = setInterval(() => void store.agents.markSeen(ids, Date.now()), 1000);
    cleanups.push(() => clearInterval(heartbeats));
    const clock = { now: () => Date.now() };
    const events = new EventLog(store, clock);
    const agents = new AgentDirectory({ store, clock, reloadMs: 1000 });
    // Every host answers every command as soon as it is delivered, as a fast agent would.
    const gateway = deliveringOneAtATime(async (agentId: string) => {
        for (const command of await store.commands.listPending(agentId)) {
          if (!(await store.commands.complete(command.id, { ok: true, previous: null }, Date.now(), agentId))) continue;
          setImmediate(() => engine?.wake(command.id));
        }
      });
    engine = createEngine({
      store, gateway, events, clock, log: pino({ level: 'warn' }), limits: defaultEngineLimits, agents,
      uploadTokens: { hashFor: () => 'unused' }, holdsLease: () => true,
    });
    const started = await events.transaction((tx) => startDeployment(tx, Date.now(), {
      project, env: 'production', version: run.version, runId: null, kind: 'deploy', forced: true, requestedBy: 'bench',
    }));
    if (!started.started) throw new Error(`refused: ${started.refusal.message}`);
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    engine.wake();
    const ended = await waitFor('the deployment to end', async () => {
      const deployment = await store.deployments.get(started.deployment.id);
      return deployment?.finishedAt ? deployment : undefined;
    }, { timeoutMs: 3_600_000, intervalMs: 20 });
    const wallMs = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    if (ended.status !== 'succeeded') throw new Error(`the deployment ended ${ended.status}: ${JSON.stringify(ended.cause)}`);
    const row = { n: hosts, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
    console.log(`${hosts} hosts: ${(wallMs / 1000).toFixed(2)} s, ${(row.cpuMs / hosts).toFixed(2)} ms CPU per batch`);
    return row;
  } finally {
    for (const cleanup of cleanups) cleanup();
    await engine?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
