// Tests of the order in which the command executor carries out `lb` commands. HAProxy here is a
// stand-in on a unix socket that answers the three runtime API commands Slipway sends the way
// HAProxy 2.x does, and is slow to apply one `set`: what a busy or reloading HAProxy does. (The
// real HAProxy is driven in test/haproxy-runtime.e2e.test.ts; it cannot be made slow on purpose.)
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandResult, LbCommand, LbState } from '../core/protocol/messages.ts';
import { CommandExecutor } from './command-executor.ts';
import { AppSupervisors } from './supervisor/app-supervisors.ts';

const ADMIN_BITS: Record<LbState, number> = { ready: 0, drain: 0x08, maint: 0x01 };

/** One backend "shop" with one server "web-1"; `set` of `slowState` is applied and answered only after `slowMs`. */
function standInHaproxy(socket: string, slowState: LbState, slowMs: number): { server: Server; sets: string[]; admin: () => LbState } {
  let admin: LbState = 'ready';
  const sets: string[] = [];
  const server = createServer((conn) => {
    conn.once('data', (chunk) => {
      const line = chunk.toString('utf8').trim();
      const set = /^set server shop\/web-1 state (ready|drain|maint)$/.exec(line);
      if (set) {
        const state = set[1] as LbState;
        setTimeout(() => { admin = state; sets.push(state); conn.end('\n'); }, state === slowState ? slowMs : 0);
      } else if (line === 'show servers state shop') {
        conn.end(`1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight\n3 shop 1 web-1 127.0.0.1 2 ${ADMIN_BITS[admin]} 1\n\n`);
      } else if (line === 'show stat shop 4 -1') {
        conn.end(`# pxname,svname,scur,stot,weight,status,check_status,\nshop,web-1,0,0,1,${admin === 'ready' ? 'UP' : admin.toUpperCase()},L7OK,\n\n`);
      } else conn.end('Unknown command.\n');
    });
  });
  return { server, sets, admin: () => admin };
}

describe('CommandExecutor with lb commands', () => {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'slipway-executor-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies lb commands for one HAProxy in the order they came: a slow drain does not land after the ready sent next', async () => {
    const socket = join(dir, 'admin.sock');
    const haproxy = standInHaproxy(socket, 'drain', 300);
    await new Promise<void>((resolve) => haproxy.server.listen(socket, resolve));
    const results = new Map<string, CommandResult>();
    const executor = new CommandExecutor({
      host: { root: dir, host: 'lb-1', port: null, apps: new AppSupervisors() },
      serverUrl: 'http://127.0.0.1:1', token: () => 'unused', jobs: { workRoot: join(dir, 'work') }, haproxySockets: [socket],
      log: () => undefined, onResult: (id, result) => results.set(id, result), onAppsChanged: () => undefined,
    });
    const lb = (state: LbState): LbCommand => ({ kind: 'lb', socket, backend: 'shop', set: [{ server: 'web-1', state }] });
    try {
      // The server gave up on the drain (no answer in time) and sent the ready of the rollback.
      executor.handle('drain', lb('drain'));
      executor.handle('ready', lb('ready'));
      await executor.close();
      expect(haproxy.sets).toEqual(['drain', 'ready']);
      expect(haproxy.admin()).toBe('ready');
      expect(results.get('ready')).toMatchObject({ ok: true, lb: { servers: [{ server: 'web-1', admin: 'ready' }] } });
    } finally {
      await new Promise<void>((resolve) => haproxy.server.close(() => resolve()));
    }
  });
});
