// Tests of what HaproxyRuntime refuses to write into HAProxy's runtime API: anything that could end
// the command and start a second one. The socket does not exist, so an error about it would mean the
// client had tried to connect and send.
import { describe, expect, it } from 'vitest';
import type { LbState } from '../../core/protocol/messages.ts';
import { HaproxyRuntime } from './haproxy-runtime.ts';

const runtime = new HaproxyRuntime({ socket: '/nonexistent/slipway-test/admin.sock', timeoutMs: 1000 });

describe('HaproxyRuntime', () => {
  it('refuses a backend or server name that could carry a second command, before it connects', async () => {
    for (const [backend, server] of [
      ['shop', 'web-1;shutdown sessions server shop/web-2'],
      ['shop', 'web-1\nset server shop/web-2 state maint'],
      ['shop;show info', 'web-1'],
      ['shop', 'web-1 state maint'],
      ['shop', ''],
    ]) {
      await expect(runtime.setServerState(backend!, server!, 'drain')).rejects.toMatchObject({ code: 'SLIPWAY_LB_BAD_NAME' });
    }
    await expect(runtime.showStat('shop\nshow info')).rejects.toMatchObject({ code: 'SLIPWAY_LB_BAD_NAME' });
    await expect(runtime.showServersState('shop;disable server shop/web-1')).rejects.toMatchObject({ code: 'SLIPWAY_LB_BAD_NAME' });
  });

  it('refuses a state other than ready, drain and maint, before it connects (the type alone does not hold at run time)', async () => {
    await expect(runtime.setServerState('shop', 'web-1', 'drain;shutdown sessions server shop/web-1' as LbState)).rejects.toMatchObject({ code: 'SLIPWAY_LB_BAD_NAME' });
  });

  it('tries the socket with a good name (so the refusals above are about the names)', async () => {
    await expect(runtime.setServerState('shop', 'web-1', 'drain')).rejects.toMatchObject({ code: 'SLIPWAY_LB_SOCKET_MISSING' });
  });
});
