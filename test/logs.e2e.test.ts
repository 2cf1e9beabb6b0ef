// The central log end to end: a real server process, lines sent over the agent protocol with a
// real enrolled token, then found by search, followed live over SSE (resuming after
// Last-Event-ID), and printed by `slipway logs`, also across a server restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogSearchAnswer } from '../src/core/api/answers.ts';
import type { LogLine } from '../src/core/model.ts';
import type { LogLineIn } from '../src/core/protocol/messages.ts';
import { ProtocolAgent } from './support/protocol-agent.ts';
import { cliEnv, runSlipway, slipwayBin } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { readSseFrames } from './support/sse-frames.ts';
import { waitFor } from './support/wait-for.ts';

const fleet = new TestFleet('logs');
let agent: ProtocolAgent;
// Recent times: the server's retention (30 days by default) runs at each start.
const at = Date.now() - 60_000;
const iso = (seq: number) => new Date(at + seq).toISOString();
const line = (seq: number, text: string, extra: Partial<LogLineIn> = {}): LogLineIn =>
  ({ seq, at: at + seq, stream: 'app', text, app: 'hello', env: 'testing', ...extra });

async function search(query: string): Promise<LogLine[]> {
  return (await fleet.api.get<LogSearchAnswer>(`/api/v1/logs?${query}`)).lines;
}

