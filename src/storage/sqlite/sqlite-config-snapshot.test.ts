// A run created before the config was normalized keeps its slipway.yml in the old stored form
// (durations as text): the store must still read it, as the normalized config.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProject, config, newRun } from '../contract/fixtures.ts';
import { openSqliteStore } from './sqlite-store.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-config-snapshot-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** runs.config as written by a server before the normalized config, for the fixtures' config. */
const oldSnapshot = {
  version: 1,
  app: 'hello',
  build: { steps: [{ name: 'unit tests', run: 'npm test', timeout: '10m' }], artifact: ['server.js'] },
  run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeout: '20s' }, stop_timeout: '10s' },
  environments: {
    testing: { hosts: { env: 'testing' }, batch: 1, approval: 'auto', verify: [] },
    production: { hosts: { env: 'production' }, batch: '50%', after: 'testing', approval: 'manual', verify: [] },
  },
};

describe('a run stored with the old config form', () => {
  it('reads back with the normalized config, by id and in lists', async () => {
    const file = join(dir, 'old-snapshot.db');
    const store = await openSqliteStore(file);
    const run = await store.runs.create(newRun((await addProject(store)).id), 5000);
    await store.close();
    const sqlite = new SqliteDatabase(file);
    try {
      sqlite.prepare('update runs set config = ? where id = ?').run(JSON.stringify(oldSnapshot), run.id);
    } finally {
      sqlite.close();
    }
    const reopened = await openSqliteStore(file);
    try {
      expect((await reopened.runs.get(run.id))?.config).toEqual(config);
      expect((await reopened.runs.list(run.projectId, 10))[0]?.config).toEqual(config);
    } finally {
      await reopened.close();
    }
  });
});
