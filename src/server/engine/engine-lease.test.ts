// The engine and its lease: a copy kept in memory is dropped whenever another instance may have
// run the engine since the last look, also when the lease was lost and taken back between two looks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { AgentDirectory } from '../gateway/agent-directory.ts';
import { openBatchOneFleet } from './batch-one-fleet-fixture.ts';
import { DeploymentHostsCache } from './deployment-hosts-cache.ts';
import { defaultEngineLimits } from './engine-limits.ts';
import { createEngine, type Engine } from './engine.ts';
import { EventLog } from './event-log.ts';
import { startDeployment } from './start-deployment.ts';
import { deliveringOneAtATime } from './engine-context.ts';
import { MAX_HOST_GROUP } from './deployment-reconciler.ts';

describe('the engine and its lease', () => {
  let dir: string;
  let store: Store;
  let engine: Engine;
  let holds = true;
  let generation = 1;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-engine-lease-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    const clock = { now: () => 1_000_000 };
    holds = true;
    generation = 1;
    engine = createEngine({
      store, clock, agents: new AgentDirectory({ store, clock, reloadMs: 0 }), log: pino({ level: 'silent' }), limits: { ...defaultEngineLimits, tickMs: 60_000 },
      events: new EventLog(store, clock), gateway: deliveringOneAtATime(() => Promise.resolve()),
      uploadTokens: { hashFor: () => 'hash' }, holdsLease: () => holds, leaseGeneration: () => generation,
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops its copy of the deployments\' hosts when the lease was lost and taken back between two looks', async () => {
    await engine.tick();
    const cleared = vi.spyOn(DeploymentHostsCache.prototype, 'clear');
    await engine.tick();
    expect(cleared).not.toHaveBeenCalled();
    // Lost and taken back while no look ran: it holds the lease at both looks.
    generation = 2;
    await engine.tick();
    expect(cleared).toHaveBeenCalledTimes(1);
    await engine.tick();
    expect(cleared).toHaveBeenCalledTimes(1);
  });

  it('drops its copy when a look finds the lease held by another instance', async () => {
    await engine.tick();
    const cleared = vi.spyOn(DeploymentHostsCache.prototype, 'clear');
    holds = false;
    await engine.tick();
    expect(cleared).toHaveBeenCalled();
  });
});

describe('the engine when its lease changes during a look', () => {
  let dir: string;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-engine-lease-look-'));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function engineOn(
    store: Store, lease: { holds: () => boolean; generation: () => number; fence?: (tx: Store) => Promise<boolean> }, deliver: (agentId: string) => Promise<void> = () => Promise.resolve(),
  ) {
    const clock = { now: () => Date.now() };
    const events = new EventLog(store, clock);
    const engine = createEngine({
      store, clock, agents: new AgentDirectory({ store, clock, reloadMs: 0 }), log: pino({ level: 'silent' }), limits: { ...defaultEngineLimits, tickMs: 60_000 },
      events, gateway: deliveringOneAtATime(deliver), uploadTokens: { hashFor: () => 'hash' }, holdsLease: lease.holds, leaseGeneration: lease.generation,
      ...(lease.fence ? { fence: lease.fence } : {}),
    });
    cleanups.push(() => engine.close());
    return { engine, events };
  }

  it('applies nothing more of a look once the lease was lost and taken back during it (another instance may have acted meanwhile)', async () => {
    // One host more than one transaction tells at once: the lease changes while the first ones are delivered.
    const { store, project, run } = await openBatchOneFleet(dir, MAX_HOST_GROUP + 1);
    cleanups.push(() => store.close());
    let generation = 1;
    const delivered: string[] = [];
    let deploymentId = '';
    let last = '';
    const { engine, events } = engineOn(store, { holds: () => true, generation: () => generation }, async (agentId) => {
      delivered.push(agentId);
      if (generation !== 1) return;
      // While this instance delivered to the first hosts, its lease ran out, another instance took
      // it and told the last host to stage, and this one took the lease back.
      generation = 2;
      const now = Date.now();
      await store.commands.create({ id: 'sent-by-the-other-instance', agentId: last, command: { kind: 'deactivate', app: 'hello' } }, now);
      await store.deployments.updateHost(deploymentId, last, { step: 'staging', commandId: 'sent-by-the-other-instance', commandSentAt: now, updatedAt: now });
    });
    const started = await events.transaction((tx) => startDeployment(tx, Date.now(), {
      project, env: 'production', version: run.version, runId: null, kind: 'deploy', forced: true, requestedBy: 'test',
    }));
    if (!started.started) throw new Error(`refused: ${started.refusal.message}`);
    deploymentId = started.deployment.id;
    // The host the look comes to last (hosts are planned by batch and name).
    last = (await store.deployments.hosts(deploymentId)).at(-1)!.agentId;

    await engine.tick();

    // The last host was told to stage once, by the other instance; this one left it alone.
    expect(delivered).toHaveLength(MAX_HOST_GROUP);
    expect(delivered).not.toContain(last);
    const hosts = await store.deployments.hosts(deploymentId);
    expect(hosts.find((h) => h.agentId === last)?.commandId).toBe('sent-by-the-other-instance');
    expect(hosts.every((h) => h.step === 'staging')).toBe(true);
  });

  it('reconciles no run once the lease was lost during the look', async () => {
    const { store, run } = await openBatchOneFleet(dir, 1);
    cleanups.push(() => store.close());
    let holds = true;
    const listActive = store.deployments.listActive.bind(store.deployments);
    // The lease runs out while the look reads the active deployments.
    vi.spyOn(store.deployments, 'listActive').mockImplementation(async () => {
      holds = false;
      return listActive();
    });
    const { engine } = engineOn(store, { holds: () => holds, generation: () => 1 });

    await engine.tick();

    expect((await store.runs.get(run.id))?.status).toBe('queued');
    expect(await store.jobs.listByRun(run.id)).toEqual([]);
  });

  it('writes nothing in a transaction whose fence finds the lease gone in the database (this instance stalled past it)', async () => {
    const { store, project, run } = await openBatchOneFleet(dir, 2);
    cleanups.push(() => store.close());
    const delivered: string[] = [];
    let fenced = 0;
    // This instance still counts the lease its own; the database says it expired.
    const refuse = () => {
      fenced++;
      return Promise.resolve(false);
    };
    const { engine, events } = engineOn(store, { holds: () => true, generation: () => 1, fence: refuse }, (agentId) => Promise.resolve(void delivered.push(agentId)));
    const started = await events.transaction((tx) => startDeployment(tx, Date.now(), {
      project, env: 'production', version: run.version, runId: null, kind: 'deploy', forced: true, requestedBy: 'test',
    }));
    if (!started.started) throw new Error(`refused: ${started.refusal.message}`);

    await engine.tick();

    expect(fenced).toBeGreaterThan(0);
    expect(delivered).toEqual([]);
    expect((await store.deployments.hosts(started.deployment.id)).map((h) => h.step)).toEqual(['pending', 'pending']);
    expect((await store.runs.get(run.id))?.status).toBe('queued');
    // Nor does it look again and again meanwhile: the next look waits for the tick.
    const asked = fenced;
    await new Promise((r) => setTimeout(r, 200));
    expect(fenced).toBe(asked);
  });
});
