// Live tail latency: from a line an app writes on a host to its arrival at an SSE client of
// /api/v1/logs/tail, p50 and p99, first on a quiet server, then while 10 more agents send their
// logs as fast as the server stores them (the ingest benchmark's load). The app (the sample, on
// a real agent, deployed by a real run) prints "latency-probe <n> <ms since the epoch>" every
// 20 ms to its stdout; the agent follows that file, spools and ships the lines; the client is on
// the same machine, so one clock serves both ends.
// Run: npx tsx bench/tail-latency.bench.ts [seconds-per-phase]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { SseParser } from '../src/base/sse-parser.ts';
import { percentile, waitForRunEnd } from './bench-support.ts';
import { productionOnlyConfig } from '../test/support/production-only-config.ts';
import { BATCH_SIZE } from './fake-agents.ts';

const seconds = Number(process.argv[2] ?? 10);
const loadAgents = 10;
const fleet = new TestFleet('bench-tail');

try {
  fleet.initRepo(() => {
    fleet.editFile('slipway.yml', () => productionOnlyConfig({ healthTimeout: '10s' }));
    fleet.editFile('server.js', (t) => `${t}
let probe = 0;
setInterval(() => console.log(\`latency-probe \${++probe} \${Date.now()}\`), 20);
`);
  });
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  await fleet.startAgent({ name: 'web-1', labels: 'env=production', appPort: true });
  await waitFor('two agents online', async () => (await fleet.api.get<{ online: boolean }[]>('/api/v1/agents')).filter((a) => a.online).length === 2);
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  const run = await waitForRunEnd(fleet, 'hello', 1);
  if (run.status !== 'succeeded') throw new Error(`the run ${run.status}: ${run.error}`);

  const tail = openTail();
  try {
    await waitFor('the first probe line', () => tail.latencies.length > 0, { timeoutMs: 30_000 });
    tail.latencies.length = 0;
    tail.inAgent.length = 0;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const quiet = tail.latencies.splice(0);
    const quietInAgent = tail.inAgent.splice(0);

    // Enough lines to keep 10 agents sending for about `seconds` at ~110,000 lines/s, from a
    // process of their own.
    const linesPerAgent = Math.ceil((seconds * 110_000) / loadAgents / BATCH_SIZE) * BATCH_SIZE;
    const load = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fake-agents.ts', import.meta.url)),
      fleet.url, fleet.tokens.join, String(loadAgents), String(linesPerAgent)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    load.stdout.on('data', (d: Buffer) => (said += d.toString()));
    await waitFor('the load agents to start sending', () => said.includes('sending'), { timeoutMs: 120_000 });
    tail.latencies.length = 0;
    tail.inAgent.length = 0;
    await waitFor('the load agents to finish', () => said.includes('sent'), { timeoutMs: 600_000, intervalMs: 20 });
    const loaded = tail.latencies.splice(0);
    const loadedInAgent = tail.inAgent.splice(0);
    const loadSeconds = Number(/sent \d+ ([\d.]+)/.exec(said)![1]);

    const rate = Math.round((loadAgents * linesPerAgent) / loadSeconds).toLocaleString('en');
    console.log('live tail latency, app line on web-1 → SSE client (filter host=web-1), a probe line every 20 ms');
    console.log(`quiet server        ${summary(quiet)}`);
    console.log(`  of which on the host (app write → agent read)   ${summary(quietInAgent)}`);
    console.log(`under ingest load   ${summary(loaded)}   (${loadAgents} more agents storing ${rate} lines/s for ${loadSeconds.toFixed(1)} s)`);
    console.log(`  of which on the host (app write → agent read)   ${summary(loadedInAgent)}`);
  } finally {
    tail.close();
  }
} finally {
  await fleet.close();
}

/** A live tail of web-1's probe lines; each arrival's latency is pushed to `latencies`. */
function openTail(): { latencies: number[]; inAgent: number[]; close: () => void } {
  const latencies: number[] = [];
  const inAgent: number[] = [];
  const abort = new AbortController();
  const url = `${fleet.url}/api/v1/logs/tail?host=web-1&q=${encodeURIComponent('latency-probe')}`;
  void (async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${fleet.tokens.admin}` }, signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`the tail answered ${response.status}`);
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      const arrived = Date.now();
      for (const message of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
        if (message.event !== 'line') continue;
        const { text, at } = JSON.parse(message.data) as { text: string; at: number };
        const match = /latency-probe \d+ (\d+)/.exec(text);
        if (match) {
          latencies.push(arrived - Number(match[1]));
          inAgent.push(at - Number(match[1]));
        }
      }
    }
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) console.error('the tail failed:', err);
  });
  return { latencies, inAgent, close: () => abort.abort() };
}

function summary(values: number[]): string {
  const at = (p: number) => String(percentile(values, p)).padStart(4);
  return `p50 ${at(50)} ms   p99 ${at(99)} ms   max ${at(100)} ms   (${values.length} lines)`;
}
