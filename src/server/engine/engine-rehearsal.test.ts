// A rollback rehearsal's verify job, queued by a look at the rehearsal alone (an agent's answer
// woke only it), is handed to a runner at once, not at the engine's next tick.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SlipwayConfig } from '../../core/model.ts';
import { addProject, config, newRun } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { AgentDirectory } from '../gateway/agent-directory.ts';
import { defaultEngineLimits } from './engine-limits.ts';
import { createEngine, type Engine } from './engine.ts';
import { EventLog } from './event-log.ts';
import { startRehearsal } from './start-deployment.ts';
import { deliveringOneAtATime } from './engine-context.ts';

const verified: SlipwayConfig = {
  ...config,
  environments: {
    production: { ...config.environments.testing!, hosts: { env: 'production' }, verify: [{ name: 'smoke', run: 'true', timeoutMs: 60_000 }], rehearseRollback: true },
  },
};

describe('the engine and a rollback rehearsal', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function builtVersion(store: Store, projectId: string, sha: string) {
    const run = await store.runs.create(newRun(projectId, { sha, config: verified, stages: [] }), Date.now());
    await store.runs.update(run.id, { status: 'succeeded', finishedAt: Date.now() });
    await store.artifacts.create({ projectId, version: run.version, runId: run.id, sha256: sha.slice(0, 1).repeat(64), size: 1 }, Date.now());
    return run;
  }

  async function onlineAgent(store: Store, name: string, labels: Record<string, string>) {
    const agent = await store.agents.enroll({ name, labels, tokenHash: `h-${name}`, address: '127.0.0.1', port: 8080 }, Date.now() - 1000);
    await store.agents.update(agent.id, { online: true, lastSeenAt: Date.now() });
    return agent;
  }

  it('hands the verify job to a runner without waiting for the tick', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-engine-rehearsal-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = await openSqliteStore(join(dir, 'slipway.db'));
    cleanups.push(() => store.close());
    const project = await addProject(store);
    const previous = await builtVersion(store, project.id, 'a'.repeat(40));
    const next = await builtVersion(store, project.id, 'b'.repeat(40));
    const host = await onlineAgent(store, 'web-0', { env: 'production' });
    await onlineAgent(store, 'runner-0', { role: 'runner' });

    const clock = { now: () => Date.now() };
    const events = new EventLog(store, clock);
    const jobsHandedOut: string[] = [];
    // The host answers at once; the runner's job is only noted.
    const gateway = deliveringOneAtATime(async (agentId: string) => {
        for (const command of await store.commands.listPending(agentId)) {
          if (command.command.kind === 'job') {
            if (!jobsHandedOut.includes(command.id)) jobsHandedOut.push(command.id);
            continue;
          }
          if (await store.commands.complete(command.id, { ok: true }, Date.now(), agentId)) setImmediate(() => engine.wake(command.id));
        }
      });
    // The tick is far away: only wake-ups make the engine look.
    const engine: Engine = createEngine({
      store, gateway, events, clock, log: pino({ level: 'silent' }), limits: { ...defaultEngineLimits, tickMs: 60_000 },
      agents: new AgentDirectory({ store, clock, reloadMs: 0 }), uploadTokens: { hashFor: () => 'unused' }, holdsLease: () => true,
    });
    cleanups.push(() => engine.close());
    const rehearsal = await events.transaction((tx) => startRehearsal(tx, Date.now(), {
      project, env: 'production', version: next.version, runId: next.id, requestedBy: 'test', host: { agentId: host.id, hostName: host.name, previousVersion: previous.version },
    }));
    engine.wake();

    await waitFor('the rehearsal to verify', async () => (await store.deployments.get(rehearsal.id))?.status === 'verifying', { timeoutMs: 5_000, intervalMs: 20 });
    await waitFor('the verify job on the runner', () => jobsHandedOut.length === 1, { timeoutMs: 3_000, intervalMs: 20 });
    expect((await store.jobs.listByDeployment(rehearsal.id)).map((j) => j.status)).toEqual(['running']);
  });
});
