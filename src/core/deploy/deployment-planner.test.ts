// Tests of the deployment planner: whole deployments played out on plain data, applying its actions
// the way the engine does and answering its commands the way agents do.
import { describe, expect, it } from 'vitest';
import { planDeployment } from './deployment-planner.ts';
import {
  advance, answer, deployment, disconnect, hostNamed, limits, sentTo, stageAll, step, steps, target, viewOf, world,
} from './deployment-world-fixture.ts';
describe('planDeployment', () => {
  it('stages every host first, then activates batch by batch, and succeeds when all are healthy', () => {
    const w = world(['web-1', 'web-2', 'web-3'], '50%');
    expect(step(w)).toEqual(['web-1', 'web-2', 'web-3'].map((name) => (
      { type: 'send', agentId: `agent-${name}`, command: { kind: 'prepare' }, step: 'staging' })));
    expect(step(w)).toEqual([]);

    for (const name of ['web-1', 'web-2', 'web-3']) answer(w, name, { ok: true, previous: '6-1234567' });
    step(w);
    expect(w.deployment.status).toBe('activating');
    expect(w.hosts.map((h) => [h.step, h.previousVersion, h.commandId])).toEqual(Array(3).fill(['staged', '6-1234567', null]));

    step(w);
    expect(sentTo(w, 3)).toEqual([['web-1', { kind: 'activate', version: target }], ['web-2', { kind: 'activate', version: target }]]);
    answer(w, 'web-1', { ok: true });
    expect(step(w)).toEqual([{ type: 'update-host', agentId: 'agent-web-1', patch: { step: 'healthy', error: null, failedStep: null, logTail: [], commandId: null, commandSentAt: null } }]);
    expect(sentTo(w, 5)).toEqual([]);

    answer(w, 'web-2', { ok: true });
    step(w);
    expect(sentTo(w, 5)).toEqual([['web-3', { kind: 'activate', version: target }]]);
    answer(w, 'web-3', { ok: true });
    expect(step(w).at(-1)).toEqual({ type: 'finish', status: 'succeeded', knownGood: target });
    expect(w.deployment.status).toBe('succeeded');
    expect(steps(w)).toEqual({ 'web-1': 'healthy', 'web-2': 'healthy', 'web-3': 'healthy' });
    expect(planDeployment(viewOf(w), w.now, limits)).toEqual([]);
  });

  it('rolls every touched host back when one host fails its health check in the second batch', () => {
    const w = world(['web-1', 'web-2', 'web-3', 'web-4', 'web-5'], 2);
    stageAll(w, { 'web-1': null, 'web-2': '6-1234567', 'web-3': '6-1234567', 'web-4': '6-1234567', 'web-5': '6-1234567' });
    step(w);
    answer(w, 'web-1', { ok: true });
    answer(w, 'web-2', { ok: true });
    step(w);
    answer(w, 'web-4', { ok: true });
    const logTail = ['listening on 8080', 'Error: cannot reach the database'];
    answer(w, 'web-3', { ok: false, step: 'health', error: 'GET /healthz answered 503', logTail });

    const sentBefore = w.sent.length;
    const actions = step(w);
    expect(actions).toContainEqual({
      type: 'set-status', status: 'rolling_back',
      cause: { host: 'web-3', step: 'health', error: 'GET /healthz answered 503', logTail },
    });
    expect(w.deployment.status).toBe('rolling_back');
    expect(sentTo(w, sentBefore)).toEqual([
      ['web-1', { kind: 'deactivate' }],
      ['web-2', { kind: 'activate', version: '6-1234567' }],
      ['web-3', { kind: 'activate', version: '6-1234567' }],
      ['web-4', { kind: 'activate', version: '6-1234567' }],
    ]);
    expect(step(w)).toEqual([]);

    for (const name of ['web-1', 'web-2', 'web-3', 'web-4']) answer(w, name, { ok: true });
    expect(step(w).at(-1)).toEqual({ type: 'finish', status: 'rolled_back', quarantine: 'production: web-3 failed at health: GET /healthz answered 503' });
    expect(w.deployment.status).toBe('rolled_back');
    expect(steps(w)).toEqual({ 'web-1': 'restored', 'web-2': 'restored', 'web-3': 'restored', 'web-4': 'restored', 'web-5': 'staged' });
    expect(w.sent.filter((s) => s.host === 'web-5').map((s) => s.command.kind)).toEqual(['prepare']);
  });

  it('ends failed, naming the host, when a restore fails', () => {
    const w = world(['web-1', 'web-2'], 1);
    stageAll(w, { 'web-1': '6-1234567', 'web-2': '6-1234567' });
    step(w);
    answer(w, 'web-1', { ok: true });
    step(w);
    answer(w, 'web-2', { ok: false, step: 'activate', error: 'the app exited with code 1' });
    step(w);
    expect(w.deployment.cause).toMatchObject({ host: 'web-2', step: 'activate' });

    answer(w, 'web-1', { ok: true });
    answer(w, 'web-2', { ok: false, error: 'release 6-1234567 is missing' });
    expect(step(w).at(-1)).toEqual({
      type: 'finish', status: 'failed',
      error: 'could not restore the previous version on web-2 (release 6-1234567 is missing)',
      quarantine: 'production: web-2 failed at activate: the app exited with code 1',
    });
    expect(steps(w)).toEqual({ 'web-1': 'restored', 'web-2': 'restore_failed' });
  });

  it('rolls back without activating anything when a host fails to stage', () => {
    const w = world(['web-1', 'web-2', 'web-3'], 1);
    step(w);
    answer(w, 'web-1', { ok: true, previous: '6-1234567' });
    answer(w, 'web-2', { ok: false, step: 'stage', error: 'sha256 mismatch', logTail: ['downloaded 1024 bytes'] });
    step(w);
    expect(w.deployment.status).toBe('rolling_back');
    expect(w.deployment.cause).toEqual({ host: 'web-2', step: 'stage', error: 'sha256 mismatch', logTail: ['downloaded 1024 bytes'] });
    expect(step(w)).toEqual([]);

    answer(w, 'web-3', { ok: true, previous: '6-1234567' });
    step(w);
    expect(w.deployment.status).toBe('rolled_back');
    expect(w.sent.map((s) => s.command.kind)).toEqual(['prepare', 'prepare', 'prepare']);
  });

  it('fails a host whose agent is lost during activation and cancels its command', () => {
    const w = world(['web-1', 'web-2'], 1);
    stageAll(w, { 'web-1': '6-1234567', 'web-2': '6-1234567' });
    step(w);
    const { commandId } = hostNamed(w, 'web-1');
    disconnect(w, 'web-1');
    advance(w, limits.agentGraceMs);
    expect(step(w)).toEqual([]);

    advance(w, 1);
    const actions = step(w);
    expect(actions.slice(0, 2)).toEqual([
      {
        type: 'update-host', agentId: 'agent-web-1', cancelCommandId: commandId,
        patch: { step: 'failed', error: 'agent lost: the host stopped answering', failedStep: 'agent_lost', logTail: [], commandId: null, commandSentAt: null },
      },
      { type: 'set-status', status: 'rolling_back', cause: { host: 'web-1', step: 'agent_lost', error: 'agent lost: the host stopped answering', logTail: [] } },
    ]);
    expect(w.cancelled).toEqual([commandId]);
    expect(sentTo(w, 3)).toEqual([['web-1', { kind: 'activate', version: '6-1234567' }]]);
    expect(hostNamed(w, 'web-1').step).toBe('restoring');
  });

  it('keeps a restore for a lost agent until the restore times out, then ends failed', () => {
    const w = world(['web-1', 'web-2'], 1);
    stageAll(w, { 'web-1': '6-1234567', 'web-2': '6-1234567' });
    step(w);
    disconnect(w, 'web-1');
    advance(w, limits.agentGraceMs + 1);
    step(w);
    const { step: restoring, commandId } = hostNamed(w, 'web-1');
    expect(restoring).toBe('restoring');

    advance(w, limits.restoreTimeoutMs);
    expect(step(w)).toEqual([]);
    advance(w, 1);
    expect(step(w)).toEqual([
      {
        type: 'update-host', agentId: 'agent-web-1', cancelCommandId: commandId,
        patch: { step: 'restore_failed', error: 'agent lost: the host did not come back within 3m', failedStep: 'agent_lost', logTail: [], commandId: null, commandSentAt: null },
      },
      {
        type: 'finish', status: 'failed', error: 'could not restore the previous version on web-1 (agent lost: the host did not come back within 3m)',
        quarantine: 'production: web-1 failed at agent_lost: agent lost: the host stopped answering',
      },
    ]);
  });

  it('restores a host whose agent comes back before the restore times out', () => {
    const w = world(['web-1'], 1);
    stageAll(w, { 'web-1': '6-1234567' });
    step(w);
    disconnect(w, 'web-1');
    advance(w, limits.agentGraceMs + 1);
    step(w);
    advance(w, limits.restoreTimeoutMs - 1);
    w.agents['agent-web-1']!.online = true;
    answer(w, 'web-1', { ok: true });
    step(w);
    expect(w.deployment.status).toBe('rolled_back');
  });

  it('fails a host whose connected agent does not answer before the command times out', () => {
    const w = world(['web-1', 'web-2'], 1);
    stageAll(w, { 'web-1': '6-1234567', 'web-2': '6-1234567' });
    step(w);
    const { commandId } = hostNamed(w, 'web-1');
    advance(w, limits.activateTimeoutMs);
    expect(step(w)).toEqual([]);
    advance(w, 1);
    step(w);
    expect(w.cancelled).toEqual([commandId]);
    expect(w.deployment.cause).toEqual({ host: 'web-1', step: 'timeout', error: 'timed out after 2m waiting for the host', logTail: [] });
    expect(hostNamed(w, 'web-1').step).toBe('restoring');
  });

  it('takes the step from the agent when its own error reads like a timeout', () => {
    const w = world(['web-1'], 1);
    stageAll(w, { 'web-1': '6-1234567' });
    step(w);
    answer(w, 'web-1', { ok: false, step: 'health', error: 'timed out after 20s waiting for GET /healthz' });
    step(w);
    expect(w.deployment.cause).toMatchObject({ host: 'web-1', step: 'health' });
  });

  it('lets the activations in flight in the same batch finish before sending any restore', () => {
    const w = world(['web-1', 'web-2', 'web-3'], 2);
    stageAll(w, { 'web-1': '6-1234567', 'web-2': '6-1234567', 'web-3': '6-1234567' });
    step(w);
    answer(w, 'web-1', { ok: false, step: 'health', error: 'GET /healthz timed out' });
    const sentBefore = w.sent.length;
    step(w);
    expect(w.deployment.status).toBe('rolling_back');
    expect(steps(w)).toEqual({ 'web-1': 'failed', 'web-2': 'activating', 'web-3': 'staged' });
    expect(sentTo(w, sentBefore)).toEqual([]);
    expect(step(w)).toEqual([]);

    answer(w, 'web-2', { ok: true });
    step(w);
    expect(sentTo(w, sentBefore)).toEqual([
      ['web-1', { kind: 'activate', version: '6-1234567' }],
      ['web-2', { kind: 'activate', version: '6-1234567' }],
    ]);
  });

  it('fails staging at once on a host whose agent is already lost, without sending it anything', () => {
    const w = world(['web-1', 'web-2'], 1);
    disconnect(w, 'web-2');
    advance(w, limits.agentGraceMs + 1);
    step(w);
    expect(w.sent.map((s) => s.host)).toEqual(['web-1']);
    answer(w, 'web-1', { ok: true, previous: null });
    step(w);
    expect(w.deployment.cause).toEqual({ host: 'web-2', step: 'agent_lost', error: 'agent lost: the host is not connected', logTail: [] });
    expect(w.deployment.status).toBe('rolled_back');
  });

  it('sends no activation to a host whose agent was lost after staging, and rolls the others back', () => {
    const w = world(['web-1', 'web-2'], 1);
    stageAll(w, { 'web-1': '6-1234567', 'web-2': '6-1234567' });
    step(w);
    disconnect(w, 'web-2');
    advance(w, limits.agentGraceMs + 1);
    answer(w, 'web-1', { ok: true });
    const sentBefore = w.sent.length;
    step(w);
    step(w);
    expect(w.sent.slice(sentBefore).map((s) => [s.host, s.command])).toEqual([['web-1', { kind: 'activate', version: '6-1234567' }]]);
    expect(w.deployment.cause).toMatchObject({ host: 'web-2', step: 'agent_lost' });
    answer(w, 'web-1', { ok: true });
    step(w);
    expect(w.deployment.status).toBe('rolled_back');
    expect(steps(w)).toEqual({ 'web-1': 'restored', 'web-2': 'stage_failed' });
  });

  it('quarantines nothing when a rollback by hand ends, and names the cause found in the same pass it ends', () => {
    const manual = world(['web-1'], 1);
    manual.deployment.kind = 'rollback';
    stageAll(manual, { 'web-1': '6-1234567' });
    step(manual);
    answer(manual, 'web-1', { ok: false, step: 'health', error: 'GET /healthz answered 500' });
    step(manual);
    answer(manual, 'web-1', { ok: true });
    expect(step(manual).at(-1)).toEqual({ type: 'finish', status: 'rolled_back' });

    // A host that fails to stage: nothing to restore, so the rollback begins and ends in one pass.
    const w = world(['web-1'], 1);
    step(w);
    answer(w, 'web-1', { ok: false, step: 'stage', error: 'disk full' });
    expect(step(w).at(-1)).toEqual({ type: 'finish', status: 'rolled_back', quarantine: 'production: web-1 failed at stage: disk full' });
  });

  it('gives the same actions when planning twice on the same data, and none once the deployment ended', () => {
    const w = world(['web-1', 'web-2', 'web-3'], '50%');
    stageAll(w, { 'web-1': '6-1234567' });
    const view = viewOf(w);
    const first = planDeployment(view, w.now, limits);
    expect(first).toHaveLength(2);
    expect(planDeployment(view, w.now, limits)).toEqual(first);
    expect(view).toEqual(viewOf(w));

    for (const status of ['succeeded', 'rolled_back', 'failed'] as const) {
      expect(planDeployment({ ...view, deployment: deployment({ status }) }, w.now, limits)).toEqual([]);
    }
  });
});
