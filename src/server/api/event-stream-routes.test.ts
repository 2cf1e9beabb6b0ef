// The events stream on a real HTTP server over a real SQLite store: filters, resume after
// Last-Event-ID, and the hand-over from stored to live events while events keep coming.
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../base/clock.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog } from '../engine/event-log.ts';
import { authorizeRequests } from '../auth/authorize-requests.ts';
import { createPrincipalResolver } from '../auth/resolve-principal.ts';
import { eventStreamRoutes } from './event-stream-routes.ts';

const admin = 'swa_test-admin-token';

/** A client of the stream that collects the events it reads. */
class StreamReader {
  readonly events: SlipwayEvent[] = [];
  status = 0;
  private readonly abort = new AbortController();
  private text = '';
  readonly done: Promise<void>;
  private resolveConnected!: () => void;
  readonly connected = new Promise<void>((r) => (this.resolveConnected = r));

  constructor(url: string, headers: Record<string, string> = {}) {
    this.done = this.read(url, headers).catch(() => undefined);
  }

  close(): void {
    this.abort.abort();
  }

  async until(count: number, timeoutMs = 10_000): Promise<SlipwayEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.events;
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    const response = await fetch(url, { headers: { authorization: `Bearer ${admin}`, ...headers }, signal: this.abort.signal });
    this.status = response.status;
    this.resolveConnected();
    const decoder = new TextDecoder();
    const body = response.body!.getReader();
    for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
      this.text += decoder.decode(chunk.value as Uint8Array, { stream: true });
      const frames = this.text.split('\n\n');
      this.text = frames.pop()!;
      for (const frame of frames) {
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (data && frame.includes('event: event')) this.events.push(JSON.parse(data.slice(6)) as SlipwayEvent);
      }
    }
  }
}

describe('GET /api/v1/events/stream', () => {
  let dir: string;
  let store: Store;
  let events: EventLog;
  let app: FastifyInstance;
  let url: string;
  const readers: StreamReader[] = [];
  const open = (query = '', headers: Record<string, string> = {}) => {
    const reader = new StreamReader(`${url}/api/v1/events/stream${query}`, headers);
    readers.push(reader);
    return reader;
  };
  const emit = (n: number, refs: { runId?: string; deploymentId?: string } = {}) => events.emit('test.event', `event ${n}`, refs);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-event-stream-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    events = new EventLog(store, systemClock);
    app = Fastify();
    authorizeRequests(app, createPrincipalResolver({ store, tokens: { admin, join: 'swj_unused' } }));
    eventStreamRoutes(app, { store, events });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends only new events when the client gives no id to resume after', async () => {
    await emit(1);
    const reader = open();
    await reader.connected;
    await emit(2);
    expect((await reader.until(1)).map((e) => e.message)).toEqual(['event 2']);
  });

  it('replays the stored events after Last-Event-ID, then live ones, in order and each once', async () => {
    for (let n = 1; n <= 5; n++) await emit(n);
    const reader = open('', { 'last-event-id': '2' });
    await reader.connected;
    await emit(6);
    const got = await reader.until(4);
    expect(got.map((e) => e.message)).toEqual(['event 3', 'event 4', 'event 5', 'event 6']);
  });

  it('loses and repeats nothing when events are emitted while it replays a long history', async () => {
    for (let n = 1; n <= 1200; n++) await emit(n);
    // Each replayed page is read between two new events: the first is in the page and also
    // announced live (a duplicate to drop), the second is only announced live (not to be lost).
    let next = 1201;
    const list = store.events.list.bind(store.events);
    store.events.list = async (filter) => {
      await emit(next++);
      const page = await list(filter);
      await emit(next++);
      return page;
    };
    const reader = open('?after=0');
    await reader.until(1206);
    await emit(1300);
    await reader.until(1207);
    expect(next).toBe(1207);
    expect(reader.events.map((e) => e.message)).toEqual([...Array.from({ length: 1206 }, (_, i) => `event ${i + 1}`), 'event 1300']);
  });

  it('sends only the events of the run or deployment asked for', async () => {
    const reader = open('?run=run-a&after=0');
    const deploymentReader = open('?deployment=dep-b');
    await Promise.all([reader.connected, deploymentReader.connected]);
    await emit(1, { runId: 'run-a' });
    await emit(2, { runId: 'run-b', deploymentId: 'dep-b' });
    await emit(3, { runId: 'run-a', deploymentId: 'dep-a' });
    expect((await reader.until(2)).map((e) => e.message)).toEqual(['event 1', 'event 3']);
    expect((await deploymentReader.until(1)).map((e) => e.message)).toEqual(['event 2']);
  });

  it('refuses a request without the admin token', async () => {
    const response = await fetch(`${url}/api/v1/events/stream`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    await response.body?.cancel();
  });

  it('ends open streams when the server closes, so that closing does not wait for clients', async () => {
    const reader = open();
    await reader.connected;
    await app.close();
    await reader.done;
    expect(reader.status).toBe(200);
  });
});
