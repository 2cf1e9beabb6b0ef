// Tests of the migrate step: played out on plain data like the planner's other tests.
import { describe, expect, it } from 'vitest';
import type { DeploymentMigration } from '../model.ts';
import { planDeployment } from './deployment-planner.ts';
import { advance, answer, disconnect, limits, sentTo, stageAll, step, steps, target, viewOf, world, type World } from './deployment-world-fixture.ts';

const pending: DeploymentMigration = { state: 'pending', agentId: null, host: null, commandId: null, sentAt: null, finishedAt: null, error: null, logTail: [] };

/** Three hosts in batches of one, each on 6-1234567, with a migration to run. */
function migratingWorld(): World {
  const w = world(['web-1', 'web-2', 'web-3'], 1);
  w.deployment.migration = { ...pending };
  return w;
}

/** Stages every host; the deployment is then migrating. */
function stageEvery(w: World): void {
  step(w);
  for (const h of w.hosts) answer(w, h.hostName, { ok: true, previous: '6-1234567' });
  step(w);
  expect(w.deployment.status).toBe('migrating');
}

function answerMigration(w: World, result: Parameters<typeof answer>[2]): void {
  w.results[w.deployment.migration!.commandId!] = result;
}

describe('the migrate step', () => {
  it('runs once on the first host after every host staged, then activates', () => {
    const w = migratingWorld();
    stageEvery(w);
    const before = w.sent.length;
    expect(step(w)).toEqual([{ type: 'migrate', agentId: 'agent-web-1', host: 'web-1' }]);
    expect(w.deployment.migration).toMatchObject({ state: 'running', host: 'web-1', commandId: 'cmd-4', sentAt: w.now });
    // Nothing more while it runs: no second command, no host switches.
    advance(w, 10_000);
    expect(step(w)).toEqual([]);
    expect(sentTo(w, before)).toEqual([['web-1', { kind: 'migrate' }]]);

    answerMigration(w, { ok: true, logTail: ['applying 002-add-price.sql'] });
    expect(step(w)).toEqual([{
      type: 'migration', status: 'activating',
      migration: { ...w.deployment.migration, state: 'succeeded', finishedAt: w.now, error: null, logTail: ['applying 002-add-price.sql'] },
      note: 'migration succeeded on web-1 in 10.0 s',
    }]);
    step(w);
    expect(sentTo(w, before + 1)).toEqual([['web-1', { kind: 'activate', version: target }]]);
  });

  it('ends failed_migration with the migration\'s last lines as the cause when it fails, and no host switches', () => {
    const w = migratingWorld();
    stageEvery(w);
    step(w);
    const logTail = ['applying 003-rename.sql', 'ERROR:  column "nme" does not exist'];
    answerMigration(w, { ok: false, step: 'migrate', exitCode: 3, error: 'the migration exited with code 3', logTail });
    const [finish] = step(w);
    expect(finish).toMatchObject({
      type: 'finish', status: 'failed_migration',
      cause: { host: 'web-1', step: 'migrate', error: 'the migration exited with code 3', logTail },
      error: 'migration failed on web-1: the migration exited with code 3',
      quarantine: 'production: the migration failed on web-1: the migration exited with code 3',
    });
    expect(w.deployment.migration).toMatchObject({ state: 'failed', logTail });
    expect(w.sent.map((s) => s.command.kind)).toEqual(['prepare', 'prepare', 'prepare', 'migrate']);
    expect(steps(w)).toEqual({ 'web-1': 'staged', 'web-2': 'staged', 'web-3': 'staged' });
    expect(planDeployment(viewOf(w), w.now, limits)).toEqual([]);
  });

  it('asks a person when the agent answers that the migration began before it restarted', () => {
    const w = migratingWorld();
    stageEvery(w);
    step(w);
    answerMigration(w, { ok: false, step: 'migrate', errorCode: 'SLIPWAY_MIGRATION_OUTCOME_UNKNOWN', error: 'this migration began before the agent restarted' });
    step(w);
    expect(w.deployment).toMatchObject({ status: 'failed_migration', migration: { state: 'unknown' } });
    expect(w.deployment.error).toMatch(/^migration outcome unknown on web-1/);
  });

  it('waits for a lost host as long as the migration may run, then stops without sending it again', () => {
    const w = migratingWorld();
    stageEvery(w);
    step(w);
    const commandId = w.deployment.migration!.commandId!;
    disconnect(w, 'web-1');
    advance(w, limits.migrateTimeoutMs);
    expect(step(w)).toEqual([]);
    advance(w, 1);
    step(w);
    expect(w.deployment).toMatchObject({ status: 'failed_migration', migration: { state: 'unknown' } });
    expect(w.deployment.migration?.error).toMatch(/whether it finished is not known, so it is not run again/);
    expect(w.cancelled).toEqual([commandId]);
    expect(w.sent.filter((s) => s.command.kind === 'migrate')).toHaveLength(1);
  });

  it('does not send the migration to a first host that is gone, and says it did not run', () => {
    const w = migratingWorld();
    stageEvery(w);
    disconnect(w, 'web-1');
    advance(w, limits.heartbeatTimeoutMs + limits.agentGraceMs + 1);
    step(w);
    expect(w.deployment).toMatchObject({ status: 'failed_migration', migration: { state: 'failed', host: 'web-1' } });
    expect(w.deployment.migration?.error).toMatch(/the migration did not run/);
    expect(w.sent.filter((s) => s.command.kind === 'migrate')).toEqual([]);
  });

  it('runs no migration for a deployment without one', () => {
    const w = world(['web-1'], 1);
    stageAll(w, { 'web-1': '6-1234567' });
    expect(w.sent.map((s) => s.command.kind)).toEqual(['prepare']);
  });

  it('stops for a person, rolling nothing back, when a host fails after a migration the rehearsal found unsafe', () => {
    const w = migratingWorld();
    w.rollbackSafety = { safe: false, deploymentId: 'r1', host: 'test-1', previousVersion: '6-1234567', reason: 'health: GET /healthz answered 503', logTail: [], at: 1 };
    stageEvery(w);
    step(w);
    answerMigration(w, { ok: true });
    step(w);
    step(w);
    answer(w, 'web-1', { ok: true });
    step(w);
    answer(w, 'web-2', { ok: false, step: 'health', error: 'GET /healthz answered 500' });
    const before = w.sent.length;
    step(w);
    expect(w.deployment.status).toBe('failed');
    expect(w.deployment.error).toContain('is not rollback-safe (6-1234567 failed on test-1 in the rollback rehearsal: health: GET /healthz answered 503)');
    expect(w.deployment.error).toContain(`Hosts on ${target}: web-1, web-2`);
    expect(w.sent.length).toBe(before);
  });

  it('still rolls back every host after a migration whose version the rehearsal found safe', () => {
    const w = migratingWorld();
    w.rollbackSafety = { safe: true, deploymentId: 'r1', host: 'test-1', previousVersion: '6-1234567', reason: null, logTail: [], at: 1 };
    stageEvery(w);
    step(w);
    answerMigration(w, { ok: true });
    step(w);
    step(w);
    answer(w, 'web-1', { ok: false, step: 'health', error: 'GET /healthz answered 500' });
    step(w);
    expect(w.deployment.status).toBe('rolling_back');
  });
});
