import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { systemClock } from '../../base/clock.ts';
import type { Agent } from '../../core/model.ts';
import { enrollAgent, prepareCommand } from '../../storage/contract/fixtures.ts';
import { InProcessNotifier } from '../../storage/in-process-notifier.ts';
import type { Notifier } from '../../storage/notifier.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { AgentDirectory } from './agent-directory.ts';
import { AgentGateway } from './agent-gateway.ts';

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AgentGateway across server instances', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openStore(): Promise<Store> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-gateway-'));
    const store = await openSqliteStore(join(dir, 'slipway.db'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }), () => store.close());
    return store;
  }

  function gateway(
    store: Store, notifier: Notifier | undefined, pendingPollMs = 60_000, heartbeatTimeoutMs = 15_000, fromAgent: () => Promise<number | undefined> = () => Promise.resolve(undefined),
  ): AgentGateway {
    const gw = new AgentGateway({
      store, clock: systemClock, log: pino({ level: 'silent' }), onChange: () => undefined,
      liveness: { agentGraceMs: heartbeatTimeoutMs, heartbeatTimeoutMs },
      logs: { fromAgent },
      uploadTokens: { tokenFor: () => 'unused' },
      scopes: { learn: () => undefined, forget: () => undefined },
      notifier, pendingPollMs, instance: 'test', directory: new AgentDirectory({ store, clock: systemClock, reloadMs: 1000 }),
    });
    cleanups.push(() => gw.close());
    return gw;
  }

  /** A real WebSocket pair on loopback: the server end is handed to `gw` as `agent`'s; returns what the agent end receives. */
  async function connect(gw: AgentGateway, agent: Agent): Promise<{ type: string; id?: string }[]> {
    return (await connectClient(gw, agent)).received;
  }

  /** connect(), also giving the agent's end of the socket, to send from. */
  async function connectClient(gw: AgentGateway, agent: Agent): Promise<{ received: { type: string; id?: string }[]; client: WebSocket }> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const accepted = new Promise<void>((resolve) => server.once('connection', (socket) => {
      gw.accept(socket, agent);
      resolve();
    }));
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    cleanups.push(() => client.close());
    const received: { type: string; id?: string }[] = [];
    client.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as { type: string; id?: string }));
    client.on('close', () => received.push({ type: 'closed' }));
    await accepted;
    return { received, client };
  }

  it('sends a command written on instance A to its agent through instance B, which holds the connection', async () => {
    const store = await openStore();
    const notifier = new InProcessNotifier();
    const [a, b] = [gateway(store, notifier), gateway(store, notifier)];
    await Promise.all([a.listen(), b.listen()]);
    const agent = await enrollAgent(store, 'web-1');
    const received = await connect(b, agent);

    await store.commands.create({ id: 'cmd-1', agentId: agent.id, command: prepareCommand }, 1);
    await a.deliver(agent.id);
    await until('the command on the agent', () => received.length === 1);
    expect(received[0]).toMatchObject({ type: 'command', id: 'cmd-1' });
  });

  it('sends a command whose announcement was lost once, by polling, and does not send it again on the next polls', async () => {
    const store = await openStore();
    let polls = 0;
    const counting: Store = { ...store, commands: { ...store.commands, pendingOf: (ids) => (polls++, store.commands.pendingOf(ids)) } };
    const b = gateway(counting, undefined, 20);
    const agent = await enrollAgent(store, 'web-1');
    const received = await connect(b, agent);

    // Written by another instance whose notification never came.
    await store.commands.create({ id: 'cmd-1', agentId: agent.id, command: prepareCommand }, 1);
    await until('the command on the agent', () => received.length === 1);
    const after = polls;
    await until('three more polls', () => polls >= after + 3);
    expect(received.map((m) => m.id)).toEqual(['cmd-1']);
  });

  it('stores on close() a result its agent sent before, also one that waited for the log lines sent before it', async () => {
    const store = await openStore();
    let release!: () => void;
    const logsHeld = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    let logBatches = 0;
    const gw = gateway(store, undefined, 60_000, 15_000, () => (logBatches++, logsHeld));
    const agent = await enrollAgent(store, 'web-1');
    await store.commands.create({ id: 'cmd-1', agentId: agent.id, command: prepareCommand }, 1);
    const { client } = await connectClient(gw, agent);
    await until('the agent\'s end to open', () => client.readyState === WebSocket.OPEN);
    // The step's log lines, then its result (which waits until they are stored), in one write to the socket.
    client.send(JSON.stringify({ type: 'log', lines: [] }));
    client.send(JSON.stringify({ type: 'result', commandId: 'cmd-1', result: { ok: true } }));
    await until('the log lines to reach the ingest', () => logBatches === 1);
    // The server closes while the ingest still writes the lines; it closes its store once the gateway is closed.
    const closing = gw.close();
    release();
    await closing;
    expect((await store.commands.get('cmd-1'))?.result).toMatchObject({ ok: true });
  });

  it('closes a connection that went silent, even while the agent is heard through another instance', async () => {
    const store = await openStore();
    // Instance A's sweeper looks every second; a connection silent for 1.5 s is lost (longer than
    // A's copy of the agents' rows may be old: it reads them again every second).
    const a = gateway(store, undefined, 60_000, 1_500);
    const agent = await enrollAgent(store, 'web-1');
    const received = await connect(a, agent);
    // The agent's path to A broke without A seeing a close (a half-open connection); the agent
    // connected to instance B, whose heartbeats keep its row fresh.
    const beats = setInterval(() => void store.agents.update(agent.id, { online: true, lastSeenAt: Date.now() }), 50);
    cleanups.push(() => clearInterval(beats));

    await until('A to close its silent connection', () => received.some((m) => m.type === 'closed'), 5_000);
  }, 10_000);
});
