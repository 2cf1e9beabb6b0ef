// startServer's crash point, in process: process.exit is replaced so that the test survives it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
});

