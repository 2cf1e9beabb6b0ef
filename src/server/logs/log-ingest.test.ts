// Ingest on a real SQLite store: stored before published, ids in order for live tails, batches
// arriving together written together, and one bad batch not failing the others.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../core/model.ts';
import { Writable } from 'node:stream';
import { enrollAgent, logLine, prepareCommand } from '../../storage/contract/fixtures.ts';
import type { Command } from '../../core/protocol/messages.ts';
import { AgentScopeCache } from '../gateway/agent-scope-cache.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { LogIngest, MAX_GROUP_LINES } from './log-ingest.ts';
import { LogTailHub } from './log-tail-hub.ts';

describe('LogIngest', () => {
  let dir: string;
  let store: Store;
  let tail: LogTailHub;
  let ingest: LogIngest;
  let scopes: AgentScopeCache;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-ingest-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    tail = new LogTailHub();
    scopes = new AgentScopeCache({ store });
    ingest = new LogIngest({ store, tail, log: pino({ level: 'silent' }), scopes });
  });

  afterEach(async () => {
    await ingest.flush();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes lines to the tail only once they are stored, with their ids, each once', async () => {
    const seen: LogLine[] = [];
    const storedWhenPublished: Promise<number[]>[] = [];
    tail.subscribe({}, (lines) => {
      seen.push(...lines);
      storedWhenPublished.push(store.logs.search({ order: 'asc', limit: 100 }).then((stored) => stored.map((l) => l.id)));
    });
    await ingest.append([logLine('a', 1), logLine('a', 2)]);
    await ingest.append([logLine('a', 2), logLine('a', 3)]);
    expect(seen.map((l) => l.seq)).toEqual([1, 2, 3]);
    const [afterFirst] = await Promise.all(storedWhenPublished);
    expect(afterFirst).toEqual(seen.slice(0, 2).map((l) => l.id));
    expect(seen.map((l) => l.id)).toEqual((await store.logs.search({ order: 'asc', limit: 10 })).map((l) => l.id));
  });

  it('counts the writes committed, for the log indexer to yield to', async () => {
    expect(ingest.writesCommitted()).toBe(0);
    await ingest.append([logLine('a', 1)]);
    await ingest.append([logLine('a', 2)]);
    expect(ingest.writesCommitted()).toBe(2);
  });

  it('writes batches handed in together in one go and tells the tail in id order', async () => {
    const published: LogLine[][] = [];
    tail.subscribe({}, (lines) => published.push(lines));
    await Promise.all([
      ingest.append([logLine('a', 1), logLine('a', 2)]),
      ingest.append([logLine('b', 1)]),
      ingest.append([logLine('c', 1), logLine('c', 2)]),
    ]);
    expect(published).toHaveLength(1);
    const ids = published[0]!.map((l) => l.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    // The source with the fewest lines waiting first; each source's lines in order.
    expect(published[0]!.map((l) => `${l.source}${l.seq}`)).toEqual(['b1', 'a1', 'a2', 'c1', 'c2']);
  });

  it('gets a quiet source\'s line into the next write however much another source has waiting', async () => {
    const published: LogLine[][] = [];
    tail.subscribe({}, (lines) => published.push(lines));
    const size = MAX_GROUP_LINES / 2;
    const busy = Array.from({ length: 6 }, (_, b) => Array.from({ length: size }, (_, i) => logLine('busy', b * size + i + 1)));
    await Promise.all([...busy.map((lines) => ingest.append(lines)), ingest.append([logLine('quiet', 1)])]);
    expect(published.length).toBeGreaterThan(3);
    expect(published[0]!.map((l) => l.source)).toContain('quiet');
    const busySeqs = published.flat().filter((l) => l.source === 'busy').map((l) => l.seq);
    expect(busySeqs).toEqual(Array.from({ length: 6 * size }, (_, i) => i + 1));
  });

  it('leaves no source out for long when more send than a write holds', async () => {
    const published: LogLine[][] = [];
    tail.subscribe({}, (lines) => published.push(lines));
    const size = MAX_GROUP_LINES / 4;
    const sources = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    const batches = sources.flatMap((source) => [0, 1, 2].map((b) => Array.from({ length: size }, (_, i) => logLine(source, b * size + i + 1))));
    await Promise.all(batches.map((lines) => ingest.append(lines)));
    // 4 batches fit a write: within the first 5 writes, every source has had lines written.
    const early = new Set(published.slice(0, 5).flat().map((l) => l.source));
    expect([...early].sort()).toEqual(sources);
  });

  it('fails only the batch the database refuses, and that source\'s later ones, when written with others', async () => {
    const broken = { ...logLine('b', 1), host: null as unknown as string };
    const results = await Promise.allSettled([
      ingest.append([logLine('a', 1)]),
      ingest.append([broken]),
      ingest.append([logLine('b', 2)]),
      ingest.append([logLine('c', 1)]),
    ]);
    // b's later batch is refused with it: stored, it would leave a gap below it that b's resend
    // would fill out of order.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((await store.logs.search({ order: 'asc', limit: 10 })).map((l) => l.source)).toEqual(['a', 'c']);
  });

  it('tags an agent\'s lines with its id and name and answers the highest seq to acknowledge', async () => {
    scopes.learn('agent-id', [{ kind: 'run', ref: 'r1' }, { kind: 'deployment', ref: 'd1' }]);
    const seq = await ingest.fromAgent({ id: 'agent-id', name: 'web-1' }, [
      { seq: 4, at: 10, stream: 'app', text: 'four' },
      { seq: 5, at: 11, stream: 'deploy', text: 'five', level: 'warn', app: 'hello', env: 'testing', runId: 'r1', deploymentId: 'd1' },
    ]);
    expect(seq).toBe(5);
    expect(await ingest.fromAgent({ id: 'agent-id', name: 'web-1' }, [])).toBeUndefined();
    const [first, second] = await store.logs.search({ order: 'asc', limit: 10 });
    expect(first).toMatchObject({ source: 'agent-id', host: 'web-1', seq: 4, app: null, env: null, level: null, runId: null, deploymentId: null });
    expect(second).toMatchObject({ source: 'agent-id', host: 'web-1', seq: 5, app: 'hello', env: 'testing', level: 'warn', runId: 'r1', deploymentId: 'd1', stream: 'deploy' });
  });

  it('masks secrets in every line it stores and publishes, whoever sent it', async () => {
    const masking = new LogIngest({ store, tail, log: pino({ level: 'silent' }), mask: (text) => text.replaceAll('s3cret-value', '***'), scopes });
    const seen: LogLine[] = [];
    tail.subscribe({}, (lines) => seen.push(...lines));
    await masking.fromAgent({ id: 'agent-id', name: 'web-1' }, [{ seq: 1, at: 10, stream: 'app', text: 'token=s3cret-value' }, { seq: 2, at: 10, stream: 'app', text: 'no secret' }]);
    await masking.append([{ ...logLine('server', 1), text: 'also s3cret-value here' }]);
    expect((await store.logs.search({ order: 'asc', limit: 10 })).map((l) => l.text)).toEqual(['token=***', 'no secret', 'also *** here']);
    expect(seen.map((l) => l.text)).toEqual(['token=***', 'no secret', 'also *** here']);
  });

  it('stores only the fields of a line the protocol names: others an agent adds are no claim about the line', async () => {
    // The gateway's check of a log message does not copy the lines (checkLogMessage): what else an
    // agent put in them reaches fromAgent.
    const line = { seq: 1, at: 10, stream: 'app', text: 'hello', source: 'someone-else', host: 'db-1', id: 12345, cp: { k: 'x', v: 1 } };
    await ingest.fromAgent({ id: 'agent-id', name: 'web-1' }, [line]);
    const [stored] = await store.logs.search({ order: 'asc', limit: 10 });
    expect(stored).toMatchObject({ source: 'agent-id', host: 'web-1', seq: 1, text: 'hello' });
    expect(stored?.id).not.toBe(12345);
    expect(stored).not.toHaveProperty('cp');
  });

  describe('the run and deployment an agent\'s line names', () => {
    async function hostWithCommand(name: string, runId: string, deploymentId: string) {
      const host = await enrollAgent(store, name);
      const command: Command = { ...(prepareCommand as Extract<Command, { kind: 'prepare' }>), runId, deploymentId };
      await store.commands.create({ id: `cmd-${name}`, agentId: host.id, command }, 1);
      return host;
    }

    it('keeps the tags of a run and deployment a command sent to the agent names, asking the store once', async () => {
      const host = await hostWithCommand('web-1', 'r1', 'd1');
      let asked = 0;
      const counting = new AgentScopeCache({ store: { commands: { ...store.commands, heldScopes: (...args) => (asked++, store.commands.heldScopes(...args)) } } });
      const checked = new LogIngest({ store, tail, log: pino({ level: 'silent' }), scopes: counting });
      await checked.fromAgent(host, [{ seq: 1, at: 10, stream: 'deploy', text: 'staged', runId: 'r1', deploymentId: 'd1' }]);
      await checked.fromAgent(host, [{ seq: 2, at: 11, stream: 'deploy', text: 'again', runId: 'r1', deploymentId: 'd1' }]);
      expect((await store.logs.search({ order: 'asc', limit: 10 })).map((l) => [l.text, l.runId, l.deploymentId])).toEqual([
        ['staged', 'r1', 'd1'], ['again', 'r1', 'd1'],
      ]);
      expect(asked).toBe(1);
    });

    it('stores a line naming another run or deployment without that tag, and logs the agent once per batch', async () => {
      const host = await hostWithCommand('web-1', 'r1', 'd1');
      await hostWithCommand('web-2', 'r2', 'd2');
      const warnings: { msg: string; agent: string; lines: number; named: string[] }[] = [];
      const sink = new Writable({ write(chunk: Buffer, _enc, done) { warnings.push(JSON.parse(chunk.toString()) as (typeof warnings)[number]); done(); } });
      const checked = new LogIngest({ store, tail, log: pino({ level: 'warn' }, sink), scopes });
      await checked.fromAgent(host, [
        { seq: 1, at: 10, stream: 'app', text: 'forged run', runId: 'r2', deploymentId: 'd1' },
        { seq: 2, at: 10, stream: 'app', text: 'forged deployment', runId: 'r1', deploymentId: 'd2' },
        { seq: 3, at: 10, stream: 'app', text: 'own', runId: 'r1', deploymentId: 'd1' },
      ]);
      expect((await store.logs.search({ order: 'asc', limit: 10 })).map((l) => [l.text, l.runId, l.deploymentId])).toEqual([
        ['forged run', null, 'd1'], ['forged deployment', 'r1', null], ['own', 'r1', 'd1'],
      ]);
      expect(await store.logs.search({ order: 'asc', limit: 10, runId: 'r2' })).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ agent: 'web-1', lines: 2 });
      expect(warnings[0]!.named.sort()).toEqual(['deployment:d2', 'run:r2']);
    });

    it('stores an agent\'s batches in the order sent when an earlier one waits for the store', async () => {
      const host = await hostWithCommand('web-1', 'r1', 'd1');
      const first = ingest.fromAgent(host, [{ seq: 1, at: 10, stream: 'app', text: 'first', runId: 'r1' }]);
      const second = ingest.fromAgent(host, [{ seq: 2, at: 10, stream: 'app', text: 'second' }]);
      expect(await Promise.all([first, second])).toEqual([1, 2]);
      expect((await store.logs.search({ order: 'asc', limit: 10 })).map((l) => [l.text, l.runId])).toEqual([['first', 'r1'], ['second', null]]);
    });
  });
});
