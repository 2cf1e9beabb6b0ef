// The engine's own timer while a deployment waits on HAProxy: a drain (or ready) is read again
// every lbPollMs, though no agent answer wakes the engine meanwhile. Time is in the test's hands
// (fake timers and clock): nothing here waits for real time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LoadBalancerConfig } from '../../core/pipeline/slipway-config.ts';
import { addProject, config, enrollAgent, newRun } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { defaultEngineLimits } from './engine-limits.ts';
import { AgentDirectory } from '../gateway/agent-directory.ts';
import { createEngine, type Engine } from './engine.ts';
import { EventLog } from './event-log.ts';
import { deliveringOneAtATime } from './engine-context.ts';

const loadBalancer: LoadBalancerConfig = { kind: 'haproxy', on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop', server: '{host}', drainMs: 30_000 };
const lbConfig = { ...config, environments: { production: { ...config.environments.production!, after: null, loadBalancer } } };
const limits = { ...defaultEngineLimits, tickMs: 60_000, lbPollMs: 250 };

describe('the engine behind a load balancer', () => {
  let dir: string;
  let store: Store;
  let engine: Engine | undefined;
  let now = 1_000_000;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    dir = mkdtempSync(join(tmpdir(), 'slipway-engine-lb-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
  });

  afterEach(async () => {
    await engine?.close();
    vi.useRealTimers();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Lets the engine's pass, started by a timer, run to its end (SQLite answers through promises and setImmediate). */
  const settle = async () => {
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  };

  /** A production deployment whose one host is being drained, with HAProxy's answer: one session still open. */
  async function drainingHost() {
    const project = await addProject(store);
    const run = await store.runs.create(newRun(project.id, { config: lbConfig, stages: [{ name: 'production', kind: 'environment' }] }), now);
    await store.artifacts.create({ projectId: project.id, version: run.version, runId: run.id, sha256: 'a'.repeat(64), size: 1 }, now);
    const lb = await enrollAgent(store, 'lb-1', { role: 'lb' }, now - 1);
    const host = await enrollAgent(store, 'web-1', { env: 'production' }, now - 1);
    for (const agent of [lb, host]) await store.agents.update(agent.id, { online: true, lastSeenAt: now });
    const deployment = await store.deployments.create({
      projectId: project.id, env: 'production', version: run.version, runId: run.id, kind: 'deploy', batch: 1, forced: false, requestedBy: 'engine',
    }, [{ agentId: host.id, hostName: host.name, batch: 0 }], now);
    await store.deployments.update(deployment.id, { status: 'activating' });
    await store.deployments.updateHost(deployment.id, host.id, { step: 'draining', commandSentAt: now, updatedAt: now });
    const commandId = 'lb-drain-1';
    await store.commands.create({ id: commandId, agentId: lb.id, command: {
      kind: 'lb', socket: loadBalancer.socket, backend: 'shop', set: [{ server: 'web-1', state: 'drain' }], runId: run.id, deploymentId: deployment.id,
    } }, now);
    await store.deployments.addLbCommands([{ deploymentId: deployment.id, commandId, lbAgentId: lb.id, hostAgentId: host.id, purpose: 'set', intended: 'drain', round: 1, sentAt: now }]);
    await store.commands.complete(commandId, {
      ok: true, lb: { backend: 'shop', servers: [{ server: 'web-1', admin: 'drain', adminBits: 8, operational: 'up', status: 'DRAIN', scur: 1, weight: 1 }] },
    }, now);
    return deployment;
  }

  function startEngine(): void {
    const clock = { now: () => now };
    engine = createEngine({
      store, clock, agents: new AgentDirectory({ store, clock, reloadMs: 0 }), log: pino({ level: 'silent' }), limits,
      events: new EventLog(store, clock), gateway: deliveringOneAtATime(() => Promise.resolve()),
      uploadTokens: { hashFor: ({ jobId, commandId }) => `upload-${jobId}-${commandId}` }, holdsLease: () => true,
    });
  }

  it('reads a draining server again lbPollMs after the last read, not at its next tick', async () => {
    const deployment = await drainingHost();
    const rounds = async () => (await store.deployments.lbCommands(deployment.id)).map((c) => [c.round, c.purpose]);
    startEngine();
    await vi.advanceTimersByTimeAsync(0);
    await settle();
    // The first look: HAProxy still has a session on the server, and the last read is fresh: wait.
    expect(await rounds()).toEqual([[1, 'set']]);

    now += limits.lbPollMs;
    await vi.advanceTimersByTimeAsync(limits.lbPollMs);
    await settle();
    expect(await rounds()).toEqual([[1, 'set'], [2, 'read']]);
  });

  it('cancels the LB commands still unanswered when the deployment ends, so that a returning LB agent does not run them', async () => {
    const deployment = await drainingHost();
    const [drain] = await store.deployments.lbCommands(deployment.id);
    const { lbAgentId } = drain!;
    const hostAgentId = drain!.hostAgentId!;
    // The host is through; a last read of its server went out and was never answered.
    await store.deployments.updateHost(deployment.id, hostAgentId, { step: 'ready', commandSentAt: null, updatedAt: now });
    await store.commands.create({ id: 'lb-read-2', agentId: lbAgentId, command: {
      kind: 'lb', socket: loadBalancer.socket, backend: 'shop', set: [], runId: deployment.runId, deploymentId: deployment.id,
    } }, now);
    await store.deployments.addLbCommands([{ deploymentId: deployment.id, commandId: 'lb-read-2', lbAgentId, hostAgentId, purpose: 'read', intended: 'ready', round: 2, sentAt: now }]);
    startEngine();
    await vi.advanceTimersByTimeAsync(0);
    await settle();
    expect((await store.deployments.get(deployment.id))?.status).toBe('succeeded');
    expect((await store.commands.get('lb-read-2'))?.result).toEqual({ ok: false, error: 'cancelled by the server: the deployment ended' });
  });
});
