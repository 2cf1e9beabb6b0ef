// The engine against a real SQLite store, with time in the test's hands: what it records when
// nothing outside answers (no runner, a lost agent).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addProject, config, newRun } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { defaultEngineLimits } from './engine-limits.ts';
import { AgentDirectory } from '../gateway/agent-directory.ts';
import { createEngine, type Engine } from './engine.ts';
import { EventLog } from './event-log.ts';
import { deliveringOneAtATime } from './engine-context.ts';

describe('the engine', () => {
  let dir: string;
  let store: Store;
  let engine: Engine;
  let now = 1_000_000;
  const delivered: string[] = [];
  /** Runs once, right before the engine's next transaction: what an agent does between planning and applying. */
  let beforeNextTransaction: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-engine-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    const clock = { now: () => now };
    engine = createEngine({
      store, clock, agents: new AgentDirectory({ store, clock, reloadMs: 0 }), log: pino({ level: 'silent' }), limits: { ...defaultEngineLimits, tickMs: 60_000 },
      events: new EventLog({
        ...store,
        transaction: async (work) => {
          const meanwhile = beforeNextTransaction;
          beforeNextTransaction = undefined;
          await meanwhile?.();
          return store.transaction(work);
        },
      }, clock),
      gateway: deliveringOneAtATime((agentId) => Promise.resolve(void delivered.push(agentId))),
      uploadTokens: { hashFor: ({ jobId, commandId }) => `upload-${jobId}-${commandId}` }, holdsLease: () => true,
    });
  });

  afterEach(async () => {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stagesOf = async (runId: string) => (await store.runs.stages(runId)).map((s) => [s.name, s.status]);

  it('fails a build that no runner takes within the queue timeout, and with it the run', async () => {
    const project = await addProject(store);
    const run = await store.runs.create(newRun(project.id, { stages: [{ name: 'build', kind: 'build' }, { name: 'testing', kind: 'environment' }, { name: 'production', kind: 'environment' }] }), now);
    await engine.tick();
    expect(await stagesOf(run.id)).toEqual([['build', 'running'], ['testing', 'pending'], ['production', 'pending']]);
    expect((await store.jobs.listByRun(run.id)).map((j) => j.status)).toEqual(['queued']);

    now += defaultEngineLimits.jobQueueTimeoutMs + 1;
    await engine.tick();
    const [job] = await store.jobs.listByRun(run.id);
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain('no runner');
    expect(await stagesOf(run.id)).toEqual([['build', 'failed'], ['testing', 'skipped'], ['production', 'skipped']]);
    expect((await store.runs.get(run.id))?.status).toBe('failed');
  });

  it('gives a queued build to an idle runner, and fails it when that runner is lost', async () => {
    const project = await addProject(store);
    const run = await store.runs.create(newRun(project.id, { config, stages: [{ name: 'build', kind: 'build' }] }), now);
    const runner = await store.agents.enroll({ name: 'runner-1', labels: { role: 'runner' }, tokenHash: 'h', address: '127.0.0.1', port: null }, now);
    await store.agents.update(runner.id, { online: true, lastSeenAt: now });
    await engine.tick();
    const [job] = await store.jobs.listByRun(run.id);
    expect(job).toMatchObject({ status: 'running', agentId: runner.id });
    expect((await store.commands.listPending(runner.id)).map((c) => c.command.kind)).toEqual(['job']);
    expect(delivered).toContain(runner.id);

    await store.agents.update(runner.id, { online: false, lastSeenAt: now });
    now += defaultEngineLimits.agentGraceMs + 1;
    await engine.tick();
    expect((await store.jobs.get(job!.id))?.error).toBe('agent lost: runner runner-1 stopped answering');
    expect(await store.commands.listPending(runner.id)).toEqual([]);
    expect((await store.runs.get(run.id))?.status).toBe('failed');
  });

  it('takes a runner\'s answer that arrives while the engine gives up on the runner, instead of failing the job as lost', async () => {
    const project = await addProject(store);
    const run = await store.runs.create(newRun(project.id, { config, stages: [{ name: 'build', kind: 'build' }] }), now);
    const runner = await store.agents.enroll({ name: 'runner-1', labels: { role: 'runner' }, tokenHash: 'h', address: '127.0.0.1', port: null }, now);
    await store.agents.update(runner.id, { online: true, lastSeenAt: now });
    await engine.tick();
    const [job] = await store.jobs.listByRun(run.id);

    // The runner is lost by the clock, but its answer is stored after the engine planned to give up.
    await store.agents.update(runner.id, { online: false, lastSeenAt: now });
    now += defaultEngineLimits.agentGraceMs + 1;
    beforeNextTransaction = async () => void (await store.commands.complete(job!.commandId!, { ok: false, error: 'step "unit tests" exited with code 1' }, now, runner.id));
    await engine.tick();
    expect(await store.jobs.get(job!.id)).toMatchObject({ status: 'failed', error: 'step "unit tests" exited with code 1' });
    expect((await store.commands.get(job!.commandId!))?.result).toEqual({ ok: false, error: 'step "unit tests" exited with code 1' });
  });

  it('ends a job whose command an older server never wrote down, instead of waiting on it for ever', async () => {
    const project = await addProject(store);
    const run = await store.runs.create(newRun(project.id, { config, stages: [{ name: 'build', kind: 'build' }] }), now);
    const runner = await store.agents.enroll({ name: 'runner-1', labels: { role: 'runner' }, tokenHash: 'h', address: '127.0.0.1', port: null }, now);
    await engine.tick();
    const [job] = await store.jobs.listByRun(run.id);
    // The state a crash between the two writes of an older server left: claimed, with no command.
    await store.jobs.update(job!.id, { status: 'running', agentId: runner.id, commandId: 'never-written', startedAt: now });
    now += defaultEngineLimits.agentGraceMs + 1;
    await engine.tick();
    expect(await store.jobs.get(job!.id)).toMatchObject({ status: 'failed', error: 'agent lost: runner runner-1 stopped answering' });
    expect((await store.runs.get(run.id))?.status).toBe('failed');
  });
});