/** Reads the tail's SSE stream with fetch, keeping each line and the id the stream gave it. */
function openTail(query: string, lastEventId?: string) {
  const got: { id: string; line: LogLine }[] = [];
  const abort = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${fleet.tokens.admin}` };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const connected = fetch(`${fleet.url}/api/v1/logs/tail?${query}`, { headers, signal: abort.signal }).then((response) => {
    readSseFrames(response, (fields) => {
      if (fields.get('event') === 'line') got.push({ id: fields.get('id')!, line: JSON.parse(fields.get('data')!) as LogLine });
    }).catch(() => undefined);
    return response;
  });
  return { got, connected, close: () => abort.abort(), until: (n: number) => waitFor(`${n} tailed lines`, () => got.length >= n && got, { timeoutMs: 15_000, intervalMs: 20 }) };
}

/** Runs `slipway logs ARGS` against the fleet's server to its end. */
const slipwayLogs = (args: string[]) => runSlipway(['logs', ...args], { env: cliEnv(fleet.url, fleet.tokens.admin) });

beforeAll(async () => {
  await fleet.startServer();
  agent = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'web-1');
});

afterAll(async () => {
  agent?.close();
  await fleet.close();
});

describe('the central log', () => {
  it('stores an agent\'s lines once, however often they are resent, and finds them by word, phrase and prefix', async () => {
    await agent.send([line(1, 'ERROR connection refused by db-2:5432', { level: 'error' }), line(2, 'connection established'), line(3, 'deployment started')]);
    await agent.send([line(2, 'connection established'), line(3, 'deployment started'), line(4, 'refused to deploy')]);
    expect((await search('q=connection&order=asc')).map((l) => l.seq)).toEqual([1, 2]);
    expect((await search('q=%22connection+refused%22')).map((l) => l.seq)).toEqual([1]);
    expect((await search('q=deploy*&order=asc')).map((l) => l.seq)).toEqual([3, 4]);
    expect((await search('q=refused&level=error')).map((l) => l.seq)).toEqual([1]);
    const [stored] = await search('q=established');
    expect(stored).toMatchObject({ source: agent.agentId, host: 'web-1', app: 'hello', env: 'testing', stream: 'app', at: at + 2 });
    expect((await search(`host=web-1&order=asc&limit=1000`)).map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    // Connecting again, the agent hears at once what is stored, so it need not send it again.
    await agent.connect();
    await waitFor('the server to acknowledge the stored lines on hello', () => agent.acknowledged === 4, { timeoutMs: 10_000, intervalMs: 20 });
  });

  it('tails new lines live and resumes after Last-Event-ID with neither a gap nor a repeat', async () => {
    const tail = openTail('host=web-1&q=tail');
    await tail.connected;
    await agent.send([line(10, 'tail one'), line(11, 'not this'), line(12, 'tail two')]);
    const first = await tail.until(2);
    expect(first.map((g) => g.line.text)).toEqual(['tail one', 'tail two']);
    expect(first.map((g) => g.id)).toEqual(first.map((g) => String(g.line.id)));
    tail.close();

    await agent.send([line(13, 'tail three'), line(14, 'tail four')]);
    const resumed = openTail('host=web-1&q=tail', first[1]!.id);
    await resumed.connected;
    await agent.send([line(15, 'tail five')]);
    expect((await resumed.until(3)).map((g) => g.line.text)).toEqual(['tail three', 'tail four', 'tail five']);
    resumed.close();
  });

  it('writes the server\'s own events as lines of host and stream "server", with the project as app', async () => {
    fleet.initRepo();
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, poll: '1h' });
    const lines = await waitFor('the project.added line', async () => {
      const found = await search('host=server&q=added');
      return found.length > 0 && found;
    }, { timeoutMs: 10_000 });
    expect(lines[0]).toMatchObject({ source: 'server', host: 'server', stream: 'server', app: 'hello', level: 'info' });
    expect(lines[0]!.text).toMatch(/^project hello added/);
  });

  it('prints matching lines with slipway logs as time host stream [level] text, or JSON lines', async () => {
    const plain = await slipwayLogs(['connection', '--host', 'web-1']);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe([
      `${iso(1)} web-1 app [error] ERROR connection refused by db-2:5432`,
      `${iso(2)} web-1 app connection established`,
      '',
    ].join('\n'));
    const json = await slipwayLogs(['"connection refused"', '--json', '--level', 'error', '--since', '1h']);
    const printed = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogLine);
    expect(printed.map((l) => l.text)).toEqual(['ERROR connection refused by db-2:5432']);
    expect((await slipwayLogs(['--host', 'web-1', '--limit', '2'])).stdout.trim().split('\n').map((l) => l.split(' ').slice(3).join(' ')))
      .toEqual(['tail four', 'tail five']);
    const unknownRun = await slipwayLogs(['--run', 'hello/99']);
    expect(unknownRun.code).toBe(1);
    expect(unknownRun.stderr).toMatch(/hello has no run #99/);
  });

  it('follows with slipway logs --follow and carries on, each line once, after the server restarts', async () => {
    const follower: ChildProcess = spawn(process.execPath, [slipwayBin, 'logs', 'follow', '--host', 'web-1', '--follow', '--limit', '1'], { env: cliEnv(fleet.url, fleet.tokens.admin), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    follower.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    follower.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await agent.send([line(20, 'follow before')]);
      await waitFor('the follower to print the first line', () => stdout.includes('follow before'), { timeoutMs: 15_000 });
      await agent.send([line(21, 'follow live')]);
      await waitFor('the follower to print a live line', () => stdout.includes('follow live'), { timeoutMs: 15_000 });

      await fleet.server.kill('SIGTERM');
      await waitFor('the follower to notice', () => stderr.includes('reconnecting'), { timeoutMs: 15_000 });
      await fleet.startServer();
      await agent.connect();
      await agent.send([line(22, 'follow after restart'), line(21, 'follow live')]);
      await waitFor('the follower to print after the restart', () => stdout.includes('follow after restart'), { timeoutMs: 30_000 });
      const texts = stdout.trim().split('\n').map((l) => l.split(' ').slice(3).join(' '));
      expect(texts).toEqual(['follow before', 'follow live', 'follow after restart']);
    } finally {
      const exited = new Promise((resolve) => follower.once('exit', resolve));
      follower.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});

describe('slipway server --log-max-size', () => {
  const small = new TestFleet('logs-retention', ['--log-retention', 'off', '--log-max-size', '10KiB']);
  afterAll(() => small.close());

  it('trims the central log to its size, oldest lines first, when the server starts', async () => {
    await small.startServer();
    const writer = await ProtocolAgent.enroll(small.url, small.tokens.join, 'web-9');
    // 40 lines of 100 bytes count 500 bytes each (text + 400): 20,000 bytes, twice the limit.
    await writer.send(Array.from({ length: 40 }, (_, seq) => line(seq, `${String(seq).padStart(3, '0')} ${'x'.repeat(96)}`)));
    writer.close();
    await small.server.kill('SIGTERM');
    await small.startServer();
    const left = await waitFor('retention to trim the log', async () => {
      const lines = (await small.api.get<LogSearchAnswer>('/api/v1/logs?host=web-9&order=asc&limit=100')).lines;
      return lines.length < 40 && lines;
    }, { timeoutMs: 15_000 });
    expect(left.map((l) => l.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
  });
});
