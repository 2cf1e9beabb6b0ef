// The engine's cost per host: a deployment at batch 1 makes a look per agent answer, so any read of
// every agent or every host per look makes it grow with the square of the hosts. Counted here with
// the real engine on a real SQLite store, and hosts that answer every command at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../core/protocol/messages.ts';
import { withCrashPoint } from '../../storage/crash-point-store.ts';
import type { Store } from '../../storage/store.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { AgentDirectory } from '../gateway/agent-directory.ts';
import { openBatchOneFleet } from './batch-one-fleet-fixture.ts';
import { defaultEngineLimits } from './engine-limits.ts';
import { createEngine, type Engine } from './engine.ts';
import { EventLog } from './event-log.ts';
import { startDeployment } from './start-deployment.ts';
import { deliveringOneAtATime } from './engine-context.ts';

describe('the engine at scale', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function fleet(hosts: number) {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-engine-scale-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const opened = await openBatchOneFleet(dir, hosts);
    cleanups.push(() => opened.store.close());
    return opened;
  }

  /** Deploys to `hosts` hosts at batch 1; returns how many rows the engine read or wrote meanwhile. */
  async function storeCallsForDeployment(hosts: number): Promise<number> {
    const { store, project, run } = await fleet(hosts);

    const counted = countingStore(store);
    const clock = { now: () => Date.now() };
    const events = new EventLog(counted.store, clock);
    // Every host answers every command as soon as it is delivered, as a fast agent would.
    const gateway = deliveringOneAtATime(async (agentId: string) => {
        for (const command of await store.commands.listPending(agentId)) {
          if (!(await store.commands.complete(command.id, { ok: true, previous: null }, Date.now(), agentId))) continue;
          setImmediate(() => engine.wake(command.id));
        }
      });
    const engine: Engine = createEngine({
      store: counted.store, gateway, events, clock, log: pino({ level: 'silent' }), limits: defaultEngineLimits,
      agents: new AgentDirectory({ store: counted.store, clock, reloadMs: 1000 }),
      uploadTokens: { hashFor: () => 'unused' }, holdsLease: () => true,
    });
    cleanups.push(() => engine.close());

    const started = await events.transaction((tx) => startDeployment(tx, Date.now(), {
      project, env: 'production', version: run.version, runId: null, kind: 'deploy', forced: true, requestedBy: 'test',
    }));
    if (!started.started) throw new Error(`refused: ${started.refusal.message}`);
    const before = counted.rows();
    engine.wake();
    const ended = await waitFor('the deployment to end', async () => {
      const deployment = await store.deployments.get(started.deployment.id);
      return deployment?.finishedAt ? deployment : undefined;
    }, { timeoutMs: 60_000, intervalMs: 20 });
    expect(ended.status).toBe('succeeded');
    return counted.rows() - before;
  }

  it('lets timers and messages run while a look tells a thousand hosts to stage', async () => {
    const hosts = 1000;
    const { store, project, run } = await fleet(hosts);
    // What ran in which order: each command delivered (right after its transaction), and a timer's ticks.
    const order: ('send' | 'tick')[] = [];
    const ticks = setInterval(() => order.push('tick'), 1);
    cleanups.push(() => clearInterval(ticks));
    const clock = { now: () => Date.now() };
    const events = new EventLog(store, clock);
    const engine = createEngine({
      store, events, clock, log: pino({ level: 'silent' }), limits: defaultEngineLimits, gateway: deliveringOneAtATime(() => Promise.resolve(void order.push('send'))),
      agents: new AgentDirectory({ store, clock, reloadMs: 1000 }), uploadTokens: { hashFor: () => 'unused' }, holdsLease: () => true,
    });
    cleanups.push(() => engine.close());
    const started = await events.transaction((tx) => startDeployment(tx, Date.now(), {
      project, env: 'production', version: run.version, runId: null, kind: 'deploy', forced: true, requestedBy: 'test',
    }));
    if (!started.started) throw new Error(`refused: ${started.refusal.message}`);
    engine.wake();
    await waitFor('every host to be told to stage', () => order.filter((o) => o === 'send').length === hosts, { timeoutMs: 60_000, intervalMs: 20 });
    // A thousand transactions in one look take far more than the 20 ms after which it lets others run.
    const between = order.slice(order.indexOf('send'), order.lastIndexOf('send'));
    expect(between.filter((o) => o === 'tick').length).toBeGreaterThan(0);
  }, 120_000);

  it('writes and delivers what every host of a deployment is told (staging, activation, restore) in groups of hosts, not host by host', async () => {
    const hosts = 250;
    const dir = mkdtempSync(join(tmpdir(), 'slipway-engine-scale-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { store, project, run } = await openBatchOneFleet(dir, hosts, hosts);
    cleanups.push(() => store.close());
    const failing = (await store.agents.getByName('web-7'))!;
    const counted = withCrashPoint(store);
    const clock = { now: () => Date.now() };
    const events = new EventLog(counted, clock);
    // Each delivery's hosts answer at once; web-7 fails its activation, so that every host is restored.
    const deliveries: number[] = [];
    const answer = async (agentId: string) => {
      for (const { id, command } of await store.commands.listPending(agentId)) {
        const fails = agentId === failing.id && command.kind === 'activate' && command.version === run.version;
        const result: CommandResult = fails ? { ok: false, step: 'health', error: 'unhealthy' } : { ok: true, previous: null };
        if (await store.commands.complete(id, result, Date.now(), agentId)) setImmediate(() => engine.wake(id));
      }
    };
    const gateway = {
      deliver: async (agentId: string) => {
        deliveries.push(1);
        await answer(agentId);
      },
      deliverMany: async (agentIds: readonly string[]) => {
        deliveries.push(agentIds.length);
        for (const agentId of agentIds) await answer(agentId);
      },
    };
    const engine: Engine = createEngine({
      store: counted, gateway, events, clock, log: pino({ level: 'silent' }), limits: defaultEngineLimits,
      agents: new AgentDirectory({ store, clock, reloadMs: 1000 }), uploadTokens: { hashFor: () => 'unused' }, holdsLease: () => true,
    });
    cleanups.push(() => engine.close());
    const started = await events.transaction((tx) => startDeployment(tx, Date.now(), {
      project, env: 'production', version: run.version, runId: null, kind: 'deploy', forced: true, requestedBy: 'test',
    }));
    if (!started.started) throw new Error(`refused: ${started.refusal.message}`);
    const before = counted.transactionsCommitted();
    engine.wake();
    const ended = await waitFor('the deployment to end', async () => {
      const deployment = await store.deployments.get(started.deployment.id);
      return deployment?.finishedAt ? deployment : undefined;
    }, { timeoutMs: 60_000, intervalMs: 20 });
    expect(ended.status).toBe('rolled_back');
    expect((await store.deployments.hosts(ended.id)).filter((h) => h.step !== 'restored').map((h) => h.hostName)).toEqual([]);
    // Each host was told three things; a hundred hosts at a time, in one transaction each.
    expect(deliveries.reduce((sum, n) => sum + n, 0)).toBe(3 * hosts);
    expect(deliveries.length).toBeLessThanOrEqual(3 * Math.ceil(hosts / 100));
    // The answers' steps are written as the looks find them: at most one transaction per answer.
    expect(counted.transactionsCommitted() - before).toBeLessThan(4 * hosts);
  }, 120_000);

  it('reads the store in proportion to the hosts of a deployment at batch 1, not to their square', async () => {
    const small = await storeCallsForDeployment(100);
    const large = await storeCallsForDeployment(200);
    // Twice the hosts, about twice the rows (the square would be four times).
    expect(large / small).toBeLessThan(2.4);
    // A handful per host: its commands, its steps, their events; the engine's looks read little more.
    expect(large / 200).toBeLessThan(40);
  }, 120_000);
});

/**
 * The store, counting what each call of a method of its parts returns, also inside transactions:
 * the rows of a list, the entries of a map, one for anything else (a row, a write).
 */
function countingStore(store: Store): { store: Store; rows: () => number } {
  let rows = 0;
  const wrap = (target: Store): Store => new Proxy(target, {
    get(object, property) {
      const part = Reflect.get(object, property, object) as unknown;
      if (property === 'transaction') {
        return <T>(work: (tx: Store) => Promise<T>) => object.transaction((tx) => work(wrap(tx)));
      }
      if (typeof part !== 'object' || part === null) return typeof part === 'function' ? (part as () => unknown).bind(object) : part;
      return new Proxy(part, {
        get(methods, name) {
          const method = Reflect.get(methods, name, methods) as unknown;
          if (typeof method !== 'function') return method;
          return async (...args: unknown[]) => {
            const result = await ((method as (...a: unknown[]) => unknown).apply(methods, args) as Promise<unknown>);
            rows += Array.isArray(result) ? result.length : result instanceof Map ? result.size : 1;
            return result;
          };
        },
      });
    },
  });
  return { store: wrap(store), rows: () => rows };
}
