// Event lines that went missing while later ones were written: an instance stored an event and
// died before writing its line while another wrote the lines of later events (PostgreSQL, two
// stores on one schema), or one instance's write of a line failed (SQLite); and lines that
// retention removed, which must not come back. On SQLite always, on PostgreSQL with
// SLIPWAY_TEST_POSTGRES_URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropSchemas } from '../../storage/postgres/drop-schemas-fixture.ts';
import { openPostgresStore } from '../../storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog } from '../engine/event-log.ts';
import { AgentScopeCache } from '../gateway/agent-scope-cache.ts';
import { LogIngest } from './log-ingest.ts';
import { startLogRetention } from './log-retention.ts';
import { LogTailHub } from './log-tail-hub.ts';
import { SERVER_EVENTS_SOURCE, ServerEventLines } from './server-event-lines.ts';

const log = pino({ level: 'silent' });
const clock = { now: () => 42_000 };
const url = process.env.SLIPWAY_TEST_POSTGRES_URL;

/** One server instance's view: its store, its ingest and its event lines. */
interface Instance {
  store: Store;
  ingest: LogIngest;
  lines: ServerEventLines;
  /** Events whose line this instance writes at once. */
  events: EventLog;
  /** Events stored by an instance that dies before it writes their line. */
  eventsWithoutLine: EventLog;
}

function instanceOn(store: Store): Instance {
  const ingest = new LogIngest({ store, tail: new LogTailHub(), log, scopes: new AgentScopeCache({ store }) });
  const lines = new ServerEventLines({ store, ingest, log });
  return { store, ingest, lines, events: new EventLog(store, clock, (event) => lines.write(event)), eventsWithoutLine: new EventLog(store, clock) };
}

/** The stores of two instances on one database: one store for both on SQLite (its only writer). */
type OpenTwo = () => Promise<[Store, Store]>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sqliteTwo: OpenTwo = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-event-repair-'));
  const store = await openSqliteStore(join(dir, 'slipway.db'));
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return [store, store];
};

const schemas: string[] = [];
afterAll(() => (url ? dropSchemas(url, schemas) : undefined), 60_000);
const postgresTwo: OpenTwo = async () => {
  const schema = `slipway_test_repair_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  schemas.push(schema);
  const a = await openPostgresStore(url!, { schema });
  cleanups.push(() => a.close());
  const b = await openPostgresStore(url!, { schema });
  cleanups.push(() => b.close());
  return [a, b];
};

const texts = async (store: Store) => (await store.logs.search({ order: 'asc', limit: 100 })).map((l) => l.text);

/** Polls until `check` holds, failing after a few seconds. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function describeRepair(name: string, openTwo: OpenTwo): void {
  describe(`server event lines left missing below later ones (${name})`, { timeout: 30_000 }, () => {
    it('writes at start the line of an event whose instance died before writing it, though later events have theirs', async () => {
      const [storeA, storeB] = await openTwo();
      const a = instanceOn(storeA);
      const b = instanceOn(storeB);
      await b.events.emit('project.added', 'before');
      await a.eventsWithoutLine.emit('project.added', 'lost');
      await b.events.emit('project.added', 'after');
      await b.ingest.flush();
      const restarted = instanceOn(storeB);
      expect(await restarted.lines.catchUp()).toBe(1);
      await restarted.ingest.flush();
      expect(await texts(storeB)).toEqual(['before', 'after', 'lost']);
      expect(await instanceOn(storeA).lines.catchUp()).toBe(0);
    });

    it('writes the missing line while running, without a restart, and stops when closed', async () => {
      const [storeA, storeB] = await openTwo();
      const a = instanceOn(storeA);
      const b = instanceOn(storeB);
      const repair = b.lines.repairEvery(20);
      await b.events.emit('project.added', 'before');
      await a.eventsWithoutLine.emit('project.added', 'lost');
      await b.events.emit('project.added', 'after');
      await eventually(async () => (await texts(storeB)).includes('lost'));
      await repair.close();
      await a.eventsWithoutLine.emit('project.added', 'after close');
      await b.events.emit('project.added', 'last');
      await b.ingest.flush();
      // 'lost' may be written before or after 'after': when the repair ran decides.
      expect((await texts(storeB)).sort()).toEqual(['after', 'before', 'last', 'lost']);
    });

    it('takes no line for lost that another instance is still writing, and writes one still missing at the next catch-up', async () => {
      const [storeA, storeB] = await openTwo();
      const b = instanceOn(storeB);
      expect(await b.lines.catchUp()).toBe(0);
      // A's ingest holds its line, as it does behind agents' lines under load.
      const a = instanceOn(storeA);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const append = a.ingest.append.bind(a.ingest);
      a.ingest.append = async (batch) => {
        await held;
        return append(batch);
      };
      await a.events.emit('project.added', 'on its way');
      expect(await b.lines.catchUp()).toBe(0);
      release();
      await eventually(async () => (await texts(storeB)).includes('on its way'));
      expect(await b.lines.catchUp()).toBe(0);
      await a.eventsWithoutLine.emit('project.added', 'lost');
      expect(await b.lines.catchUp()).toBe(0);
      expect(await b.lines.catchUp()).toBe(1);
      await b.ingest.flush();
      expect(await texts(storeB)).toEqual(['on its way', 'lost']);
    });

    it('writes no line again that retention removed, even one written while it ran', async () => {
      const [store] = await openTwo();
      const server = instanceOn(store);
      await server.events.emit('project.added', 'one');
      await server.events.emit('project.added', 'two');
      await server.ingest.flush();
      // A line written while retention runs (by this instance or another) is removed with the others.
      const deleteToFitSize = store.logs.deleteToFitSize.bind(store.logs);
      store.logs.deleteToFitSize = async (maxBytes) => {
        await server.events.emit('project.added', 'three');
        await server.ingest.flush();
        return deleteToFitSize(maxBytes);
      };
      const retention = startLogRetention({ store, clock, log, maxAgeMs: null, maxBytes: 0, intervalMs: 3_600_000 });
      expect(await retention.runOnce()).toBe(3);
      await retention.close();
      store.logs.deleteToFitSize = deleteToFitSize;
      expect(await texts(store)).toEqual([]);
      expect(await instanceOn(store).lines.catchUp()).toBe(0);
      expect(await store.logs.maxSeq(SERVER_EVENTS_SOURCE)).toBe(-1);
    });
  });
}

describeRepair('SQLite', sqliteTwo);
if (url) describeRepair('PostgreSQL', postgresTwo);
