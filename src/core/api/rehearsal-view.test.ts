import { describe, expect, it } from 'vitest';
import type { DeploymentHost, DeploymentStatus } from '../model.ts';
import { notRollbackSafeText, rehearsalView } from './rehearsal-view.ts';

const host: DeploymentHost = {
  deploymentId: 'reh', agentId: 'agent-web-1', hostName: 'web-1', batch: 0, previousVersion: '1-aaaaaaa', step: 'restoring', error: null, failedStep: null, logTail: [],
  commandId: null, commandSentAt: null, updatedAt: 0,
};
const rehearsal = (status: DeploymentStatus) => ({ status, version: '2-bbbbbbb', hosts: [host] });

describe('rehearsalView', () => {
  it('names the previous release and its one host at each step, its bar filling as it goes', () => {
    const steps: DeploymentStatus[] = ['rehearsing', 'verifying', 'returning', 'succeeded'];
    expect(steps.map((s) => rehearsalView(rehearsal(s)).text)).toEqual([
      'putting 1-aaaaaaa back on web-1',
      'verifying 1-aaaaaaa on web-1',
      'returning web-1 to 2-bbbbbbb',
      '1-aaaaaaa worked on web-1: rollback-safe',
    ]);
    const fractions = steps.map((s) => rehearsalView(rehearsal(s)).fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(fractions.at(-1)).toBe(1);
  });

  it('says the previous release failed on the host when the rehearsal failed', () => {
    expect(rehearsalView(rehearsal('failed'))).toMatchObject({ text: '1-aaaaaaa failed on web-1', failed: true, host: 'web-1', previousVersion: '1-aaaaaaa' });
  });
});

describe('notRollbackSafeText', () => {
  const safety = { safe: false, deploymentId: 'reh', host: 'web-1', previousVersion: '1-aaaaaaa', reason: 'no 2xx from /healthz within 10s', logTail: [], at: 0 };

  it('reads "not rollback-safe: <previous> failed on <host>: <reason>", and nothing for a safe version', () => {
    expect(notRollbackSafeText(safety)).toBe('not rollback-safe: 1-aaaaaaa failed on web-1: no 2xx from /healthz within 10s');
    expect(notRollbackSafeText({ ...safety, reason: null })).toBe('not rollback-safe: 1-aaaaaaa failed on web-1');
    expect(notRollbackSafeText({ ...safety, safe: true })).toBeNull();
    expect(notRollbackSafeText(null)).toBeNull();
  });
});
