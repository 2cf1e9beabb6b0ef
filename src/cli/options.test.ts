import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkHeartbeatTimeout } from './options.ts';

describe('checkHeartbeatTimeout', () => {
  it('takes a timeout longer than the agents\' heartbeat', () => {
    expect(checkHeartbeatTimeout('15s')).toBe('15s');
    expect(checkHeartbeatTimeout('6s')).toBe('6s');
  });

  it('refuses one a healthy agent would miss between two heartbeats, and one that is no duration', () => {
    expect(() => checkHeartbeatTimeout('5s')).toThrow(new InvalidArgumentError("must be longer than the agents' heartbeat (every 5s), or healthy agents count as lost between two heartbeats; three heartbeats or more is wise"));
    expect(() => checkHeartbeatTimeout('soon')).toThrow(InvalidArgumentError);
  });
});
