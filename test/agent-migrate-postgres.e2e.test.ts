// A `migrate` command run by the agent's executor against a real PostgreSQL (SLIPWAY_TEST_POSTGRES_URL)
// with real psql: the migration reaches the database through the environment's secret
// DATABASE_URL, a replay to a restarted agent does not apply it twice, and a failing statement is
// answered with psql's exit code and its error in the tail. Each test has a database of its own.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../src/agent/command-executor.ts';
import type { LogLineDraft } from '../src/agent/spool/log-spool.ts';
import { AppSupervisors } from '../src/agent/supervisor/app-supervisors.ts';
import type { Command, CommandResult } from '../src/core/protocol/messages.ts';
import { waitFor } from './support/wait-for.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;
const VERSION = '21-0abcdef';

if (url === undefined || url === '') {
  describe.skip('the agent migrating PostgreSQL (set SLIPWAY_TEST_POSTGRES_URL to run)', () => {
    it('runs a migration with psql', () => undefined);
  });
} else {
  describeWithPostgres(url);
}

function describeWithPostgres(adminUrl: string): void {
  describe('the agent migrating PostgreSQL', () => {
    let root = '';
    let database = '';
    let databaseUrl = '';

    const admin = async <T>(work: (client: pg.Client) => Promise<T>, connectionString = adminUrl): Promise<T> => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    };

    beforeEach(async () => {
      root = mkdtempSync(join(tmpdir(), 'slipway-migrate-pg-'));
      database = `slipway_migrate_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
      await admin((c) => c.query(`create database "${database}"`));
      const parsed = new URL(adminUrl);
      parsed.pathname = `/${database}`;
      databaseUrl = parsed.toString();
      const release = join(root, 'apps', 'shop', 'releases', VERSION);
      mkdirSync(join(release, 'migrations'), { recursive: true });
      writeFileSync(join(release, 'migrations', '001-orders.sql'), [
        'create table orders (id serial primary key, total numeric not null);',
        'create table if not exists applied (name text);',
        "insert into applied values ('001-orders');",
      ].join('\n'));
      writeFileSync(join(release, 'migrations', 'broken.sql'), "insert into applied values ('partial');\nselect * from no_such_table;\n");
    });

    afterEach(async () => {
      rmSync(root, { recursive: true, force: true });
      await admin((c) => c.query(`drop database if exists "${database}" with (force)`));
    });

    function agent(): { executor: CommandExecutor; results: Map<string, CommandResult>; lines: LogLineDraft[] } {
      const results = new Map<string, CommandResult>();
      const lines: LogLineDraft[] = [];
      const executor = new CommandExecutor({
        host: { root, host: 'db-host', port: null, apps: new AppSupervisors(), baseEnv: { PATH: process.env.PATH } },
        serverUrl: 'http://127.0.0.1:1', token: () => 'unused', jobs: { workRoot: `${root}-work` },
        log: (line) => lines.push(line), onResult: (id, result) => results.set(id, result), onAppsChanged: () => undefined,
      });
      return { executor, results, lines };
    }

    const migrate = (file: string): Command => ({
      kind: 'migrate', app: 'shop', version: VERSION, env: 'production', deploymentId: 'dep-9', runId: 'run-9',
      run: `psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f migrations/${file}`, timeoutMs: 60_000, port: 4100,
    });

    it('applies the migration with the secret DATABASE_URL once, also when a restarted agent is sent it again', async () => {
      const first = agent();
      first.executor.handle('cmd-1', migrate('001-orders.sql'), { DATABASE_URL: databaseUrl });
      await waitFor('the migration to end', () => first.results.has('cmd-1'), { timeoutMs: 30_000 });
      await first.executor.close();
      const result = first.results.get('cmd-1');
      expect(result).toEqual({ ok: true, logTail: ['CREATE TABLE', 'CREATE TABLE', 'INSERT 0 1'] });
      expect(first.lines.filter((l) => l.stream === 'migrate').map((l) => l.deploymentId)).toEqual(['dep-9', 'dep-9', 'dep-9']);

      const second = agent();
      second.executor.handle('cmd-1', migrate('001-orders.sql'), { DATABASE_URL: databaseUrl });
      await second.executor.close();
      expect(second.results.get('cmd-1')).toEqual(result);
      const applied = await admin((c) => c.query<{ name: string }>('select name from applied'), databaseUrl);
      expect(applied.rows).toEqual([{ name: '001-orders' }]);
    });

    it('answers a failing statement with psql\'s exit code and its error in the tail', async () => {
      const { executor, results, lines } = agent();
      await admin((c) => c.query('create table applied (name text)'), databaseUrl);
      executor.handle('cmd-2', migrate('broken.sql'), { DATABASE_URL: databaseUrl });
      await waitFor('the migration to end', () => results.has('cmd-2'), { timeoutMs: 30_000 });
      await executor.close();
      const result = results.get('cmd-2');
      expect(result).toMatchObject({ ok: false, step: 'migrate', exitCode: 3, error: 'the migration exited with code 3' });
      const error = result?.logTail?.find((text) => text.includes('relation "no_such_table" does not exist'));
      expect(error).toBeDefined();
      expect(lines.find((l) => l.text === error)).toMatchObject({ stream: 'migrate', level: 'error' });
    });
  });
}
