// The store reads of a fleet's hellos after a server restart, alone: each agent's row, the highest
// seq of its log lines stored and its unanswered commands, read one agent at a time (as each hello
// did before) or through the gateway's batched reads (hello-reads.ts). Same SQLite store, same
// agents; the two ways alternate, several rounds, so that a busy machine weighs on both alike.
// Run: npx tsx bench/hello-reads.bench.ts [N] [rounds]   (default 5000 agents, 4 rounds)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { enrollAgent, logLine } from '../src/storage/contract/fixtures.ts';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../src/storage/store.ts';
import { createHelloReads } from '../src/server/gateway/hello-reads.ts';

const n = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'slipway-hello-reads-'));
const store = await openSqliteStore(join(dir, 'slipway.db'));
try {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await enrollAgent(store, `sim-${i}`)).id);
  // Every agent has log lines stored; one in ten an unanswered command.
  await store.logs.append(ids.flatMap((id) => [logLine(id, 0), logLine(id, 1)]));
  for (let i = 0; i < n; i += 10) await store.commands.create({ id: `cmd-${i}`, agentId: ids[i]!, command: { kind: 'deactivate', app: 'hello' } }, 1000);

  for (let round = 1; round <= rounds; round++) {
    // One hello after another: thousands waiting at once on the store's connection cost more than
    // the reads themselves (a first version of this bench measured 5.9 s of CPU that way), and
    // hellos arrive spread over seconds.
    const oneByOne = await timed(async () => {
      for (const id of ids) await readOneByOne(store, id);
    });
    const batched = await timed(() => readBatched(store, ids));
    console.log(`${n} hellos, round ${round}: one by one ${oneByOne.wall} ms (CPU ${oneByOne.cpu} ms), batched ${batched.wall} ms (CPU ${batched.cpu} ms)`);
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/** What each hello read before: its row, then its highest stored seq, then its unanswered commands. */
async function readOneByOne(s: Store, id: string): Promise<unknown> {
  const row = await s.agents.get(id);
  return [row, await s.logs.maxSeq(id), await s.commands.listPending(id)];
}

async function readBatched(s: Store, ids: readonly string[]): Promise<unknown> {
  const reads = createHelloReads(s);
  return Promise.all(ids.map(async (id) => [await reads.rows.get(id), ...await Promise.all([reads.logSeqs.get(id), reads.pending.get(id)])]));
}

async function timed(work: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: Math.round(performance.now() - started), cpu: Math.round((used.user + used.system) / 1000) };
}
