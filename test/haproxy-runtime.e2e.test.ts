// The agent's side of load balancing against a real HAProxy (Debian's /usr/sbin/haproxy): servers
// drained, readied and put in maintenance through the runtime API and read back, sessions counted
// while a slow request is open, and every way the socket can fail, each with its own error. The
// apps behind it are tiny node:http servers on loopback ports.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { commandResultSchema, type CommandResult, type LbCommand } from '../src/core/protocol/messages.ts';
import { applyLbCommand } from '../src/agent/lb/apply-lb-command.ts';
import { HaproxyRuntime } from '../src/agent/lb/haproxy-runtime.ts';
import { CommandExecutor } from '../src/agent/command-executor.ts';
import { AppSupervisors } from '../src/agent/supervisor/app-supervisors.ts';
import type { LogLineDraft } from '../src/agent/spool/log-spool.ts';
import type { Agent, LogLine } from '../src/core/model.ts';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { freePort, startSlipway, type SlipwayProcess } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const HAPROXY = '/usr/sbin/haproxy';
const haveHaproxy = existsSync(HAPROXY);
if (!haveHaproxy && process.env.CI) throw new Error(`${HAPROXY} is missing: CI must install the haproxy package (.ci/run does)`);
if (!haveHaproxy) console.warn(`skipping the HAProxy runtime tests: ${HAPROXY} is not installed (apt-get install haproxy)`);

/** A tiny app: answers its name, and holds `/slow` open until the test lets it go. */
class TinyApp {
  /** The `/slow` requests waiting for release(). */
  readonly held: ServerResponse[] = [];
  readonly server: HttpServer;
  port = 0;

  private constructor(readonly name: string) {
    this.server = createHttpServer((req, res) => {
      if (req.url === '/slow') this.held.push(res);
      else res.end(name);
    });
  }

  static async start(name: string): Promise<TinyApp> {
    const app = new TinyApp(name);
    app.port = await freePort();
    await new Promise<void>((resolve) => app.server.listen(app.port, '127.0.0.1', resolve));
    return app;
  }

