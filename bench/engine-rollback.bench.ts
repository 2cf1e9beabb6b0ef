// The engine alone, restoring a fleet: a deployment at batch 10% whose last host fails its
// activation, so that every host goes back. Timed from that failure until the deployment is
// rolled_back, wall and the process's CPU (the CPU figure holds on a machine shared with other
// work). The real engine on a real SQLite store; hosts answer every command as soon as it is
// delivered (no network, no agents' processes): bench/fleet-scale.bench.ts measures the same
// restore with real sockets and agents' processes.
// Run: npx tsx bench/engine-rollback.bench.ts [N ...]   (default 1000 2000 5000)
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
import type { CommandResult } from '../src/core/protocol/messages.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { deliveringOneAtATime } from '../src/server/engine/engine-context.ts';

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1000, 2000, 5000]) await measure(n);

async function measure(hosts: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-engine-rollback-'));
  const { store, project, run } = await openBatchOneFleet(dir, hosts, '10%');
  let engine: Engine | undefined;
  const cleanups: (() => void)[] = [];
  try {
    const agentIds = (await store.agents.list()).map((a) => a.id);
    await store.agents.markSeen(agentIds, Date.now());
    const heartbeats = setInterval(() => void store.agents.markSeen(agentIds, Date.now()), 1000);
    cleanups.push(() => clearInterval(heartbeats));
    const failing = agentIds.at(-1)!;
    let failedAt: { wall: number; cpu: NodeJS.CpuUsage } | undefined;
    const clock = { now: () => Date.now() };
    const events = new EventLog(store, clock);
    const agents = new AgentDirectory({ store, clock, reloadMs: 1000 });
    // Every host answers at once (it ran nothing before: a restore stops the app); the last one fails to activate the new version.
    const gateway = deliveringOneAtATime(async (agentId: string) => {
        for (const { id, command } of await store.commands.listPending(agentId)) {
          const fails = agentId === failing && command.kind === 'activate' && command.version === run.version;
          if (fails) failedAt ??= { wall: performance.now(), cpu: process.cpuUsage() };
          const result: CommandResult = fails ? { ok: false, error: 'unhealthy', step: 'health' } : { ok: true, previous: null };
          if (!(await store.commands.complete(id, result, Date.now(), agentId))) continue;
          setImmediate(() => engine?.wake(id));
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
    engine.wake();
    const ended = await waitFor('the deployment to end', async () => {
      const deployment = await store.deployments.get(started.deployment.id);
      return deployment?.finishedAt ? deployment : undefined;
    }, { timeoutMs: 3_600_000, intervalMs: 20 });
    const wallMs = performance.now() - failedAt!.wall;
    const cpu = process.cpuUsage(failedAt!.cpu);
    if (ended.status !== 'rolled_back') throw new Error(`the deployment ended ${ended.status}: ${ended.error}`);
    console.log(`${hosts} hosts: restored ${(wallMs / 1000).toFixed(2)} s after the failure, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${((cpu.user + cpu.system) / 1000 / hosts).toFixed(2)} ms per host)`);
  } finally {
    for (const cleanup of cleanups) cleanup();
    await engine?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
