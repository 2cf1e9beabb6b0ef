// Central log ingest: lines per second stored by the server from 10 agents at once, on SQLite and
// on PostgreSQL. Each agent is a WebSocket client speaking the agent protocol with its own
// enrolled token; a batch counts once the server acknowledges it (acks follow the store's commit).
// Beside lines/s it gives the CPU time each part spent per 100,000 lines (the server process, its
// PostgreSQL backends, this process's agents): on a shared machine the wall time depends on the
// other load, the CPU per line much less. On PostgreSQL, also how long after the last ack every
// line was in the full-text index (filled behind ingest; search finds lines before that too).
// Run: npx tsx bench/log-ingest.bench.ts [lines-per-agent] [sqlite|postgres|both] [tagged]
// LOG_INGEST_PROFILE=DIR writes a CPU profile of the server to DIR.
// `tagged`: every line names a run and deployment that the agent is not part of, the most the
// server's check of log tags costs (each line is stored without them, see stripForgedTags).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { newToken } from '../src/base/ids.ts';
import { freePort, startSlipway, waitForHttp, type SlipwayProcess } from '../test/support/slipway-processes.ts';
import { LOG_MESSAGE_TARGET_CHARS } from '../src/core/protocol/log-message.ts';
import { BATCH_SIZE, connectAgent, makeBatches, sendAll } from './fake-agents.ts';

const linesPerAgent = Number(process.argv[2] ?? 100_000);
const which = process.argv[3] ?? 'both';
const tagged = process.argv[4] === 'tagged';
const agents = 10;
const profileDir = process.env.LOG_INGEST_PROFILE;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

const results: string[] = [];
if (which !== 'postgres') results.push(await measure('sqlite'));
if (which !== 'sqlite') results.push(await measure('postgres'));
console.log(`central log ingest: ${agents} agents × ${linesPerAgent} lines, read ${BATCH_SIZE} at a time and sent in messages of about ${LOG_MESSAGE_TARGET_CHARS} characters at most${tagged ? ', every line tagged with a run and deployment not the agent\'s' : ''}`);
for (const line of results) console.log(line);

async function measure(kind: 'sqlite' | 'postgres'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-ingest-'));
  const database = kind === 'postgres' ? await createDatabase() : undefined;
  const tokens = { admin: newToken('swa'), join: newToken('swj') };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: SlipwayProcess = startSlipway(dir, 'server', ['server', '--data', join(dir, 'data'), '--port', String(port), '--log-level', 'warn'], {
    SLIPWAY_ADMIN_TOKEN: tokens.admin, SLIPWAY_JOIN_TOKEN: tokens.join, ...(database ? { SLIPWAY_DATABASE_URL: database.url } : {}),
    ...(profileDir ? { NODE_OPTIONS: `--import ${resolve(import.meta.dirname, 'cpu-profile-preload.mjs')}`, SLIPWAY_CPU_PROFILE_DIR: profileDir } : {}),
  });
  try {
    await waitForHttp(`${url}/api/v1/health`);
    // The batches first: agents connected while a loaded machine makes them (seconds) stayed
    // silent long enough for the server to drop them, and the benchmark waited forever.
    const batches = Array.from({ length: agents }, () => makeBatches(linesPerAgent, tagged ? { runId: 'run-not-its-own', deploymentId: 'deployment-not-its-own' } : undefined));
    const clients = await Promise.all(Array.from({ length: agents }, (_, i) => connectAgent(url, tokens.join, `bench-${i}`)));
    const backendsBefore = database ? await database.backendTicks() : new Map<number, number>();
    const serverBefore = processTicks(server.child.pid!);
    const agentsBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(clients.map((c, i) => sendAll(c, batches[i]!, linesPerAgent)));
    const seconds = (performance.now() - started) / 1000;
    const serverTicks = processTicks(server.child.pid!) - serverBefore;
    const agentsUsed = process.cpuUsage(agentsBefore);
    let backendTicks = 0;
    for (const [pid, ticks] of database ? await database.backendTicks() : []) backendTicks += ticks - (backendsBefore.get(pid) ?? 0);
    for (const c of clients) c.close();
    const total = agents * linesPerAgent;
    const per100k = (cpuSeconds: number) => `${((cpuSeconds * 100_000) / total).toFixed(2)} s`;
    const cpu = `CPU per 100,000 lines: server ${per100k(serverTicks / TICKS)}${database ? `, PostgreSQL backends ${per100k(backendTicks / TICKS)}` : ''}, agents ${per100k((agentsUsed.user + agentsUsed.system) / 1e6)}`;
    const indexed = database ? `; all in the search index ${(await database.waitForIndex()).toFixed(1)} s after the last ack` : '';
    return `${kind.padEnd(9)} ${total} lines in ${seconds.toFixed(2)} s = ${Math.round(total / seconds).toLocaleString('en')} lines/s; ${cpu}${indexed}`;
  } catch (err) {
    // The server's own words say why a connection was closed.
    console.error(`${kind}: the server's output:\n${server.output().split('\n').slice(-40).join('\n')}`);
    throw err;
  } finally {
    await server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  }
}

/** A process's user + system CPU so far, in clock ticks. */
function processTicks(pid: number): number {
  // After the command's closing parenthesis: state is field 3, utime and stime fields 14 and 15.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface BenchDatabase {
  url: string;
  /** CPU ticks so far of each backend connected to the database, by pid. */
  backendTicks(): Promise<Map<number, number>>;
  /** Waits until nothing waits for the full-text index; returns the seconds it took. */
  waitForIndex(): Promise<number>;
  drop(): Promise<void>;
}

async function createDatabase(): Promise<BenchDatabase> {
  const admin = process.env.SLIPWAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `slipway_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const query = async <T>(text: string, database = url.toString()): Promise<T[]> => {
    const c = new pg.Client({ connectionString: database });
    await c.connect();
    try {
      return (await c.query(text)).rows as T[];
    } finally {
      await c.end();
    }
  };
  return {
    url: url.toString(),
    async backendTicks() {
      const rows = await query<{ pid: number }>(`select pid from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`, admin);
      const ticks = new Map<number, number>();
      for (const { pid } of rows) {
        try {
          ticks.set(pid, processTicks(pid));
        } catch (err) {
          console.error(`backend ${pid} is gone: ${String(err)}`);
        }
      }
      return ticks;
    },
    async waitForIndex() {
      const started = performance.now();
      for (;;) {
        const [row] = await query<{ waiting: boolean }>('select exists (select 1 from log_line_chunks where words is null) as waiting');
        if (row?.waiting !== true) return (performance.now() - started) / 1000;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