  release(): void {
    for (const res of this.held.splice(0)) res.end(`${this.name} slow`);
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A GET through HAProxy's frontend on a fresh connection: the body (the app's name). */
function get(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(`${res.statusCode ?? 0} ${body}`));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!haveHaproxy)('HAProxy runtime API, through a real HAProxy', () => {
  let dir: string;
  let socket: string;
  let operatorSocket: string;
  let rootOnlySocket: string;
  let frontendPort: number;
  let apps: TinyApp[] = [];
  let haproxy: ChildProcess | undefined;
  let haproxyOutput = '';
  const deps = () => ({ sockets: [socket, operatorSocket] });
  const lb = (set: LbCommand['set'], backend = 'shop', on = socket): LbCommand => ({ kind: 'lb', socket: on, backend, set });
  /** Runs `lb` and checks that the answer is one the server's protocol schema accepts. */
  const apply = async (command: LbCommand, timeoutMs?: number): Promise<CommandResult> => {
    const result = await applyLbCommand(command, { ...deps(), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    expect(z.strictObject(commandResultSchema.shape).parse(result)).toEqual(result);
    return result;
  };
  const serverOf = (result: CommandResult, server: string) => result.lb?.servers.find((s) => s.server === server);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-haproxy-'));
    socket = join(dir, 'admin.sock');
    operatorSocket = join(dir, 'operator.sock');
    rootOnlySocket = join(dir, 'root-only.sock');
    frontendPort = await freePort();
    apps = [await TinyApp.start('web-1'), await TinyApp.start('web-2')];
    writeFileSync(join(dir, 'haproxy.cfg'), `global
  stats socket ${socket} level admin
  stats socket ${operatorSocket} level operator
  stats socket ${rootOnlySocket} mode 600 level admin
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  # A check may take longer than its interval on a busy machine: a slow one is not a failed one.
  timeout check 2s
frontend web
  bind 127.0.0.1:${frontendPort}
  default_backend shop
backend shop
${apps.map((app) => `  server ${app.name} 127.0.0.1:${app.port} check inter 200ms`).join('\n')}
`);
    haproxy = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout?.on('data', (chunk: Buffer) => (haproxyOutput += chunk.toString()));
    haproxy.stderr?.on('data', (chunk: Buffer) => (haproxyOutput += chunk.toString()));
    await waitFor(`HAProxy to start with both servers up (its output: ${haproxyOutput})`, async () => {
      if (haproxy?.exitCode !== null) throw new Error(`HAProxy exited: ${haproxyOutput}`);
      const result = await applyLbCommand(lb([]), deps());
      return result.ok && result.lb?.servers.every((s) => s.operational === 'up');
    }, { timeoutMs: 20_000 });
  });

  afterAll(async () => {
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((resolve) => haproxy?.once('exit', resolve));
      haproxy.kill('SIGTERM');
      await exited;
    }
    await Promise.all(apps.map((app) => app.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // Each test starts from a pool with both servers ready and no session open.
    for (const app of apps) app.release();
    const result = await apply(lb(apps.map((app) => ({ server: app.name, state: 'ready' as const }))));
    expect(result.ok).toBe(true);
  });

  it('reads every server of the backend with its admin and operational state, status, sessions and weight', async () => {
    const result = await apply(lb([]));
    expect(result).toEqual({
      ok: true,
      lb: {
        backend: 'shop',
        servers: [
          // "UP", or "UP 1/3" after a check that failed on a busy machine: up all the same.
          { server: 'web-1', admin: 'ready', adminBits: 0, operational: 'up', status: expect.stringMatching(/^UP/) as string, scur: 0, weight: 1 },
          { server: 'web-2', admin: 'ready', adminBits: 0, operational: 'up', status: expect.stringMatching(/^UP/) as string, scur: 0, weight: 1 },
        ],
      },
    });
  });

  it('drains, puts in maintenance and readies a server, and reads each state back as HAProxy has it', async () => {
    const drained = await apply(lb([{ server: 'web-1', state: 'drain' }]));
    expect(serverOf(drained, 'web-1')).toMatchObject({ admin: 'drain', adminBits: 0x08, status: expect.stringMatching(/^DRAIN/) as string, operational: 'up' });
    expect(serverOf(drained, 'web-2')).toMatchObject({ admin: 'ready', operational: 'up' });
    // A drained server takes no new requests: every one goes to web-2.
    for (let i = 0; i < 6; i++) expect(await get(frontendPort)).toBe('200 web-2');

    const maint = await apply(lb([{ server: 'web-1', state: 'maint' }]));
    expect(serverOf(maint, 'web-1')).toMatchObject({ admin: 'maint', adminBits: 0x01, status: 'MAINT' });

    const ready = await apply(lb([{ server: 'web-1', state: 'ready' }]));
    expect(serverOf(ready, 'web-1')).toMatchObject({ admin: 'ready', adminBits: 0 });
    // Out of maintenance HAProxy checks the server again before it counts it up.
    await waitFor('web-1 to be up again after maintenance', async () => serverOf(await apply(lb([])), 'web-1')?.operational === 'up', { timeoutMs: 10_000 });
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add(await get(frontendPort));
    expect([...answers].sort()).toEqual(['200 web-1', '200 web-2']);
  });

  it('counts the session of a slow request while it is open, also on a drained server, and none after', async () => {
    await apply(lb([{ server: 'web-2', state: 'maint' }]));
    const slow = get(frontendPort, '/slow');
    await waitFor('web-1 to hold the slow request', () => apps[0]!.held.length === 1, { timeoutMs: 10_000 });
    const open = await apply(lb([{ server: 'web-1', state: 'drain' }, { server: 'web-2', state: 'ready' }]));
    // Drain keeps the open session (this is what a deployment waits out) and sends new ones elsewhere.
    expect(serverOf(open, 'web-1')).toMatchObject({ admin: 'drain', scur: 1 });
    await waitFor('web-2 to be up again', async () => serverOf(await apply(lb([])), 'web-2')?.operational === 'up', { timeoutMs: 10_000 });
    expect(await get(frontendPort)).toBe('200 web-2');
    expect(serverOf(await apply(lb([])), 'web-1')?.scur).toBe(1);

    apps[0]!.release();
    expect(await slow).toBe('200 web-1 slow');
    const drained = await waitFor('web-1 to have no session left', async () => {
      const result = await apply(lb([]));
      return serverOf(result, 'web-1')?.scur === 0 && result;
    }, { timeoutMs: 10_000 });
    expect(serverOf(drained, 'web-1')).toMatchObject({ admin: 'drain', scur: 0 });
  });

  it('refuses an unknown backend with SLIPWAY_LB_NO_SUCH_BACKEND, reading or setting', async () => {
    for (const set of [[], [{ server: 'web-1', state: 'drain' as const }]]) {
      const result = await apply(lb(set, 'nope'));
      expect(result).toMatchObject({ ok: false, errorCode: 'SLIPWAY_LB_NO_SUCH_BACKEND' });
      expect(result.error).toContain('nope');
    }
    await expect(new HaproxyRuntime({ socket }).setServerState('nope', 'web-1', 'drain')).rejects.toMatchObject({ code: 'SLIPWAY_LB_NO_SUCH_BACKEND' });
  });

  it('refuses an unknown server with SLIPWAY_LB_NO_SUCH_SERVER and changes none of the others', async () => {
    const result = await apply(lb([{ server: 'web-1', state: 'drain' }, { server: 'web-9', state: 'drain' }]));
    expect(result).toMatchObject({ ok: false, errorCode: 'SLIPWAY_LB_NO_SUCH_SERVER' });
    expect(result.error).toBe(`backend shop on ${socket} has no server web-9 (it has: web-1, web-2); nothing was changed`);
    expect(serverOf(result, 'web-1')?.admin).toBe('ready');
    expect(serverOf(await apply(lb([])), 'web-1')?.admin).toBe('ready');
    // HAProxy's own answer, as the runtime client meets it.
    await expect(new HaproxyRuntime({ socket }).setServerState('shop', 'web-9', 'drain')).rejects.toMatchObject({ code: 'SLIPWAY_LB_NO_SUCH_SERVER' });
  });

  it('says when the stats socket is missing, and when it lacks "level admin"', async () => {
    const missing = join(dir, 'gone.sock');
    const result = await applyLbCommand(lb([], 'shop', missing), { sockets: [missing] });
    expect(result).toMatchObject({ ok: false, errorCode: 'SLIPWAY_LB_SOCKET_MISSING' });
    expect(result.error).toContain(`stats socket ${missing} level admin`);

    const operator = await apply(lb([{ server: 'web-1', state: 'drain' }], 'shop', operatorSocket));
    expect(operator).toMatchObject({ ok: false, errorCode: 'SLIPWAY_LB_NOT_ADMIN' });
    expect(operator.error).toContain('level admin');
    expect(serverOf(await apply(lb([])), 'web-1')?.admin).toBe('ready');
  });

  // Root opens any socket, so the agent meets "permission denied" as another user: nobody, as a real process.
  it.skipIf(process.getuid?.() !== 0)('says when the agent\'s user may not open the stats socket', () => {
    chmodSync(dir, 0o755);
    const script = join(dir, 'as-nobody.mts');
    const runtime = join(import.meta.dirname, '../src/agent/lb/apply-lb-command.ts');
    writeFileSync(script, `import { applyLbCommand } from ${JSON.stringify(runtime)};
const command = { kind: 'lb', socket: ${JSON.stringify(rootOnlySocket)}, backend: 'shop', set: [] } as const;
process.stdout.write(JSON.stringify(await applyLbCommand(command, { sockets: [command.socket] })));
`);
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    // tsx keeps its cache in TMPDIR: one nobody may write to.
    const tmp = join(dir, 'nobody-tmp');
    mkdirSync(tmp);
    chownSync(tmp, nobody, nobody);
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { uid: nobody, gid: nobody, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmp, TMPDIR: tmp } });
    const result = commandResultSchema.parse(JSON.parse(out));
    expect(result).toMatchObject({ ok: false, errorCode: 'SLIPWAY_LB_SOCKET_DENIED' });
    expect(result.error).toContain(`HAProxy's stats socket ${rootOnlySocket} (permission denied)`);
  });

  it('gives up on a socket that never answers, within its time limit', async () => {
    const silent = join(dir, 'silent.sock');
    const server: NetServer = createNetServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(silent, resolve));
    try {
      const started = Date.now();
      const result = await applyLbCommand(lb([], 'shop', silent), { sockets: [silent], timeoutMs: 300 });
      expect(result).toMatchObject({ ok: false, errorCode: 'SLIPWAY_LB_NOT_ANSWERING' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      server.close();
    }
  });

  it('refuses a socket the agent was not started with, without opening it', async () => {
    const result = await applyLbCommand(lb([{ server: 'web-1', state: 'maint' }]), { sockets: [] });
    expect(result).toEqual({
      ok: false, errorCode: 'SLIPWAY_LB_SOCKET_NOT_ALLOWED',
      error: `this agent does not drive HAProxy on ${socket} (it drives no HAProxy): start it with --haproxy-socket ${socket}`,
    });
    expect(serverOf(await apply(lb([])), 'web-1')?.admin).toBe('ready');
  });

  it('is carried out by the agent\'s command executor, which answers with the result and logs the change', async () => {
    const results: Array<[string, CommandResult]> = [];
    const lines: LogLineDraft[] = [];
    let appsChanged = 0;
    const executor = new CommandExecutor({
      host: { root: dir, host: 'lb-1', port: null, apps: new AppSupervisors() },
      serverUrl: 'http://127.0.0.1:1', token: () => 'unused', jobs: { workRoot: join(dir, 'work') }, haproxySockets: [socket],
      log: (line) => lines.push(line), onResult: (id, result) => results.push([id, result]), onAppsChanged: () => appsChanged++,
    });
    executor.handle('c1', { ...lb([{ server: 'web-2', state: 'drain' }]), deploymentId: 'd1', runId: 'r1' });
    await waitFor('the executor to answer', () => results.length === 1);
    expect(results[0]![0]).toBe('c1');
    expect(serverOf(results[0]![1], 'web-2')).toMatchObject({ admin: 'drain' });
    expect(lines).toEqual([expect.objectContaining({ stream: 'deploy', deploymentId: 'd1', runId: 'r1', level: 'info', text: 'HAProxy shop: set web-2 drain' })]);
    expect(appsChanged).toBe(0);
    await executor.close();
  });

  // Real server, real agent process, real HAProxy. No planner sends `lb` yet, so the test writes the
  // command into the server's database where the planner will, and the server delivers it.
  it('is answered by a real `slipway agent --haproxy-socket`, whose answer and log line the server stores', async () => {
    const fleet = new TestFleet('lb-agent');
    let store: Awaited<ReturnType<typeof openSqliteStore>> | undefined;
    let agent: SlipwayProcess | undefined;
    const startLbAgent = () => startSlipway(join(fleet.dir, 'logs'), 'lb-1', [
      'agent', '--server', fleet.url, '--name', 'lb-1', '--labels', 'role=lb', '--root', join(fleet.dir, 'agents', 'lb-1'), '--haproxy-socket', socket,
    ], { SLIPWAY_JOIN_TOKEN: fleet.tokens.join });
    const online = () => waitFor('lb-1 to be online', async () => (await fleet.api.get<Agent[]>('/api/v1/agents')).find((a) => a.name === 'lb-1' && a.online), { timeoutMs: 30_000 });
    try {
      await fleet.startServer();
      agent = startLbAgent();
      const { id: agentId } = await online();
      await agent.kill('SIGTERM');
      store = await openSqliteStore(join(fleet.dir, 'server', 'slipway.db'));
      await store.commands.create({ id: 'lb-drain-1', agentId, command: lb([{ server: 'web-1', state: 'drain' }]) }, Date.now());
      agent = startLbAgent();
      const answered = await waitFor('the server to store the answer', async () => (await store!.commands.get('lb-drain-1'))?.result ?? undefined, { timeoutMs: 30_000 });
      expect(answered).toMatchObject({ ok: true, lb: { backend: 'shop' } });
      expect(serverOf(answered, 'web-1')).toMatchObject({ admin: 'drain' });
      expect(serverOf(await apply(lb([])), 'web-1')?.admin).toBe('drain');
      const logged = await waitFor('the change in the central log', async () => {
        const { lines } = await fleet.api.get<{ lines: LogLine[] }>('/api/v1/logs?host=lb-1&stream=deploy');
        return lines.find((l) => l.text === 'HAProxy shop: set web-1 drain');
      }, { timeoutMs: 30_000 });
      expect(logged).toMatchObject({ host: 'lb-1', level: 'info' });
    } finally {
      await store?.close();
      await agent?.kill('SIGTERM');
      await fleet.close();
    }
  });
});
