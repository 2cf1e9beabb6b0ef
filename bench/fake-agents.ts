// Agents for the log benchmarks: WebSocket clients that enroll with the join token and speak the
// agent protocol (hello, heartbeats, log batches with growing seq), sending as fast as the
// server acknowledges, a few batches in flight each, as a real agent's log shipper does.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { splitForMessages } from '../src/core/protocol/log-message.ts';
import { PROTOCOL_VERSION, type LogLineIn } from '../src/core/protocol/messages.ts';

export const BATCH_SIZE = 1000;
const IN_FLIGHT_BATCHES = 4;
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

export async function connectAgent(url: string, joinToken: string, name: string): Promise<WebSocket> {
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
 * One agent's log messages: `lines` numbered lines in batches. Made before a measurement starts,
 * so that the figure is the server's (the benchmark shares the machine's two cores with it).
 * With `tags`, every line names that run and deployment (which the server checks against what the
 * agent is part of).
 */
export function makeBatches(lines: number, tags?: { runId: string; deploymentId: string }): string[] {
  const all: LogLineIn[] = Array.from({ length: lines }, (_, i) => ({
    seq: i + 1, at: Date.now(), stream: 'app', app: 'bench', env: 'bench', level: i % 50 === 0 ? 'error' : 'info', ...tags,
    text: `GET /api/orders/${i} 200 ${(i * 7) % 300}ms user=${words[Math.floor(Math.random() * words.length)]} request_id=${randomBytes(6).toString('hex')}`,
  }));
  // Read from the spool BATCH_SIZE lines at a time and sent as a real agent's shipper sends them.
  const batches: string[] = [];
  for (let first = 0; first < lines; first += BATCH_SIZE) {
    for (const message of splitForMessages(all.slice(first, first + BATCH_SIZE))) batches.push(JSON.stringify({ type: 'log', lines: message }));
  }
  return batches;
}

/** Sends the batches, a few in flight; resolves when the server has acknowledged the last line. */
export function sendAll(socket: WebSocket, batches: string[], lastSeq: number): Promise<void> {
  let sent = 0;
  return new Promise((resolve, reject) => {
    const sendNext = () => {
      if (sent < batches.length) socket.send(batches[sent++]!);
    };
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; seq?: number };
      if (message.type !== 'log_ack') return;
      if (message.seq === lastSeq) resolve();
      else sendNext();
    });
    // A real agent's heartbeat: the server drops agents that stay silent.
    const heartbeat = setInterval(() => socket.send(JSON.stringify({ type: 'heartbeat' })), 5000);
    socket.once('close', (code: number, reason: Buffer) => {
      clearInterval(heartbeat);
      reject(new Error(`the server closed the connection (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`));
    });
    // As many lines in flight as IN_FLIGHT_BATCHES reads of the spool make, however many messages that is.
    const messagesPerRead = Math.ceil((batches.length * BATCH_SIZE) / lastSeq);
    for (let i = 0; i < IN_FLIGHT_BATCHES * messagesPerRead; i++) sendNext();
  });
}

/**
 * Run as a process of its own (`npx tsx bench/fake-agents.ts URL JOIN_TOKEN AGENTS LINES`), so
 * that the load does not share an event loop with what a benchmark measures: connects, makes the
 * batches, prints "sending", sends, then prints "sent <lines> <seconds>" and exits.
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, joinToken, agents, lines] = process.argv.slice(2);
  const count = Number(agents);
  const perAgent = Number(lines);
  const clients = await Promise.all(Array.from({ length: count }, (_, i) => connectAgent(url!, joinToken!, `load-${i}`)));
  const batches = clients.map(() => makeBatches(perAgent));
  console.log('sending');
  const started = performance.now();
  await Promise.all(clients.map((c, i) => sendAll(c, batches[i]!, perAgent)));
  console.log(`sent ${count * perAgent} ${((performance.now() - started) / 1000).toFixed(3)}`);
  for (const c of clients) c.close();
  process.exit(0);
}
