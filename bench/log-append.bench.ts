// The PostgreSQL store's log append alone, without agents or a server: lines per second when
// groups of 5,000 lines (the ingest's MAX_GROUP_LINES) are written one after another or several
// at once, then how fast the full-text index catches up behind them (LogStore.indexPending, as the
// server's indexer calls it). It splits the time that bench/log-ingest.bench.ts measures between
// the store and the rest, and shows what parallel writers are worth on this machine.
// Run: npx tsx bench/log-append.bench.ts [groups] [parallel,...]   (e.g. 60 1,2)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { INDEX_IDS_PER_PASS } from '../src/server/logs/log-indexer.ts';
import { MAX_GROUP_LINES } from '../src/server/logs/log-ingest.ts';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.ts';
import type { NewLogLine } from '../src/storage/store.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const groupCount = Number(process.argv[2] ?? 60);
const parallels = (process.argv[3] ?? '1,2').split(',').map(Number);
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/** Lines as bench/fake-agents.ts makes them: 10 sources, growing seq, one request each. */
function makeGroups(): NewLogLine[][] {
  return Array.from({ length: groupCount }, (_, g) => Array.from({ length: MAX_GROUP_LINES }, (_, i): NewLogLine => {
    const n = g * MAX_GROUP_LINES + i;
    return {
      at: Date.now(), source: `agent-${n % 10}`, seq: Math.floor(n / 10) + 1, host: `bench-${n % 10}`, app: 'bench', env: 'bench', stream: 'app',
      level: n % 50 === 0 ? 'error' : 'info', runId: null, deploymentId: null,
      text: `GET /api/orders/${n} 200 ${(n * 7) % 300}ms user=${words[n % words.length]} request_id=${randomBytes(6).toString('hex')}`,
    };
  }));
}

async function measure(parallel: number): Promise<string> {
  const schema = `slipway_bench_append_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const store = await openPostgresStore(url, { schema });
  try {
    const groups = makeGroups();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < groups.length; i += parallel) await Promise.all(groups.slice(i, i + parallel).map((g) => store.logs.append(g)));
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const lines = groups.length * MAX_GROUP_LINES;
    const indexing = performance.now();
    while (!(await store.logs.indexPending(INDEX_IDS_PER_PASS)).done);
    const indexSeconds = (performance.now() - indexing) / 1000;
    return `${parallel} at once: ${lines} lines in ${seconds.toFixed(2)} s = ${Math.round(lines / seconds).toLocaleString('en')} lines/s (this process's CPU ${((used.user + used.system) / 1e6).toFixed(2)} s); `
      + `then indexed for search in ${indexSeconds.toFixed(2)} s = ${Math.round(lines / indexSeconds).toLocaleString('en')} lines/s`;
  } finally {
    await store.close();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}

console.log(`PostgreSQL log append: ${groupCount} groups of ${MAX_GROUP_LINES} lines`);
for (const parallel of parallels) console.log(await measure(parallel));
