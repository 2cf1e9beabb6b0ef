// Retention on a real SQLite store: a first run at start, both limits applied, "no limit" honoured.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logLine } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { startLogRetention, type LogRetention } from './log-retention.ts';

describe('log retention', () => {
  let dir: string;
  let store: Store;
  let retention: LogRetention | undefined;
  const clock = { now: () => 100_000 };
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-retention-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
  });

  afterEach(async () => {
    await retention?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes lines older than the maximum age, then the oldest until the log fits its size', async () => {
    await store.logs.append([
      logLine('a', 1, { at: 10_000, text: 'too old' }),
      logLine('a', 2, { at: 95_000, text: 'recent but oldest left' }),
      logLine('a', 3, { at: 96_000, text: 'kept' }),
    ]);
    retention = startLogRetention({ store, clock, log, maxAgeMs: 60_000, maxBytes: 'kept'.length + 400, intervalMs: 3_600_000 });
    await retention.runOnce();
    expect((await store.logs.search({ order: 'asc', limit: 10 })).map((l) => l.text)).toEqual(['kept']);
  });

  it('keeps everything when neither limit is set', async () => {
    await store.logs.append([logLine('a', 1, { at: 1 })]);
    retention = startLogRetention({ store, clock, log, maxAgeMs: null, maxBytes: null, intervalMs: 3_600_000 });
    expect(await retention.runOnce()).toBe(0);
    expect((await store.logs.size()).lines).toBe(1);
  });
});
