// Tests of the `lb` command and its result in the protocol: strict and bounded on both ways, since
// a slipway.yml writes the command's names and an LB agent writes the answer.
import { describe, expect, it } from 'vitest';
import { commandResultSchema, commandSchema, MAX_LB_SERVERS, parseServerMessage } from './messages.ts';

const command = { kind: 'lb', socket: '/run/haproxy/admin.sock', backend: 'shop', set: [{ server: 'web-1', state: 'drain' }] };
const server = { server: 'web-1', admin: 'drain', adminBits: 8, operational: 'up', status: 'DRAIN', scur: 2, weight: 1 };

describe('the lb command', () => {
  it('reaches the agent as the server sent it', () => {
    expect(parseServerMessage(JSON.stringify({ type: 'command', id: 'c1', command }))).toEqual({ type: 'command', id: 'c1', command });
    expect(commandSchema.safeParse({ ...command, set: [] }).success).toBe(true);
  });

  it('refuses names that could carry a second runtime API command, a relative socket and unknown states', () => {
    for (const bad of [
      { ...command, backend: 'shop; shutdown sessions server shop/web-2' },
      { ...command, set: [{ server: 'web-1\nshow info', state: 'drain' }] },
      { ...command, socket: 'admin.sock' },
      { ...command, socket: `/${'s'.repeat(107)}` },
      { ...command, set: [{ server: 'web-1', state: 'disable' }] },
    ]) expect(commandSchema.safeParse(bad).success).toBe(false);
  });
});

describe('the lb result', () => {
  it('reads an LB agent\'s answer with the backend it reports', () => {
    const result = { ok: true, lb: { backend: 'shop', servers: [server] } };
    expect(commandResultSchema.parse(result)).toEqual(result);
    expect(commandResultSchema.parse({ ok: false, error: 'no such backend', errorCode: 'SLIPWAY_LB_NO_SUCH_BACKEND' }).errorCode).toBe('SLIPWAY_LB_NO_SUCH_BACKEND');
  });

  it('refuses an answer with fields it does not know, values out of bounds or too many servers', () => {
    for (const bad of [
      { ...server, extra: 'x' },
      { ...server, status: 'U'.repeat(65) },
      { ...server, scur: -1 },
      { ...server, admin: 'gone' },
      { ...server, server: 'web 1' },
    ]) expect(commandResultSchema.safeParse({ ok: true, lb: { backend: 'shop', servers: [bad] } }).success).toBe(false);
    const many = Array.from({ length: MAX_LB_SERVERS + 1 }, (_, i) => ({ ...server, server: `web-${i}` }));
    expect(commandResultSchema.safeParse({ ok: true, lb: { backend: 'shop', servers: many } }).success).toBe(false);
    expect(commandResultSchema.safeParse({ ok: false, errorCode: 'not a code' }).success).toBe(false);
  });
});
