// Runs the Notifier contract against PostgreSQL (SLIPWAY_TEST_POSTGRES_URL), plus what only this
// adapter promises: another instance hears it, and a broken listening connection comes back.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { describeNotifierContract } from '../contract/notifier-contract.ts';
import { PostgresNotifier } from './postgres-notifier.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL || undefined;

if (url === undefined) {
  if (process.env.CI === 'true') {
    describe('PostgresNotifier', () => {
      it('runs in CI, which must set SLIPWAY_TEST_POSTGRES_URL', () => {
        throw new Error('SLIPWAY_TEST_POSTGRES_URL is not set: CI must run the notifier contract against PostgreSQL');
      });
    });
  } else {
    describe.skip('PostgresNotifier (set SLIPWAY_TEST_POSTGRES_URL to run)', () => {
      it('runs the notifier contract against PostgreSQL', () => undefined);
    });
  }
} else {
  describePostgres(url);
}

function describePostgres(url: string): void {
  describeNotifierContract('PostgresNotifier', () => PostgresNotifier.open(url));

  describe('PostgresNotifier across instances', () => {
    const opened: PostgresNotifier[] = [];
    afterEach(async () => {
      for (const n of opened.splice(0)) await n.close();
    });
    const open = async (options = {}) => {
      const n = await PostgresNotifier.open(url, options);
      opened.push(n);
      return n;
    };
    const channel = () => `changes_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

    it('hands what one instance notifies to another instance\'s listeners', async () => {
      const [a, b] = [await open(), await open()];
      const ch = channel();
      const heard: string[] = [];
      await b.listen(ch, (p) => heard.push(p));
      await a.notify(ch, 'from a');
      await waitUntil(() => heard.length === 1);
      expect(heard).toEqual(['from a']);
    });

    it('listens again after its connection was terminated, and hears what is notified then', async () => {
      const errors: string[] = [];
      const a = await open({ reconnectMs: 50, onError: (message: string) => errors.push(message) });
      const b = await open();
      const ch = channel();
      const heard: string[] = [];
      await a.listen(ch, (p) => heard.push(p));
      // What an administrator or a database restart does to the listening session.
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ n: number }>(
          'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where pid <> pg_backend_pid() and query = $1', [`listen ${ch}`],
        );
        expect(rows[0]?.n).toBe(1);
      } finally {
        await admin.end();
      }
      // A wake-up is lost while it is down: the sender repeats until the listener is back.
      await waitUntil(async () => {
        await b.notify(ch, 'after');
        return heard.includes('after');
      });
      expect(errors.some((e) => e.includes('the notification connection broke'))).toBe(true);
    });

    it('sends the LISTENs of channels listened to at once one after the other on its connection', async () => {
      // pg warns of a query sent while another runs on the same client, and pg 9 refuses it.
      // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was; called with apply
      const original = pg.Client.prototype.query;
      const running = new Map<unknown, number>();
      let most = 0;
      const spy = function (this: pg.Client, ...args: unknown[]) {
        const text = typeof args[0] === 'string' ? args[0] : '';
        if (!text.startsWith('listen ')) return (original as (...a: unknown[]) => unknown).apply(this, args);
        running.set(this, (running.get(this) ?? 0) + 1);
        most = Math.max(most, running.get(this)!);
        const done = () => running.set(this, running.get(this)! - 1);
        const result = (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        result.then(done, done);
        return result;
      };
      const notifier = await open();
      pg.Client.prototype.query = spy as typeof original;
      try {
        const channels = Array.from({ length: 5 }, channel);
        await Promise.all(channels.map((ch) => notifier.listen(ch, () => undefined)));
      } finally {
        pg.Client.prototype.query = original;
      }
      expect(most).toBe(1);
      expect(running.size).toBe(1);
    });
  });
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
