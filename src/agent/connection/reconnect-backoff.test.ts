import { describe, expect, it } from 'vitest';
import { AGENT_HEARTBEAT_MS } from '../../core/agents/agent-liveness.ts';
import { reconnectDelayMs } from './reconnect-backoff.ts';

describe('reconnectDelayMs', () => {
  it('doubles from 250 ms, jittered by half either way', () => {
    expect([0, 1, 2, 3].map((attempt) => reconnectDelayMs(attempt, 0.5))).toEqual([250, 500, 1000, 2000]);
    expect(reconnectDelayMs(0, 0)).toBe(125);
    expect(reconnectDelayMs(0, 0.999999)).toBe(375);
  });

  it('never waits longer than a heartbeat interval and a half, so a fleet is back within the heartbeat timeout of a restarted server', () => {
    for (const attempt of [5, 6, 10, 100, 10_000]) {
      expect(reconnectDelayMs(attempt, 0.999999)).toBeLessThanOrEqual(AGENT_HEARTBEAT_MS * 1.5);
      expect(reconnectDelayMs(attempt, 0)).toBe(AGENT_HEARTBEAT_MS / 2);
    }
  });
});
