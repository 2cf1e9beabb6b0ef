// Central log search: p50 and p95 of one-word queries through the HTTP API over 1,000,000 and
// 10,000,000 stored lines, beside `grep -c` over the same lines in a plain file.
// Run: npx tsx bench/log-search.bench.ts [sizes, e.g. 1000000,10000000]
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken } from '../src/base/ids.ts';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import type { NewLogLine } from '../src/storage/store.ts';
import { freePort, startSlipway, waitForHttp } from '../test/support/slipway-processes.ts';
import { percentile } from './bench-support.ts';

const sizes = (process.argv[2] ?? '1000000,10000000').split(',').map(Number);
const queries = 40;
// Words of one frequency class: each appears in about 1 line in 1000.
const rareWords = Array.from({ length: 1000 }, (_, i) => `w${i.toString(36)}x`);

console.log(`central log search (SQLite), ${queries} one-word queries per size, each word in ~0.1% of lines`);
console.log('lines        load       slipway p50   slipway p95   grep -c p50   grep -c p95');
for (const size of sizes) console.log(await measure(size));

async function measure(size: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-search-'));
  try {
    const loadStarted = performance.now();
    const plain = join(dir, 'lines.log');
    await fill(join(dir, 'data', 'slipway.db'), plain, size);
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const tokens = { admin: newToken('swa'), join: newToken('swj') };
    const port = await freePort();
    const server = startSlipway(dir, 'server', ['server', '--data', join(dir, 'data'), '--port', String(port), '--log-level', 'warn'], {
      SLIPWAY_ADMIN_TOKEN: tokens.admin, SLIPWAY_JOIN_TOKEN: tokens.join,
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`, 120_000);
      const slipway: number[] = [];
      const grep: number[] = [];
      for (let i = 0; i < queries; i++) {
        const word = rareWords[(i * 37) % rareWords.length]!;
        let started = performance.now();
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/logs?q=${word}&limit=100`, { headers: { authorization: `Bearer ${tokens.admin}` } });
        const body = (await response.json()) as { lines?: unknown[] };
        if (!response.ok || !body.lines?.length) throw new Error(`search for ${word} answered ${response.status} with ${body.lines?.length ?? 0} lines`);
        slipway.push(performance.now() - started);
        started = performance.now();
        execFileSync('grep', ['-c', word, plain]);
        grep.push(performance.now() - started);
      }
      const f = (values: number[], p: number) => `${percentile(values, p).toFixed(1)} ms`.padEnd(14);
      return `${String(size).padEnd(12)} ${`${loadSeconds.toFixed(0)} s`.padEnd(10)} ${f(slipway, 50)}${f(slipway, 95)}${f(grep, 50)}${f(grep, 95)}`;
    } finally {
      await server.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Stores `size` lines through the Store (as ingest does) and writes the same text to a plain file. */
async function fill(dbFile: string, plainFile: string, size: number): Promise<void> {
  const store = await openSqliteStore(dbFile);
  const plain = createWriteStream(plainFile);
  const batch = 5000;
  const hosts = Array.from({ length: 10 }, (_, i) => `web-${i + 1}`);
  // Recent times: the server's retention (30 days by default) would delete older lines at start.
  const firstAt = Date.now() - size;
  try {
    for (let first = 0; first < size; first += batch) {
      const lines: NewLogLine[] = [];
      for (let seq = first; seq < Math.min(size, first + batch); seq++) {
        const host = hosts[seq % hosts.length]!;
        const text = `GET /api/orders/${seq} 200 ${(seq * 7) % 300}ms user=${rareWords[(seq * 7919) % rareWords.length]} host=${host}`;
        lines.push({ at: firstAt + seq, source: host, seq, host, app: 'shop', env: 'production', stream: 'app', level: 'info', runId: null, deploymentId: null, text });
      }
      await store.logs.append(lines);
      if (!plain.write(`${lines.map((l) => l.text).join('\n')}\n`)) await new Promise<void>((r) => plain.once('drain', () => r()));
    }
  } finally {
    await new Promise<void>((r) => plain.end(() => r()));
    await store.close();
  }
}
