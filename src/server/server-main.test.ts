// startServer's crash point, in process: process.exit is replaced so that the test survives it.
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPostgresDatabase, testPostgresUrl } from '../../test/support/postgres-database.ts';
import { CRASH_POINT_EXIT_CODE, startServer, type RunningServer } from './server-main.ts';

class Exited extends Error {
  constructor(readonly code: number | string | null | undefined) {
    super(`process.exit(${String(code)})`);
  }
}

let dir = '';
let server: RunningServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(crashAfterTransactions?: number): Promise<RunningServer> {
  dir = await mkdtemp(join(tmpdir(), 'slipway-server-main-'));
  server = await startServer({ dataDir: dir, port: 0, logLevel: 'silent', ...(crashAfterTransactions === undefined ? {} : { crashAfterTransactions }) });
  return server;
}

const event = (kind: string) => ({ at: 1, kind, projectId: null, runId: null, deploymentId: null, message: kind, data: {} });

describe('startServer', () => {
  it('counts the store transactions it committed', async () => {
    const running = await start();
    // An empty data dir: nothing to resume, so nothing committed while starting.
    expect(running.transactions()).toBe(0);
    await running.store.transaction((tx) => tx.events.append(event('a')));
    await running.store.transaction((tx) => tx.transaction((inner) => inner.events.append(event('b'))));
    expect(running.transactions()).toBe(2);
  });

  it('exits with code 86 right after the transaction its crash point names, that transaction stored', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Exited(code);
    });
    const running = await start(2);
    await running.store.transaction((tx) => tx.events.append(event('first')));
    expect(exit).not.toHaveBeenCalled();
    await expect(running.store.transaction((tx) => tx.events.append(event('second')))).rejects.toMatchObject({ code: CRASH_POINT_EXIT_CODE });
    expect(exit).toHaveBeenCalledTimes(1);
    expect((await running.store.events.list({ limit: 10 })).map((e) => e.kind)).toEqual(['first', 'second']);
  });

  it('refuses admin and join tokens shorter than 24 characters, and the same token for both', async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-server-main-'));
    const long = 'swa_a-token-long-enough-for-an-admin';
    await expect(startServer({ dataDir: dir, port: 0, logLevel: 'silent', adminToken: long, joinToken: 'j' }))
      .rejects.toMatchObject({ code: 'SLIPWAY_TOKEN_TOO_SHORT', message: expect.stringContaining('the join token has 1 characters') as unknown });
    await expect(startServer({ dataDir: dir, port: 0, logLevel: 'silent', adminToken: 'swa_short', joinToken: `${long}-join` }))
      .rejects.toMatchObject({ code: 'SLIPWAY_TOKEN_TOO_SHORT' });
    await expect(startServer({ dataDir: dir, port: 0, logLevel: 'silent', adminToken: long, joinToken: long }))
      .rejects.toMatchObject({ code: 'SLIPWAY_TOKENS_SAME' });
  });

  it('refuses an empty slipway.db instead of starting as an empty server', async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-server-main-'));
    await writeFile(join(dir, 'slipway.db'), '');
    await expect(startServer({ dataDir: dir, port: 0, logLevel: 'silent' })).rejects.toMatchObject({
      code: 'SLIPWAY_STORAGE_EMPTY_FILE', message: expect.not.stringContaining(dir) as unknown,
    });
  });

  it('makes every file and folder of a data dir that existed with wider modes 0600 and 0700', async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-server-main-'));
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'mirrors', 'p1.git', 'objects'), { recursive: true, mode: 0o755 });
    await writeFile(join(dir, 'mirrors', 'p1.git', 'config'), '[core]\n', { mode: 0o644 });
    await mkdir(join(dir, 'artifacts'), { mode: 0o755 });
    await writeFile(join(dir, 'artifacts', 'a'.repeat(64)), 'tarball', { mode: 0o644 });
    await writeFile(join(dir, 'admin-token'), 'swa_a-token-long-enough-for-an-admin\n', { mode: 0o644 });
    server = await startServer({ dataDir: dir, port: 0, logLevel: 'silent' });

    const modes: string[] = [];
    const walk = async (path: string): Promise<void> => {
      const info = await stat(path);
      modes.push(`${path.slice(dir.length) || '/'} ${(info.mode & 0o777).toString(8)}`);
      if (info.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
    };
    await walk(dir);
    expect(modes.filter((line) => !/ (600|700)$/.test(line))).toEqual([]);
    expect(modes).toContain('/ 700');
    expect(modes).toContain('/admin-token 600');
  });

  it('refuses a second server on the data dir of a running one, and starts one once the first stopped', async () => {
    const first = await start();
    const again = () => startServer({ dataDir: dir, port: 0, logLevel: 'silent' });
    await expect(again()).rejects.toMatchObject({ code: 'SLIPWAY_INSTANCE_RUNNING', message: expect.stringContaining('another slipway server runs') as unknown });
    // The refused one changed nothing: the first still runs.
    expect((await fetch(`${first.url}/api/v1/projects`, { headers: { authorization: `Bearer ${first.tokens.admin}` } })).status).toBe(200);
    await first.close();
    server = await again();
    expect(server.engine).toBeDefined();
  });

  it.skipIf(!testPostgresUrl)('refuses a second server with the instance name of a running one on one PostgreSQL database, not one with another name', async () => {
    const database = await createPostgresDatabase('slipway_server_main');
    const others: RunningServer[] = [];
    try {
      dir = await mkdtemp(join(tmpdir(), 'slipway-server-main-'));
      const options = { dataDir: dir, port: 0, logLevel: 'silent' as const, databaseUrl: database.url };
      server = await startServer({ ...options, instanceName: 'a' });
      await expect(startServer({ ...options, instanceName: 'a' })).rejects.toMatchObject({ code: 'SLIPWAY_INSTANCE_RUNNING' });
      others.push(await startServer({ ...options, instanceName: 'b' }));
      await server.close();
      server = undefined;
      others.push(await startServer({ ...options, instanceName: 'a' }));
    } finally {
      for (const other of others) await other.close();
      await server?.close();
      server = undefined;
      await database.drop();
    }
  }, 60_000);
});
