// Tests of the command executor: the order in which it carries out `lb` commands, and that a
// `migrate` command runs once, also across an agent restart (a second executor on the same root).
// For `lb`: HAProxy here is a
// stand-in on a unix socket that answers the three runtime API commands Slipway sends the way
// HAProxy 2.x does, and is slow to apply one `set`: what a busy or reloading HAProxy does. (The
// real HAProxy is driven in test/haproxy-runtime.e2e.test.ts; it cannot be made slow on purpose.)
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command, CommandResult, LbCommand, LbState } from '../core/protocol/messages.ts';
import { CommandExecutor } from './command-executor.ts';
import type { LogLineDraft } from './spool/log-spool.ts';
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

describe('CommandExecutor with migrate commands', () => {
  const version = '12-abc1234';
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-executor-'));
    mkdirSync(join(dir, 'apps', 'shop', 'releases', version), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** An agent's executor on the root `dir`: a second one on the same root is that agent restarted. */
  function agent(): { executor: CommandExecutor; results: Map<string, CommandResult>; lines: LogLineDraft[] } {
    const results = new Map<string, CommandResult>();
    const lines: LogLineDraft[] = [];
    const executor = new CommandExecutor({
      host: { root: dir, host: 'web-1', port: null, apps: new AppSupervisors(), baseEnv: { PATH: process.env.PATH } },
      serverUrl: 'http://127.0.0.1:1', token: () => 'unused', jobs: { workRoot: join(dir, 'work') },
      log: (line) => lines.push(line), onResult: (id, result) => results.set(id, result), onAppsChanged: () => undefined,
      migrationKillGraceMs: 300,
    });
    return { executor, results, lines };
  }
  const migrate = (run: string): Command => ({ kind: 'migrate', app: 'shop', version, env: 'production', deploymentId: 'dep-1', runId: 'run-1', run, timeoutMs: 60_000, port: 4100 });
  const runs = () => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;

  it('does not run a migration again after an agent restart that came while it ran: its outcome is unknown', async () => {
    const first = agent();
    first.executor.handle('cmd-1', migrate(`echo run >> ${join(dir, 'runs')}; echo "using $DATABASE_URL"; sleep 30`), { DATABASE_URL: 'postgres://shop@db/shop' });
    await waitFor(() => first.lines.some((l) => l.stream === 'migrate' && l.text === 'using postgres://shop@db/shop'));
    // The agent shuts down: the migration is stopped with it, and its marker keeps no result.
    await first.executor.close();

    const second = agent();
    second.executor.handle('cmd-1', migrate(`echo run >> ${join(dir, 'runs')}`));
    await second.executor.close();
    expect(second.results.get('cmd-1')).toMatchObject({ ok: false, step: 'migrate', errorCode: 'SLIPWAY_MIGRATION_OUTCOME_UNKNOWN' });
    expect(runs()).toBe(1);
  });

  it('answers a restarted agent\'s replay of a finished migration with the recorded result, without running it', async () => {
    const first = agent();
    first.executor.handle('cmd-1', migrate(`echo run >> ${join(dir, 'runs')}; echo "ERROR: relation orders exists" >&2; exit 4`));
    await waitFor(() => first.results.has('cmd-1'));
    await first.executor.close();
    const recorded = first.results.get('cmd-1');
    expect(recorded).toEqual({ ok: false, step: 'migrate', exitCode: 4, error: 'the migration exited with code 4', logTail: ['ERROR: relation orders exists'] });
    expect(first.lines.find((l) => l.stream === 'migrate')).toMatchObject({ app: 'shop', env: 'production', runId: 'run-1', deploymentId: 'dep-1', level: 'error' });

    const second = agent();
    second.executor.handle('cmd-1', migrate(`echo run >> ${join(dir, 'runs')}`));
    await second.executor.close();
    expect(second.results.get('cmd-1')).toEqual(recorded);
    expect(runs()).toBe(1);
  });

  it('refuses a migration of a version that is not staged on the host', async () => {
    const { executor, results } = agent();
    executor.handle('cmd-1', { ...migrate('echo ran'), version: '13-def5678' } as Command);
    await executor.close();
    expect(results.get('cmd-1')).toEqual({ ok: false, step: 'migrate', error: 'release 13-def5678 of shop is not staged on this host' });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await delay(20);
  }
}
