// Central log ingest: lines per second stored by the server from 10 agents at once, on SQLite and
// on PostgreSQL. Each agent is a WebSocket client speaking the agent protocol with its own
// enrolled token; a batch counts once the server acknowledges it (acks follow the store's commit).
// Run: npx tsx bench/log-ingest.bench.ts [lines-per-agent] [sqlite|postgres|both] [tagged]
// `tagged`: every line names a run and deployment that the agent is not part of, the most the
// server's check of log tags costs (each line is stored without them, see stripForgedTags).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newToken } from '../src/base/ids.ts';
import { freePort, startSlipway, waitForHttp, type SlipwayProcess } from '../test/support/slipway-processes.ts';
import { BATCH_SIZE, connectAgent, makeBatches, sendAll } from './fake-agents.ts';

const linesPerAgent = Number(process.argv[2] ?? 100_000);
const which = process.argv[3] ?? 'both';
const tagged = process.argv[4] === 'tagged';
const agents = 10;

const results: string[] = [];
if (which !== 'postgres') results.push(await measure('sqlite'));
if (which !== 'sqlite') results.push(await measure('postgres'));
console.log(`central log ingest: ${agents} agents × ${linesPerAgent} lines, batches of ${BATCH_SIZE}${tagged ? ', every line tagged with a run and deployment not the agent\'s' : ''}`);
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
    const batches = clients.map(() => makeBatches(linesPerAgent, tagged ? { runId: 'run-not-its-own', deploymentId: 'deployment-not-its-own' } : undefined));
    const started = performance.now();
    await Promise.all(clients.map((c, i) => sendAll(c, batches[i]!, linesPerAgent)));
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
