// One process of simulated hosts for bench/fleet-scale.bench.ts: each host enrolls with the join
// token and speaks the real agent protocol over its own WebSocket (hello, heartbeats, results),
// downloads and checks each artifact it is told to stage, and answers at once where a real agent
// would restart an app. Reconnects with the real agent's jittered backoff. Driven over IPC.
// Run by the benches bundled (simulated-agents-build.ts): node <bundle> <serverUrl> <joinToken> <firstIndex> <count>
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { reconnectDelayMs } from '../src/agent/connection/reconnect-backoff.ts';
import { readText, sendRequest } from '../src/agent/connection/send-request.ts';
import { PROTOCOL_VERSION } from '../src/core/protocol/messages.ts';

/** What the bench tells this process: hosts whose activation of a version fails. */
export type ToSimulatedAgents = { type: 'fail'; host: string; version: string } | { type: 'report' };
/** What this process tells the bench. */
export type FromSimulatedAgents =
  /** Its hosts all enrolled: when it sent its first enrollment, the CPU it used until then (its start-up) and since, and how many enrollments it sent again (no answer, or not 201). */
  | { type: 'enrolled'; firstAt: number; startCpuMs: number; enrollCpuMs: number; retries: number }
  | { type: 'report'; versions: Record<string, string | null>; online: number }
  | { type: 'failed-at'; host: string; at: number };

const [url, joinToken, first, count] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4]), Number(process.argv[5])];
const heartbeatMs = 5000;
const failures = new Map<string, string>();
const artifacts = new Map<string, Promise<boolean>>();

class SimulatedHost {
  socket: WebSocket | undefined;
  current: string | null = null;
  attempts = 0;
  constructor(readonly name: string, readonly token: string) {}

  connect(): void {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${this.token}` } });
    this.socket = socket;
    const heartbeat = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('{"type":"heartbeat"}'), heartbeatMs);
    socket.on('open', () => {
      this.attempts = 0;
      const apps = this.current ? [{ app: 'hello', current: this.current, releases: [this.current] }] : [];
      socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name: this.name, labels: { env: 'production' }, address: '127.0.0.1', port: null, apps, running: [] }));
    });
    socket.on('message', (data: Buffer) => void this.onMessage(data.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(heartbeat);
      if (closing) return;
      // The real agent's backoff (the same function), so that a restart is measured as a fleet sees it.
      setTimeout(() => this.connect(), reconnectDelayMs(this.attempts++, Math.random()));
    });
  }

  async onMessage(text: string): Promise<void> {
    const message = JSON.parse(text) as { type: string; id?: string; command?: { kind: string; version?: string; artifactPath?: string; sha256?: string } };
    if (message.type !== 'command' || !message.id || !message.command) return;
    const { command } = message;
    const previous = this.current;
    let result: Record<string, unknown> = { ok: true };
    if (command.kind === 'prepare') {
      const ok = await stage(command.artifactPath!, command.sha256!, this.token);
      result = ok ? { ok, previous } : { ok, step: 'stage', error: 'the artifact did not match its sha256' };
    } else if (command.kind === 'activate') {
      if (failures.get(this.name) === command.version) {
        send({ type: 'failed-at', host: this.name, at: Date.now() });
        result = { ok: false, step: 'health', error: 'simulated: the new version failed its health check', previous };
      } else {
        this.current = command.version!;
        result = { ok: true, previous };
      }
    }
    this.socket?.send(JSON.stringify({ type: 'result', commandId: message.id, result }));
  }
}

/** Downloads an artifact once per process (as many hosts share a cache here) and checks its sha256. */
function stage(path: string, sha256: string, token: string): Promise<boolean> {
  let staged = artifacts.get(sha256);
  if (!staged) {
    staged = fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })
      .then(async (response) => response.ok && createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex') === sha256)
      .catch(() => false);
    artifacts.set(sha256, staged);
    void staged.then((ok) => ok || artifacts.delete(sha256));
  }
  return staged;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}

function send(message: FromSimulatedAgents): void {
  process.send?.(message);
}

/**
 * One enrollment, sent as the real agent sends it (agent/connection/enrollment.ts): node:http
 * through sendRequest, not fetch. With fetch (undici) these processes spent 2.5-2.9 s of CPU per
 * 1,000 enrollments, on the two cores the server shares, against 0.5-0.8 s now; on a real fleet
 * each host pays for its own one request.
 */
async function enrollOnce(name: string): Promise<{ status: number | undefined; token?: string }> {
  const body = JSON.stringify({ name, labels: { env: 'production' }, address: '127.0.0.1', port: null });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${joinToken}` };
  try {
    const response = await sendRequest(`${url}/api/v1/agents/enroll`, { method: 'POST', headers, body });
    const text = await readText(response);
    return response.statusCode === 201 ? { status: 201, token: (JSON.parse(text) as { token: string }).token } : { status: response.statusCode };
  } catch {
    return { status: undefined };
  }
}

async function enroll(name: string): Promise<SimulatedHost> {
  for (let attempt = 0; ; attempt++) {
    const response = await enrollOnce(name);
    if (response.token) return new SimulatedHost(name, response.token);
    retries += 1;
    if (attempt >= 20) throw new Error(`enrolling ${name} answered ${response.status ?? 'nothing'}`);
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
}

let closing = false;
const hosts: SimulatedHost[] = [];
const names = Array.from({ length: count }, (_, i) => `sim-${String(first + i).padStart(5, '0')}`);
let retries = 0;
const firstAt = Date.now();
const startCpuMs = cpuMs();
for (let i = 0; i < names.length; i += 50) hosts.push(...await Promise.all(names.slice(i, i + 50).map(enroll)));
send({ type: 'enrolled', firstAt, startCpuMs, enrollCpuMs: cpuMs() - startCpuMs, retries });
for (const host of hosts) host.connect();

process.on('message', (message: ToSimulatedAgents) => {
  if (message.type === 'fail') failures.set(message.host, message.version);
  if (message.type === 'report') {
    send({
      type: 'report', versions: Object.fromEntries(hosts.map((h) => [h.name, h.current])),
      online: hosts.filter((h) => h.socket?.readyState === WebSocket.OPEN).length,
    });
  }
});
process.on('disconnect', () => {
  closing = true;
  for (const host of hosts) host.socket?.terminate();
  process.exit(0);
});
