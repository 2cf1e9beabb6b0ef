// Central log search on PostgreSQL through the store (no HTTP): p50 and p95 of the searches the web
// UI makes, over N stored lines (10 sources, appended 1,000 at a time as ingest does, all indexed):
// a rare word (one of 1,000, each in one line of 1,000,000), a common word (in ~40% of lines), a
// phrase, a host filter without words (10% of lines), a time range, and a run's lines. Run the
// same file on two commits to compare them.
// Run: npx tsx bench/log-search-postgres.bench.ts [lines, default 1000000]
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parseLogQuery } from '../src/core/logs/parse-log-query.ts';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.ts';
import type { LogSearch, NewLogLine, Store } from '../src/storage/store.ts';
import { percentile } from './bench-support.ts';

const size = Number(process.argv[2] ?? 1_000_000);
const url = process.env.SLIPWAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `slipway_bench_search_${randomBytes(4).toString('hex')}`;
const rareWords = Array.from({ length: 1000 }, (_, i) => `w${i.toString(36)}x`);
const common = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
const rounds = 20;

const store = await openPostgresStore(url, { schema });
try {
  const loadStarted = performance.now();
  await fill(store);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const indexStarted = performance.now();
  while (!(await store.logs.indexPending(10_000)).done);
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  console.log(`central log search (PostgreSQL store), ${size} lines: appended in ${loadSeconds.toFixed(1)} s, indexed in ${indexSeconds.toFixed(1)} s; ${rounds} queries each`);
  const cases: [string, (i: number) => LogSearch][] = [
    ['rare word, newest 100', (i) => ({ query: parseLogQuery(rareWords[(i * 37) % 1000]!), order: 'desc', limit: 100 })],
    ['common word, newest 100', (i) => ({ query: parseLogQuery(common[i % 5]!), order: 'desc', limit: 100 })],
    ['phrase, newest 100', (i) => ({ query: parseLogQuery(`"${common[i % 5]} ${common[(i + 1) % 5]}"`), order: 'desc', limit: 100 })],
    ['host, newest 200', (i) => ({ host: `web-${i % 10}`, order: 'desc', limit: 200 })],
    ['time range + word', (i) => ({ query: parseLogQuery(common[i % 5]!), since: 1_000_000 + (size * (i % 10)) / 10, until: 1_000_000 + (size * (i % 10)) / 10 + 5000, order: 'asc', limit: 100 })],
    ['run, oldest 1000', (i) => ({ runId: `run-${i % 10}`, order: 'asc', limit: 1000 })],
  ];
  for (const [name, search] of cases) {
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      found += (await store.logs.search(search(i))).length;
      times.push(performance.now() - started);
    }
    console.log(`${name.padEnd(26)} p50 ${percentile(times, 50).toFixed(1).padStart(8)} ms   p95 ${percentile(times, 95).toFixed(1).padStart(8)} ms   (${(found / rounds).toFixed(0)} lines a query)`);
  }
} finally {
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

/** Lines of 10 sources (one per host), 1,000 a batch, one in 1,000 with a rare word, runs of 5,000 lines. */
async function fill(store: Store): Promise<void> {
  const perSource = new Array<number>(10).fill(0);
  for (let first = 0; first < size; first += 1000) {
    const source = (first / 1000) % 10;
    const lines: NewLogLine[] = [];
    for (let i = first; i < Math.min(size, first + 1000); i++) {
      const seq = ++perSource[source]!;
      const rare = i % 1000 === 7 ? ` ${rareWords[Math.floor(i / 1000) % 1000]}` : '';
      lines.push({
        at: 1_000_000 + i, source: `agent-${source}`, seq, host: `web-${source}`, app: 'shop', env: 'production', stream: 'app',
        level: i % 50 === 0 ? 'error' : 'info', runId: i % 100_000 < 5000 ? `run-${Math.floor(i / 100_000) % 20}` : null, deploymentId: null,
        text: `GET /api/orders/${i} 200 ${(i * 7) % 300}ms ${common[i % 5]} ${common[(i * 3) % 5]} request_id=${(i * 2654435761 % 2 ** 32).toString(16)}${rare}`,
      });
    }
    await store.logs.append(lines);
  }
}
