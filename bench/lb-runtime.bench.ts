// How long an LB agent takes to answer `lb` against a real HAProxy, for a backend of 3 and of 1000
// servers: a read (what the server polls while a host drains) and a set of one server (a drain or
// a ready). Prints the median and p95 in ms and the size of HAProxy's answers.
// Run: npx tsx bench/lb-runtime.bench.ts
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLbCommand } from '../src/agent/lb/apply-lb-command.ts';
import { HaproxyRuntime } from '../src/agent/lb/haproxy-runtime.ts';
import type { LbCommand } from '../src/core/protocol/messages.ts';
import { waitFor } from '../test/support/wait-for.ts';

const HAPROXY = '/usr/sbin/haproxy';
const ROUNDS = 50;

async function timed(what: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await what();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(ROUNDS / 2)]!, p95: times[Math.floor(ROUNDS * 0.95)]! };
}

async function measure(servers: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-lb-bench-'));
  const socket = join(dir, 'admin.sock');
  // Servers without checks on ports nothing listens on: HAProxy counts them "no check" and never connects.
  const lines = Array.from({ length: servers }, (_, i) => `  server web-${i} 127.0.0.1:${20_000 + i}`);
  writeFileSync(join(dir, 'haproxy.cfg'), `global\n  stats socket ${socket} level admin\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\nbackend shop\n${lines.join('\n')}\n`);
  const haproxy = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  try {
    const deps = { sockets: [socket] };
    const read: LbCommand = { kind: 'lb', socket, backend: 'shop', set: [] };
    await waitFor('HAProxy to answer', async () => (await applyLbCommand(read, deps)).ok, { timeoutMs: 20_000 });
    const runtime = new HaproxyRuntime({ socket });
    const statBytes = Buffer.byteLength(await runtime.send('show stat shop 4 -1'));
    const stateBytes = Buffer.byteLength(await runtime.send('show servers state shop'));
    let state: 'drain' | 'ready' = 'drain';
    const readTimes = await timed(() => applyLbCommand(read, deps));
    const setTimes = await timed(() => {
      state = state === 'drain' ? 'ready' : 'drain';
      return applyLbCommand({ ...read, set: [{ server: 'web-1', state }] }, deps);
    });
    const f = (ms: number) => ms.toFixed(1);
    console.log(`${String(servers).padStart(4)} servers: read ${f(readTimes.median)} ms (p95 ${f(readTimes.p95)}), set one ${f(setTimes.median)} ms (p95 ${f(setTimes.p95)});`
      + ` HAProxy answers: show stat ${(statBytes / 1024).toFixed(0)} KiB, show servers state ${(stateBytes / 1024).toFixed(0)} KiB`);
  } finally {
    const exited = new Promise((resolve) => haproxy.once('exit', resolve));
    haproxy.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing (apt-get install haproxy)`);
console.log(`lb command against a real HAProxy, ${ROUNDS} rounds each (a set reads the backend before and after)`);
for (const servers of [3, 1000]) await measure(servers);
