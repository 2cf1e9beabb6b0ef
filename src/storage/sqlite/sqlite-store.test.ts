// Runs the Store contract against SQLite files, plus what only the SQLite adapter promises.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { describeStoreContract } from '../store-contract.ts';
import { openSqliteStore } from './sqlite-store.ts';

let dir = '';
let opened = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-sqlite-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStoreContract('SqliteStore', () => openSqliteStore(join(dir, `contract-${opened++}.db`)));

describe('openSqliteStore', () => {
  it('creates the folders of a database file that does not exist yet', async () => {
    const file = join(dir, 'data', 'nested', 'slipway.db');
    const store = await openSqliteStore(file);
    await store.close();
    expect((await stat(file)).isFile()).toBe(true);
  });

  it('keeps what it stored when the file is opened again', async () => {
    const file = join(dir, 'reopen.db');
    const first = await openSqliteStore(file);
    await first.projects.create({ name: 'hello', repoUrl: 'r', branch: 'main', pollIntervalMs: 1, webhookSecret: 's' }, 1);
    await first.close();
    const second = await openSqliteStore(file);
    expect((await second.projects.list()).map((p) => p.name)).toEqual(['hello']);
    await second.close();
  });

  it('writes through a write-ahead log', async () => {
    const file = join(dir, 'wal.db');
    const store = await openSqliteStore(file);
    await store.events.append({ at: 1, kind: 'k', projectId: null, runId: null, deploymentId: null, message: 'm', data: {} });
    expect((await stat(`${file}-wal`)).isFile()).toBe(true);
    await store.close();
  });

  it('enforces foreign keys', async () => {
    const store = await openSqliteStore(join(dir, 'fk.db'));
    const job = store.jobs.create({ owner: { kind: 'stage', runId: 'no-such-run', stageId: 'no-such-stage' }, kind: 'build', spec: {
      jobId: 'j', runId: 'no-such-run', deploymentId: null, kind: 'build', project: 'p', sha: 's', version: '1-0123456',
      sourcePath: '/x', steps: [], artifactPaths: [], env: {},
    } }, 1);
    await expect(job).rejects.toThrow(/FOREIGN KEY/);
    await store.close();
  });

  it('keeps the full-text index in step with the lines through ingest, repeats and retention', async () => {
    const file = join(dir, 'fts.db');
    const store = await openSqliteStore(file);
    const line = (seq: number, at: number) => ({
      at, source: 'agent-1', seq, host: 'web-1', app: 'hello', env: 'testing', stream: 'app', level: null, runId: null, deploymentId: null, text: `word${seq % 7} line ${seq}`,
    });
    await store.logs.append(Array.from({ length: 9_000 }, (_, seq) => line(seq, seq)));
    await store.logs.append(Array.from({ length: 2_000 }, (_, i) => line(8_000 + i, 8_000 + i)));
    await store.logs.deleteOlderThan(3_000);
    await store.logs.deleteToFitSize((await store.logs.size()).bytes / 2);
    await store.close();
    const sqlite = new SqliteDatabase(file);
    try {
      expect(() => sqlite.prepare("insert into log_lines_fts (log_lines_fts, rank) values ('integrity-check', 1)").run()).not.toThrow();
      const { lines } = sqlite.prepare('select count(*) as lines from log_lines').get() as { lines: number };
      const { indexed } = sqlite.prepare("select count(*) as indexed from log_lines_fts where log_lines_fts match 'line'").get() as { indexed: number };
      expect(indexed).toBe(lines);
    } finally {
      sqlite.close();
    }
  });

  it('finds a word whose letters carry marks (Devanagari, Arabic) as one word', async () => {
    const store = await openSqliteStore(join(dir, 'marks.db'));
    try {
      const texts = ['नमस्ते दुनिया', 'كَتَبَ الولد', 'plain text'];
      await store.logs.append(texts.map((text, seq) => ({
        at: seq, source: 'agent-1', seq, host: 'web-1', app: null, env: null, stream: 'app', level: null, runId: null, deploymentId: null, text,
      })));
      const search = async (q: string) => (await store.logs.search({ query: parseLogQuery(q), order: 'asc', limit: 10 })).map((l) => l.text);
      expect(await search('नमस्ते')).toEqual(['नमस्ते दुनिया']);
      expect(await search('كَتَبَ')).toEqual(['كَتَبَ الولد']);
      expect(await search('"नमस्ते दुनिया"')).toEqual(['नमस्ते दुनिया']);
    } finally {
      await store.close();
    }
  });

  it('takes the write lock when a transaction begins (BEGIN IMMEDIATE), not at its first write', async () => {
    const file = join(dir, 'immediate.db');
    const store = await openSqliteStore(file);
    const other = new SqliteDatabase(file);
    other.pragma('busy_timeout = 0');
    const write = () => other.prepare(`insert into events (at, kind, message, data) values (1, 'other', 'm', '{}')`).run();
    try {
      let entered!: () => void;
      let release!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const held = new Promise<void>((resolve) => (release = resolve));
      const reading = store.transaction(async (tx) => {
        await tx.projects.list();
        entered();
        await held;
      });
      await inside;
      expect(write).toThrow(/locked|busy/i);
      release();
      await reading;
      expect(write).not.toThrow();
    } finally {
      other.close();
      await store.close();
    }
  });

  it('says which file it could not open', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    await expect(openSqliteStore(join(blocker, 'slipway.db'))).rejects.toMatchObject({
      code: 'SLIPWAY_STORAGE_OPEN_FAILED',
      message: expect.stringContaining(join(blocker, 'slipway.db')) as unknown,
    });
  });
});
