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
import { DeploymentHostsCache } from './deployment-hosts-cache.ts';
import { defaultEngineLimits } from './engine-limits.ts';
import { createEngine, type Engine } from './engine.ts';
import { EventLog } from './event-log.ts';

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
      events: new EventLog(store, clock), gateway: { deliver: () => Promise.resolve() },
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
