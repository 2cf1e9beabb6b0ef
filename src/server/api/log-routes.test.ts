// The central log's HTTP routes on a real server over a real SQLite store: search with filters and
// paging, and the live tail resuming after Last-Event-ID while lines keep coming.
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, InputError } from '../../base/errors.ts';
import type { LogLine } from '../../core/model.ts';
import { logLine } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { NewLogLine, Store } from '../../storage/store.ts';
import { LogIngest } from '../logs/log-ingest.ts';
import { AgentScopeCache } from '../gateway/agent-scope-cache.ts';
import { LogTailHub } from '../logs/log-tail-hub.ts';
import { authorizeRequests } from '../auth/authorize-requests.ts';
import { createPrincipalResolver } from '../auth/resolve-principal.ts';
import { logRoutes } from './log-routes.ts';

const admin = 'swa_test-admin-token';

/** A client of the tail that collects the lines it reads and the ids the stream gave them. */
class TailReader {
  readonly lines: LogLine[] = [];
  readonly ids: string[] = [];
  private readonly abort = new AbortController();
  private text = '';
  private resolveConnected!: () => void;
  readonly connected = new Promise<void>((r) => (this.resolveConnected = r));

  constructor(url: string, headers: Record<string, string> = {}) {
    void this.read(url, headers).catch(() => undefined);
  }

  close(): void {
    this.abort.abort();
  }

  async until(count: number, timeoutMs = 10_000): Promise<LogLine[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.lines;
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    const response = await fetch(url, { headers: { authorization: `Bearer ${admin}`, ...headers }, signal: this.abort.signal });
    this.resolveConnected();
    const decoder = new TextDecoder();
    const body = response.body!.getReader();
    for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
      this.text += decoder.decode(chunk.value as Uint8Array, { stream: true });
      const frames = this.text.split('\n\n');
      this.text = frames.pop()!;
      for (const frame of frames) {
        const fields = new Map(frame.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (fields.get('event') !== 'line') continue;
        this.ids.push(fields.get('id')!);
        this.lines.push(JSON.parse(fields.get('data')!) as LogLine);
      }
    }
  }
}

describe('the log routes', () => {
  let dir: string;
  let store: Store;
  let ingest: LogIngest;
  let app: FastifyInstance;
  let url: string;
  const readers: TailReader[] = [];
  const tail = (query = '', headers: Record<string, string> = {}) => {
    const reader = new TailReader(`${url}/api/v1/logs/tail${query}`, headers);
    readers.push(reader);
    return reader;
  };
  const search = async (query: string) => {
    const response = await fetch(`${url}/api/v1/logs${query}`, { headers: { authorization: `Bearer ${admin}` } });
    return { status: response.status, body: (await response.json()) as { lines: LogLine[] } };
  };
  const texts = async (query: string) => (await search(query)).body.lines.map((l) => l.text);
  const numbered = (from: number, count: number, overrides: Partial<NewLogLine> = {}) =>
    Array.from({ length: count }, (_, i) => logLine('a', from + i, { text: `line ${from + i}`, ...overrides }));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-log-routes-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    const logTail = new LogTailHub();
    ingest = new LogIngest({ store, tail: logTail, log: pino({ level: 'silent' }), scopes: new AgentScopeCache({ store }) });
    app = Fastify();
    // As the server's own handler does for these kinds (see http-app.ts).
    app.setErrorHandler((err, _request, reply) => reply.code(err instanceof InputError ? 400 : err instanceof AuthError ? 401 : 500).send({ error: String(err) }));
    authorizeRequests(app, createPrincipalResolver({ store, tokens: { admin, join: 'swj_unused' } }));
    logRoutes(app, { store, logTail });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await app.close();
    await ingest.flush();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('searches newest first and pages back with before, or oldest first with order=asc and after', async () => {
    await ingest.append([...numbered(1, 5), logLine('a', 6, { text: 'other words' })]);
    const first = await search('?q=line&limit=2');
    expect(first.body.lines.map((l) => l.text)).toEqual(['line 5', 'line 4']);
    expect(await texts(`?q=line&limit=2&before=${first.body.lines[1]!.id}`)).toEqual(['line 3', 'line 2']);
    expect(await texts(`?q=line&order=asc&limit=3&after=${first.body.lines[1]!.id}`)).toEqual(['line 5']);
    expect(await texts('?order=asc&limit=2')).toEqual(['line 1', 'line 2']);
  });

  it('applies every filter, takes several levels, and ignores parameters given empty', async () => {
    await ingest.append([
      logLine('a', 1, { host: 'web-1', level: 'error', at: 100, text: 'one' }),
      logLine('a', 2, { host: 'web-2', level: 'warn', at: 200, runId: 'r1', text: 'two' }),
      logLine('a', 3, { host: 'web-2', level: 'info', at: 300, deploymentId: 'd1', stream: 'deploy', text: 'three' }),
    ]);
    expect(await texts('?host=web-2&order=asc')).toEqual(['two', 'three']);
    expect(await texts('?level=warn,error&order=asc')).toEqual(['one', 'two']);
    expect(await texts('?since=200&until=300')).toEqual(['two']);
    expect(await texts('?run=r1')).toEqual(['two']);
    expect(await texts('?deployment=d1&stream=deploy&app=hello&env=testing')).toEqual(['three']);
    expect(await texts('?q=&host=&before=&order=asc')).toEqual(['one', 'two', 'three']);
    expect(await texts('?q=%22unbalanced')).toEqual([]);
  });

  it('refuses a limit over 1000, a bad order and a missing token', async () => {
    expect((await search('?limit=1001')).status).toBe(400);
    expect((await search('?order=sideways')).status).toBe(400);
    expect((await fetch(`${url}/api/v1/logs`)).status).toBe(401);
    expect((await fetch(`${url}/api/v1/logs/tail`)).status).toBe(401);
  });

  it('tails only new lines when the client gives no id to resume after', async () => {
    await ingest.append(numbered(1, 2));
    const reader = tail();
    await reader.connected;
    await ingest.append(numbered(3, 2));
    expect((await reader.until(2)).map((l) => l.text)).toEqual(['line 3', 'line 4']);
    expect(reader.ids).toEqual(reader.lines.map((l) => String(l.id)));
  });

  it('resumes after Last-Event-ID with stored lines then live ones, in order and each once, while lines keep coming', async () => {
    await ingest.append(numbered(1, 2500));
    const [, second] = await store.logs.search({ order: 'asc', limit: 2 });
    const reader = tail('', { 'last-event-id': String(second!.id) });
    const writing = (async () => {
      for (let from = 2501; from <= 3000; from += 50) await ingest.append(numbered(from, 50));
    })();
    await writing;
    const got = await reader.until(2998);
    expect(got.map((l) => l.seq)).toEqual(Array.from({ length: 2998 }, (_, i) => i + 3));
  });

  it('tails only the lines that match the query and filters', async () => {
    const reader = tail('?q=refused&host=web-2&after=0');
    await reader.connected;
    await ingest.append([
      logLine('a', 1, { host: 'web-2', text: 'connection refused' }),
      logLine('a', 2, { host: 'web-1', text: 'connection refused' }),
      logLine('a', 3, { host: 'web-2', text: 'connection accepted' }),
      logLine('a', 4, { host: 'web-2', text: 'refused again' }),
    ]);
    expect((await reader.until(2)).map((l) => l.seq)).toEqual([1, 4]);
  });
});
