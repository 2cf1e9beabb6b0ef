// The crash point of the crash-at-every-write test: which commits count and when it fires.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addProject, newRun } from './contract/fixtures.ts';
import { withCrashPoint } from './crash-point-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

let dir = '';
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-crash-point-'));
  store = await openSqliteStore(join(dir, 'slipway.db'));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

class Crash extends Error {}

describe('withCrashPoint', () => {
  it('crashes right after the Nth commit, with that commit stored and its caller never resumed', async () => {
    const project = await addProject(store);
    const crashes: number[] = [];
    const counting = withCrashPoint(store, {
      afterTransactions: 2,
      crash: (n) => {
        crashes.push(n);
        throw new Crash(`crash point: exiting after transaction ${n}`);
      },
    });
    const resumed: number[] = [];
    for (const i of [1, 2, 3]) {
      try {
        await counting.transaction((tx) => tx.runs.create(newRun(project.id), i));
        resumed.push(i);
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
      }
    }
    expect(crashes).toEqual([2]);
    expect(resumed).toEqual([1, 3]);
    expect((await store.runs.list(project.id, 10)).map((r) => r.number)).toEqual([3, 2, 1]);
    expect(counting.transactionsCommitted()).toBe(3);
  });

  it('counts a transaction once, not the ones run inline inside it, and not one that failed', async () => {
    const project = await addProject(store);
    const counting = withCrashPoint(store);
    await counting.transaction(async (tx) => {
      await tx.transaction((inner) => inner.runs.create(newRun(project.id), 1));
      await tx.transaction((inner) => inner.runs.create(newRun(project.id), 2));
    });
    await expect(counting.transaction(async (tx) => {
      await tx.runs.create(newRun(project.id), 3);
      throw new Error('the work failed');
    })).rejects.toThrow('the work failed');
    expect(counting.transactionsCommitted()).toBe(1);
  });

  it('does not count standalone writes such as heartbeats and log lines', async () => {
    const counting = withCrashPoint(store, { afterTransactions: 1, crash: () => { throw new Crash('too early'); } });
    const agent = await counting.agents.enroll({ name: 'web-1', labels: {}, tokenHash: 'h', address: 'a', port: null }, 1);
    await counting.agents.update(agent.id, { online: true, lastSeenAt: 2 });
    await counting.logs.append([{ at: 1, source: 'agent-1', seq: 0, host: 'web-1', app: null, env: null, stream: 'app', level: null, runId: null, deploymentId: null, text: 'hi' }]);
    await counting.projects.create({ name: 'hello', repoUrl: 'r', branch: 'main', pollIntervalMs: 1, webhookSecret: 's' }, 3);
    expect(counting.transactionsCommitted()).toBe(0);
  });

  it('returns what the work returned and closes the wrapped store', async () => {
    const counting = withCrashPoint(store);
    expect(await counting.transaction(() => Promise.resolve(42))).toBe(42);
    await counting.close();
    await expect(store.projects.list()).rejects.toThrow();
    store = await openSqliteStore(join(dir, 'slipway.db'));
  });
});
