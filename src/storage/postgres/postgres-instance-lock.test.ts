// One process per instance name on a PostgreSQL database (SLIPWAY_TEST_POSTGRES_URL): a second is
// refused while the first lives, and takes the name at once when the first one's session ends.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { PostgresInstanceLock } from './postgres-instance-lock.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL || undefined;

describe.skipIf(url === undefined && process.env.CI !== 'true')('PostgresInstanceLock', () => {
  const taken: PostgresInstanceLock[] = [];
  afterEach(async () => {
    for (const lock of taken.splice(0)) await lock.release();
  });
  const take = async (name: string, retryMs = 50) => {
    if (url === undefined) throw new Error('SLIPWAY_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL tests');
    const lock = await PostgresInstanceLock.take(url, name, { retryMs });
    taken.push(lock);
    return lock;
  };
  const name = () => `host:127.0.0.1:${randomUUID()}`;

  it('holds its name on a session that PostgreSQL ends within seconds once the process vanished (TCP keepalive), not hours', async () => {
    const lock = await take(name());
    // The lock's own session, as PostgreSQL runs it.
    const session = (lock as unknown as { client: pg.Client }).client;
    const { rows } = await session.query<{ idle: string; interval: string; count: string }>(
      `select current_setting('tcp_keepalives_idle') as idle, current_setting('tcp_keepalives_interval') as interval, current_setting('tcp_keepalives_count') as count`);
    const seconds = Number(rows[0]!.idle) + Number(rows[0]!.interval) * Number(rows[0]!.count);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(30);
  });

  it('refuses a second process the name of a live one, and gives it another name', async () => {
    const instance = name();
    const first = await take(instance);
    await expect(take(instance)).rejects.toMatchObject({ code: 'SLIPWAY_INSTANCE_RUNNING' });
    await take(name());
    expect(first.held()).toBe(true);
    await first.release();
    expect((await take(instance)).held()).toBe(true);
  });

  it('frees the name at once when the holder\'s session ends, and the holder does not take it back from the new process', async () => {
    const instance = name();
    // It tries to take the lock back 300 ms after losing it: the new process comes first here.
    const first = await take(instance, 300);
    // The first process's session ends as it would when the process dies.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted
        and objid = (hashtextextended('slipway instance ' || current_schema() || ' ' || $1, 0) & 4294967295)::oid`, [instance]);
    } finally {
      await admin.end();
    }
    await waitFor('the first to see it lost the lock', () => !first.held(), { timeoutMs: 5000, intervalMs: 20 });
    const second = await waitFor('a new process to take the name', () => take(instance).catch(() => undefined), { timeoutMs: 5000, intervalMs: 20 });
    expect(second.held()).toBe(true);
    // The first keeps trying (every 300 ms here) and keeps being refused.
    await new Promise((r) => setTimeout(r, 700));
    expect(first.held()).toBe(false);
  }, 30_000);
});
