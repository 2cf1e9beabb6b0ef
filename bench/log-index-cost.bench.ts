// PostgreSQL's CPU to store and to index central-log lines, the store alone (no server, no
// agents): 10 sources' lines appended in groups as LogIngest writes them, then indexed by
// indexPending until nothing waits. Prints PostgreSQL's CPU per 100,000 lines for each, and this
// process's for indexing (the server's share: reading each chunk's words, chunkIndexWords).
// Run: npx tsx bench/log-index-cost.bench.ts [lines] [group-lines]   (SLIPWAY_TEST_POSTGRES_URL)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.ts';
import type { NewLogLine } from '../src/storage/store.ts';

const adminUrl = process.env.SLIPWAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const total = Number(process.argv[2] ?? 200_000);
const groupLines = Number(process.argv[3] ?? 5000);
const sources = 10;
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
// A database of its own: its backends are the store's (and this one's, left out).
const name = `slipway_bench_index_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const store = await openPostgresStore(url.toString());
try {
  const perSource = total / sources;
  // Lines as bench/fake-agents.ts makes them.
  const lines: NewLogLine[][] = Array.from({ length: sources }, (_, s) => Array.from({ length: perSource }, (_, i) => ({
    at: Date.now(), source: `agent-${s}`, seq: i + 1, host: `bench-${s}`, app: 'bench', env: 'bench', stream: 'app', level: i % 50 === 0 ? 'error' : 'info', runId: null, deploymentId: null,
    text: `GET /api/orders/${i} 200 ${(i * 7) % 300}ms user=${words[Math.floor(Math.random() * words.length)]} request_id=${randomBytes(6).toString('hex')}`,
  })));
  const step = groupLines / sources;
  let ticks = await backendTicks();
  for (let first = 0; first < perSource; first += step) await store.logs.append(lines.flatMap((l) => l.slice(first, first + step)));
  const appendTicks = (await backendTicks()) - ticks;
  ticks = await backendTicks();
  const cpu = process.cpuUsage();
  while (!(await store.logs.indexPending(10_000)).done);
  const indexTicks = (await backendTicks()) - ticks;
  const used = process.cpuUsage(cpu);
  const per100k = (seconds: number) => `${((seconds * 100_000) / total).toFixed(2)} s`;
  console.log(`${total} lines in groups of ${groupLines}: PostgreSQL CPU per 100,000 lines: append ${per100k(appendTicks / 100)}, index ${per100k(indexTicks / 100)}; this process to index ${per100k((used.user + used.system) / 1e6)}`);
} finally {
  await store.close();
  await admin.query(`drop database ${name} with (force)`);
  await admin.end();
}

/** CPU ticks so far of the client backends of the database (but this one), summed. */
async function backendTicks(): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = '${name}' and backend_type = 'client backend'`);
  let sum = 0;
  for (const { pid } of rows) {
    // After the command's closing parenthesis: utime and stime are fields 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    sum += Number(fields[11]) + Number(fields[12]);
  }
  return sum;
}
