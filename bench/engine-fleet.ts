// What the engine benches (engine-batch, engine-rollback) share: the real engine on a real SQLite
// store (openBatchOneFleet), with hosts that keep beating and answer every command as soon as it is
// delivered (no network, no agents' processes), so that everything measured is the engine's own
// work; and one deployment of the built version to production, run to its end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { BatchSize } from '../src/core/pipeline/slipway-config.ts';
import type { Deployment } from '../src/core/model.ts';
import type { Command, CommandResult } from '../src/core/protocol/messages.ts';
import { AgentDirectory } from '../src/server/gateway/agent-directory.ts';
import { openBatchOneFleet } from '../src/server/engine/batch-one-fleet-fixture.ts';
import { defaultEngineLimits } from '../src/server/engine/engine-limits.ts';
import { deliveringOneAtATime } from '../src/server/engine/engine-context.ts';
import { createEngine, type Engine } from '../src/server/engine/engine.ts';
import { EventLog } from '../src/server/engine/event-log.ts';
import { startDeployment } from '../src/server/engine/start-deployment.ts';
import { waitFor } from '../test/support/wait-for.ts';

/** What host `agentId` answers to `command`, as soon as it is delivered. */
export type HostAnswer = (agentId: string, command: Command) => CommandResult;

export interface EngineFleet {
  agentIds: string[];
  /** The built version every deployment deploys. */
  version: string;
  /** Starts the engine with hosts that answer with `answer`, and records a deployment it has not looked at yet. */
  start(answer: HostAnswer): Promise<string>;
  /** Wakes the engine and waits for the deployment to end. */
  finish(deploymentId: string): Promise<Deployment>;
  /** Stops the engine and the heartbeats, closes the store and removes its folder. */
  close(): Promise<void>;
}

/** `hosts` connected hosts in a temporary folder (named after `name`); production switches `batch` at a time. */
export async function openEngineFleet(name: string, hosts: number, batch: BatchSize = 1): Promise<EngineFleet> {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${name}-`));
  const { store, project, run } = await openBatchOneFleet(dir, hosts, batch);
  let engine: Engine | undefined;
  let heartbeats: NodeJS.Timeout | undefined;
  const close = async () => {
    clearInterval(heartbeats);
    await engine?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const agentIds = (await store.agents.list()).map((a) => a.id);
    // The hosts keep beating, as connected agents do (the gateway writes heartbeats once a second).
    await store.agents.markSeen(agentIds, Date.now());
    heartbeats = setInterval(() => void store.agents.markSeen(agentIds, Date.now()), 1000);
    const clock = { now: () => Date.now() };
    const events = new EventLog(store, clock);
    const agents = new AgentDirectory({ store, clock, reloadMs: 1000 });
    return {
      agentIds,
      version: run.version,
      async start(answer) {
        const gateway = deliveringOneAtATime(async (agentId: string) => {
          for (const { id, command } of await store.commands.listPending(agentId)) {
            if (!(await store.commands.complete(id, answer(agentId, command), Date.now(), agentId))) continue;
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
        return started.deployment.id;
      },
      async finish(deploymentId) {
        engine?.wake();
        return waitFor('the deployment to end', async () => {
          const deployment = await store.deployments.get(deploymentId);
          return deployment?.finishedAt ? deployment : undefined;
        }, { timeoutMs: 3_600_000, intervalMs: 20 });
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
