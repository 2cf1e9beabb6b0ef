// Tests of the rollback rehearsal: the previous release on one host, checked, and replaced again.
import { describe, expect, it } from 'vitest';
import { planDeployment } from './deployment-planner.ts';
import { answer, deployment, disconnect, advance, host, limits, sentTo, step, target, viewOf, type World } from './deployment-world-fixture.ts';

/** A rehearsal on test-1, which ran 6-1234567 before `target`. */
function rehearsalWorld(): World {
  const h = host('test-1', 0, { previousVersion: '6-1234567' });
  return {
    now: 1_000, deployment: deployment({ kind: 'rehearsal', status: 'rehearsing', env: 'testing' }), hosts: [h],
    agents: { [h.agentId]: { online: true, lastSeenAt: 1_000 } }, results: {}, sent: [], cancelled: [],
  };
}

describe('the rollback rehearsal', () => {
  it('puts the previous release back on its host, verifies it there, and puts the new one back: rollback-safe', () => {
    const w = rehearsalWorld();
    step(w);
    expect(sentTo(w)).toEqual([['test-1', { kind: 'activate', version: '6-1234567' }]]);
    answer(w, 'test-1', { ok: true });
    expect(planDeployment({ ...viewOf(w), hasVerify: true }, w.now, limits).at(-1)).toEqual({ type: 'verify-rehearsal', agentId: 'agent-test-1' });
    Object.assign(w.hosts[0]!, { step: 'healthy', commandId: null });
    w.deployment.status = 'verifying';
    expect(planDeployment({ ...viewOf(w), hasVerify: true, verifyJob: null }, w.now, limits)).toEqual([]);
    const job = { id: 'j1', owner: { kind: 'deployment' as const, deploymentId: 'dep-1' }, kind: 'verify' as const, status: 'succeeded' as const, agentId: 'r', commandId: 'c', error: null, createdAt: 0, startedAt: 0, finishedAt: 1 };
    expect(planDeployment({ ...viewOf(w), verifyJob: job }, w.now, limits)).toEqual([{ type: 'set-status', status: 'returning' }]);
    w.deployment.status = 'returning';
    step(w);
    expect(sentTo(w, 1)).toEqual([['test-1', { kind: 'activate', version: target }]]);
    answer(w, 'test-1', { ok: true });
    const actions = step(w);
    expect(actions.at(-1)).toEqual({
      type: 'finish', status: 'succeeded', rollbackSafety: { safe: true, host: 'test-1', previousVersion: '6-1234567', reason: null, logTail: [] },
    });
  });

  it('finds the version not rollback-safe when the previous release fails its health check, with its lines, and still puts the new one back', () => {
    const w = rehearsalWorld();
    step(w);
    const logTail = ['ERROR:  column "name" does not exist'];
    answer(w, 'test-1', { ok: false, step: 'health', error: 'GET /healthz answered 503', logTail });
    step(w);
    step(w);
    expect(w.deployment.status).toBe('returning');
    expect(sentTo(w, 1)).toEqual([['test-1', { kind: 'activate', version: target }]]);
    answer(w, 'test-1', { ok: true });
    expect(step(w).at(-1)).toEqual({
      type: 'finish', status: 'failed',
      error: `${target} is not rollback-safe: 6-1234567 failed on test-1 at health: GET /healthz answered 503.`,
      rollbackSafety: { safe: false, host: 'test-1', previousVersion: '6-1234567', reason: 'health: GET /healthz answered 503', logTail },
    });
  });

  it('finds the version not rollback-safe when the verify job fails against the previous release', () => {
    const w = rehearsalWorld();
    w.deployment.status = 'verifying';
    w.hosts[0]!.step = 'healthy';
    const job = { id: 'j1', owner: { kind: 'deployment' as const, deploymentId: 'dep-1' }, kind: 'verify' as const, status: 'failed' as const, agentId: 'r', commandId: 'c', error: 'step "node verify.js" exited with code 1', createdAt: 0, startedAt: 0, finishedAt: 1 };
    expect(planDeployment({ ...viewOf(w), verifyJob: job }, w.now, limits)).toEqual([{
      type: 'set-status', status: 'returning', cause: { host: 'test-1', step: 'verify', error: 'verify failed: step "node verify.js" exited with code 1', logTail: [] },
    }]);
  });

  it('records no finding when its host is gone before it begins', () => {
    const w = rehearsalWorld();
    disconnect(w, 'test-1');
    advance(w, limits.heartbeatTimeoutMs + limits.agentGraceMs + 1);
    const [finish] = step(w);
    expect(finish).toMatchObject({ type: 'finish', status: 'failed' });
    expect(finish).not.toHaveProperty('rollbackSafety');
  });

  it('records no finding when its host is lost while the previous release starts: the host, not the release, failed', () => {
    const w = rehearsalWorld();
    step(w);
    disconnect(w, 'test-1');
    advance(w, limits.heartbeatTimeoutMs + limits.agentGraceMs + 1);
    step(w);
    step(w);
    expect(w.deployment.status).toBe('returning');
    // Its agent comes back and puts the new release back.
    w.agents['agent-test-1']!.online = true;
    advance(w, 1);
    step(w);
    answer(w, 'test-1', { ok: true });
    const finish = step(w).at(-1);
    expect(finish).toMatchObject({
      type: 'finish', status: 'failed',
      error: expect.stringMatching(/^the rehearsal could not finish: test-1 was lost while 6-1234567 started there \(agent lost: /) as string,
    });
    expect(finish).not.toHaveProperty('rollbackSafety');
  });
});
