import { describe, expect, it } from 'vitest';
import type { Agent } from '../model.ts';
import { selectHosts } from '../deploy/select-hosts.ts';
import { decideEnrollment } from './enrollment-decision.ts';

function agent(name: string, patch: Partial<Agent> = {}): Agent {
  return {
    id: `id-${name}`, name, labels: { env: 'production' }, address: 'x', port: null, online: true, lastSeenAt: 0, apps: [], enrolledAt: 0,
    status: 'active', enrollAllowed: false, ...patch,
  };
}

describe('decideEnrollment', () => {
  it('enrolls a new name, pending when the server accepts agents by hand', () => {
    expect(decideEnrollment(undefined, 'auto')).toEqual({ kind: 'new', status: 'active' });
    expect(decideEnrollment(undefined, 'manual')).toEqual({ kind: 'new', status: 'pending' });
  });

  it('refuses a taken name unless an admin allowed it, and then keeps the labels', () => {
    expect(decideEnrollment(agent('web-1'), 'auto')).toMatchObject({ kind: 'refuse' });
    expect(decideEnrollment(agent('web-1', { status: 'revoked' }), 'auto')).toMatchObject({ kind: 'refuse' });
    expect(decideEnrollment(agent('web-1', { enrollAllowed: true, status: 'revoked' }), 'manual'))
      .toEqual({ kind: 'again', agentId: 'id-web-1', status: 'active', takeLabels: false });
  });

  it('enrolls a removed agent\'s name as a new agent would', () => {
    expect(decideEnrollment(agent('web-1', { status: 'removed' }), 'manual')).toEqual({ kind: 'again', agentId: 'id-web-1', status: 'pending', takeLabels: true });
  });
});

describe('selectHosts', () => {
  it('puts no pending, revoked or removed agent in an environment', () => {
    const agents = [agent('a'), agent('b', { status: 'pending' }), agent('c', { status: 'revoked' }), agent('d', { status: 'removed' })];
    expect(selectHosts(agents, { env: 'production' }).map((a) => a.name)).toEqual(['a']);
  });
});
