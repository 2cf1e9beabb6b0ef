// Central log ingest: lines per second stored by the server from 10 agents at once, on SQLite and
// on PostgreSQL. Each agent is a WebSocket client speaking the agent protocol with its own
// enrolled token; a batch counts once the server acknowledges it (acks follow the store's commit).
// Run: npx tsx bench/log-ingest.bench.ts [lines-per-agent] [sqlite|postgres|both]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { newToken } from '../src/base/ids.ts';
import { PROTOCOL_VERSION, type LogLineIn } from '../src/core/protocol/messages.ts';
import { freePort, startSlipway, waitForHttp, type SlipwayProcess } from '../test/support/slipway-processes.ts';

const linesPerAgent = Number(process.argv[2] ?? 100_000);
const which = process.argv[3] ?? 'both';
const agents = 10;
const batchSize = 1000;
const inFlightBatches = 4;
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

const results: string[] = [];
if (which !== 'postgres') results.push(await measure('sqlite'));
if (which !== 'sqlite') results.push(await measure('postgres'));
console.log(`central log ingest: ${agents} agents × ${linesPerAgent} lines, batches of ${batchSize}`);
for (const line of results) console.log(line);

async function measure(kind: 'sqlite' | 'postgres'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-ingest-'));
  const database = kind === 'postgres' ? await createDatabase() : undefined;
  const tokens = { admin: newToken('swa'), join: newToken('swj') };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: SlipwayProcess = startSlipway(dir, 'server', ['server', '--data', join(dir, 'data'), '--port', String(port), '--log-level', 'warn'], {
    SLIPWAY_ADMIN_TOKEN: tokens.admin, SLIPWAY_JOIN_TOKEN: tokens.join, ...(database ? { SLIPWAY_DATABASE_URL: database.url } : {}),
  });
  try {
    await waitForHttp(`${url}/api/v1/health`);
    const clients = await Promise.all(Array.from({ length: agents }, (_, i) => connectAgent(url, tokens.join, `bench-${i}`)));
    const batches = clients.map(() => makeBatches());
    const started = performance.now();
    await Promise.all(clients.map((c, i) => sendAll(c, batches[i]!)));
    const seconds = (performance.now() - started) / 1000;
    for (const c of clients) c.close();
    const total = agents * linesPerAgent;
    return `${kind.padEnd(9)} ${total} lines in ${seconds.toFixed(2)} s = ${Math.round(total / seconds).toLocaleString('en')} lines/s`;
  } finally {
    await server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  }
}

async function connectAgent(url: string, joinToken: string, name: string): Promise<WebSocket> {
  const response = await fetch(`${url}/api/v1/agents/enroll`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${joinToken}` },
    body: JSON.stringify({ name, labels: { env: 'bench' }, address: '127.0.0.1', port: null }),
  });
  const { token } = (await response.json()) as { token: string };
  const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name, labels: { env: 'bench' }, address: '127.0.0.1', port: null, apps: [], running: [] }));
  return socket;
}

/**
 * Sends linesPerAgent lines with a few batches in flight; resolves when the last one is
 * acknowledged. The batches are made before the clock starts, so that the figure is the server's
 * (this process shares the machine's two cores with it).
 */
function sendAll(socket: WebSocket, batches: string[]): Promise<void> {
  let sent = 0;
  return new Promise((resolve, reject) => {
    const sendNext = () => {
      if (sent < batches.length) socket.send(batches[sent++]!);
    };
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; seq?: number };
      if (message.type !== 'log_ack') return;
      if (message.seq === linesPerAgent) resolve();
      else sendNext();
    });
    // A real agent's heartbeat: the server drops agents that stay silent.
    const heartbeat = setInterval(() => socket.send(JSON.stringify({ type: 'heartbeat' })), 5000);
    socket.once('close', () => {
      clearInterval(heartbeat);
      reject(new Error('the server closed the connection'));
    });
    for (let i = 0; i < inFlightBatches; i++) sendNext();
  });
}

/** One agent's log messages, as an agent sends them: batches of numbered lines. */
function makeBatches(): string[] {
  const batches: string[] = [];
  for (let first = 0; first < linesPerAgent; first += batchSize) {
    const lines: LogLineIn[] = Array.from({ length: Math.min(batchSize, linesPerAgent - first) }, (_, i) => ({
      seq: first + i + 1, at: Date.now(), stream: 'app', app: 'bench', env: 'bench', level: i % 50 === 0 ? 'error' : 'info',
      text: `GET /api/orders/${first + i} 200 ${(i * 7) % 300}ms user=${randomWord()} request_id=${randomBytes(6).toString('hex')}`,
    }));
    batches.push(JSON.stringify({ type: 'log', lines }));
  }
  return batches;
}

function randomWord(): string {
  return words[Math.floor(Math.random() * words.length)]!;
}

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.SLIPWAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `slipway_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
