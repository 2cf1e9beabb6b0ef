// Tests of checkLbServers: what an LB agent's reading of a backend means for the servers Slipway set.
import { describe, expect, it } from 'vitest';
import type { LbServerState } from '../protocol/messages.ts';
import { checkLbServers } from './check-lb-servers.ts';

const server = (name: string, patch: Partial<LbServerState> = {}): LbServerState => ({
  server: name, admin: 'ready', adminBits: 0, operational: 'up', status: 'UP', scur: 0, weight: 1, ...patch,
});

describe('checkLbServers', () => {
  it('calls a drained server with open sessions draining, and drained once they are gone', () => {
    const backend = (scur: number) => ({ backend: 'shop', servers: [server('web-1', { admin: 'drain', adminBits: 8, status: 'DRAIN', scur }), server('web-2')] });
    expect(checkLbServers(backend(3), { 'web-1': 'drain' })).toEqual([{ server: 'web-1', verdict: 'draining', scur: 3 }]);
    expect(checkLbServers(backend(0), { 'web-1': 'drain' })).toEqual([{ server: 'web-1', verdict: 'drained' }]);
  });

  it('calls a readied server serving only once HAProxy sees it up with a weight', () => {
    const backend = { backend: 'shop', servers: [server('web-1', { operational: 'down', status: 'DOWN' }), server('web-2'), server('web-3', { weight: 0, status: 'DRAIN' })] };
    expect(checkLbServers(backend, { 'web-1': 'ready', 'web-2': 'ready', 'web-3': 'ready' })).toEqual([
      { server: 'web-1', verdict: 'warming', status: 'DOWN' },
      { server: 'web-2', verdict: 'serving' },
      { server: 'web-3', verdict: 'warming', status: 'DRAIN' },
    ]);
  });

  it('says which servers are missing, and which HAProxy has in a state Slipway did not set (a reload)', () => {
    const backend = { backend: 'shop', servers: [server('web-1'), server('web-2', { admin: 'maint', adminBits: 1, status: 'MAINT' })] };
    expect(checkLbServers(backend, { 'web-1': 'drain', 'web-2': 'drain', 'web-9': 'ready' })).toEqual([
      { server: 'web-1', verdict: 'unintended', actual: 'ready', intended: 'drain' },
      { server: 'web-2', verdict: 'unintended', actual: 'maint', intended: 'drain' },
      { server: 'web-9', verdict: 'missing' },
    ]);
    expect(checkLbServers(backend, { 'web-2': 'maint' })).toEqual([{ server: 'web-2', verdict: 'out' }]);
  });
});
