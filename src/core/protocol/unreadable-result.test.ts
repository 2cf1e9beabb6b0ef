import { describe, expect, it } from 'vitest';
import { unreadableResult } from './messages.ts';

describe('unreadableResult', () => {
  it('names the command and what does not parse in a result message', () => {
    expect(unreadableResult(JSON.stringify({ type: 'result', commandId: 'c-1', result: { ok: true, lb: { backend: 'shop', servers: 'all' } } })))
      .toEqual({ commandId: 'c-1', problem: expect.stringMatching(/^lb\.servers: /) as string });
  });

  it('is undefined for a result that parses, for other messages, and for what is no message', () => {
    expect(unreadableResult(JSON.stringify({ type: 'result', commandId: 'c-1', result: { ok: true } }))).toBeUndefined();
    expect(unreadableResult(JSON.stringify({ type: 'heartbeat', extra: 1 }))).toBeUndefined();
    expect(unreadableResult(JSON.stringify({ type: 'result', commandId: 'x'.repeat(101), result: {} }))).toBeUndefined();
    expect(unreadableResult('{not json')).toBeUndefined();
  });
});
