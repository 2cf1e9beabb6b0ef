// Server events as central log lines, on a real SQLite store: tags looked up from the project,
// run and deployment, levels from the kind, and the catch-up of events left without a line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addProjectWithRun, enrollAgent } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog } from '../engine/event-log.ts';
import { LogIngest } from './log-ingest.ts';
import { startLogRetention } from './log-retention.ts';
import { AgentScopeCache } from '../gateway/agent-scope-cache.ts';
import { LogTailHub } from './log-tail-hub.ts';
import { levelOf, LOOKBACK_IDS, ServerEventLines } from './server-event-lines.ts';

describe('ServerEventLines', () => {
  let dir: string;
  let store: Store;
  let ingest: LogIngest;
  let lines: ServerEventLines;
  const clock = { now: () => 42_000 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-event-lines-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    const log = pino({ level: 'silent' });
    ingest = new LogIngest({ store, tail: new LogTailHub(), log, scopes: new AgentScopeCache({ store }) });
    lines = new ServerEventLines({ store, ingest, log });
  });

  afterEach(async () => {
    await ingest.flush();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = () => store.logs.search({ order: 'asc', limit: 100 });

  it('writes each emitted event as a server line tagged with its project, run, deployment and environment', async () => {
    const { project, run } = await addProjectWithRun(store);
    const agent = await enrollAgent(store, 'web-1');
    const deployment = await store.deployments.create({
      projectId: project.id, env: 'production', version: run.version, runId: run.id, kind: 'deploy', batch: '1', forced: false, requestedBy: 'ada',
    }, [{ agentId: agent.id, hostName: 'web-1', batch: 0 }], 1);
    const events = new EventLog(store, clock, (event) => lines.write(event));
    const started = await events.emit('run.started', 'run #1 of hello started', { projectId: project.id, runId: run.id });
    await events.emit('job.failed', 'build job failed: exit 1', { runId: run.id });
    await events.emit('deployment.rolling_back', 'rolling back', { deploymentId: deployment.id, runId: run.id });
    await ingest.flush();
    const [first, second, third] = await stored();
    expect(first).toEqual({
      id: first!.id, at: 42_000, source: 'server', seq: started.id, host: 'server', app: 'hello', env: null, stream: 'server',
      level: 'info', runId: run.id, deploymentId: null, text: 'run #1 of hello started',
    });
    expect(second).toMatchObject({ app: 'hello', level: 'error', text: 'build job failed: exit 1' });
    expect(third).toMatchObject({ app: 'hello', env: 'production', level: 'warn', deploymentId: deployment.id });
  });

  it('catches up at start on events stored without a line, once, and while running on those missing at two catch-ups in a row', async () => {
    const events = new EventLog(store, clock);
    await events.emit('project.added', 'one');
    await events.emit('project.added', 'two');
    expect(await lines.catchUp()).toBe(2);
    expect(await lines.catchUp()).toBe(0);
    await new EventLog(store, clock).emit('project.added', 'three');
    // Its line may be on its way (another instance stored the event): written when still missing at the next catch-up.
    expect(await lines.catchUp()).toBe(0);
    expect(await lines.catchUp()).toBe(1);
    expect(await lines.catchUp()).toBe(0);
    expect((await stored()).map((l) => l.text)).toEqual(['one', 'two', 'three']);
  });

  it('writes no line again for events whose lines retention removed, only for those stored since', async () => {
    const events = new EventLog(store, clock, (event) => lines.write(event));
    await events.emit('project.added', 'one');
    await events.emit('project.added', 'two');
    await ingest.flush();
    const retention = startLogRetention({ store, clock: { now: () => 43_000 }, log: pino({ level: 'silent' }), maxAgeMs: 500, maxBytes: null });
    expect(await retention.runOnce()).toBe(2);
    await retention.close();
    expect(await stored()).toEqual([]);
    expect(await lines.catchUp()).toBe(0);
    // Stored while the server was down, without its line: written at the next start.
    await new EventLog(store, clock).emit('project.added', 'three');
    expect(await new ServerEventLines({ store, ingest, log: pino({ level: 'silent' }) }).catchUp()).toBe(1);
    expect((await stored()).map((l) => l.text)).toEqual(['three']);
  });

  it('looks for missing lines only above the highest line less LOOKBACK_IDS, so a start costs the same however long the history', async () => {
    const events = new EventLog(store, clock);
    const tooOld = await events.emit('project.added', 'too old');
    // The line of an event stored LOOKBACK_IDS later (as if that many were stored in between).
    await store.logs.append([{ ...(await lines.line(tooOld)), seq: tooOld.id + LOOKBACK_IDS, text: 'later' }]);
    const inView = await events.emit('project.added', 'in view');
    expect(inView.id).toBe(tooOld.id + 1);
    expect(await lines.catchUp()).toBe(1);
    await ingest.flush();
    expect((await stored()).map((l) => l.text)).toEqual(['later', 'in view']);
  });

  it('counts no line as missing whose event this instance is still writing (a busy ingest), so a repair in normal operation warns of nothing', async () => {
    // The ingest holds this instance's line, as it does behind agents' lines under load.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowIngest = { append: async (batch: Parameters<LogIngest['append']>[0]) => {
      await held;
      return ingest.append(batch);
    } } as unknown as LogIngest;
    const busy = new ServerEventLines({ store, ingest: slowIngest, log: pino({ level: 'silent' }) });
    expect(await busy.catchUp()).toBe(0);
    await new EventLog(store, clock, (event) => busy.write(event)).emit('project.added', 'being written');
    const repaired = busy.catchUp();
    release();
    expect(await repaired).toBe(0);
    await ingest.flush();
    expect((await stored()).map((l) => l.text)).toEqual(['being written']);
  });

  it('reads the level from the kind and what failed', () => {
    expect(levelOf({ kind: 'run.failed', data: {} })).toBe('error');
    expect(levelOf({ kind: 'stage.updated', data: { status: 'failed' } })).toBe('error');
    expect(levelOf({ kind: 'deployment.host', data: { step: 'restore_failed' } })).toBe('error');
    expect(levelOf({ kind: 'deployment.rolled_back', data: {} })).toBe('warn');
    expect(levelOf({ kind: 'deployment.host', data: { step: 'healthy' } })).toBe('info');
    expect(levelOf({ kind: 'deployment.lb', data: { host: 'web-1' } })).toBe('warn');
    expect(levelOf({ kind: 'gate.approved', data: {} })).toBe('info');
  });
});
