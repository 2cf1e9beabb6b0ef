// The examples/postgres project, run as Slipway runs it but by hand: its slipway.yml migrates with
// migrate.sh, migrate.sh brings a real PostgreSQL database up to date once and records every run,
// server.js is healthy on it, and the rename-column change leaves the previous server.js unhealthy
// (what testing's rollback rehearsal catches) while the next one is healthy. Needs psql and
// SLIPWAY_TEST_POSTGRES_URL: without it the database part is skipped, but never in CI.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSlipwayConfig } from '../src/core/pipeline/parse-slipway-config.ts';
import { createPostgresDatabase, skipWithoutPostgres } from './support/postgres-database.ts';
import { freePort } from './support/slipway-processes.ts';
import { waitFor } from './support/wait-for.ts';

const example = join(import.meta.dirname, '../examples/postgres');
const change = join(example, 'changes/rename-column');

function exampleConfig() {
  const parsed = parseSlipwayConfig(readFileSync(join(example, 'slipway.yml'), 'utf8'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

if (skipWithoutPostgres) console.warn('examples-postgres.e2e: the PostgreSQL part is skipped, set SLIPWAY_TEST_POSTGRES_URL to run it');

describe('examples/postgres', () => {
  it('slipway.yml runs ./migrate.sh up for each deployment and rehearses the rollback in testing, not in production', () => {
    const config = exampleConfig();
    expect(config.migrate).toEqual({ run: './migrate.sh up', timeoutMs: 120_000 });
    expect(config.build.artifact).toEqual(['server.js', 'migrate.sh', 'migrations/']);
    expect(config.run).toMatchObject({ command: 'node server.js', health: { http: '/healthz' } });
    expect(config.environments.testing).toMatchObject({ rehearseRollback: true, verify: [{ run: 'node verify.js' }] });
    expect(config.environments.production).toMatchObject({ after: 'testing', approval: { required: 1 }, rehearseRollback: false });
  });

  describe.skipIf(skipWithoutPostgres)('on PostgreSQL', () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** An empty database of the test's own, dropped after it. */
    async function database(): Promise<string> {
      const db = await createPostgresDatabase('slipway_example');
      cleanups.push(() => db.drop());
      return db.url;
    }

    /** A release folder as an agent stages it: the artifact's paths of slipway.yml, then `overlay`'s files over them. */
    function release(overlay?: string): string {
      const dir = mkdtempSync(join(tmpdir(), 'slipway-example-postgres-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      for (const path of exampleConfig().build.artifact) cpSync(join(example, path), join(dir, path), { recursive: true });
      if (overlay) cpSync(overlay, dir, { recursive: true });
      return dir;
    }

    /** `./migrate.sh up` in `dir` with only what Slipway gives it: PATH, the secret and the deployment. */
    function migrate(dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile('./migrate.sh', ['up'], { cwd: dir, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
        });
      });
    }

    function psql(url: string, sql: string): Promise<string> {
      return new Promise((resolve, reject) => {
        execFile('psql', [url, '-X', '-tA', '-v', 'ON_ERROR_STOP=1', '-c', sql], (err, stdout, stderr) => {
          if (err) reject(new Error(stderr || err.message));
          else resolve(stdout.trim());
        });
      });
    }

    /** Starts the release's server.js as the supervisor would, and waits until it answers (healthy or not). */
    async function startApp(dir: string, url: string, version: string): Promise<string> {
      const port = await freePort();
      const child: ChildProcess = spawn(process.execPath, ['server.js'], {
        cwd: dir, env: { PATH: process.env.PATH, PORT: String(port), DATABASE_URL: url, SLIPWAY_VERSION: version }, stdio: 'ignore',
      });
      cleanups.push(async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(`${version} on port ${port}`, async () => (await fetch(`${base}/healthz`)).status > 0, { timeoutMs: 20_000 });
      return base;
    }

    /** testing's verify step, as a runner runs it from the repository with SLIPWAY_TARGETS. */
    function verify(targets: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile(process.execPath, ['verify.js'], { cwd: example, env: { PATH: process.env.PATH, SLIPWAY_TARGETS: targets.join(',') }, timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
        });
      });
    }

    async function get(url: string): Promise<{ status: number; body: string }> {
      const response = await fetch(url);
      return { status: response.status, body: (await response.text()).trim() };
    }

    it('migrate.sh up applies 001 and 002 on the first run, nothing on the second, and records both runs', async () => {
      const url = await database();
      const dir = release();

      const first = await migrate(dir, { DATABASE_URL: url, SLIPWAY_DEPLOYMENT_ID: 'dep-1' });
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toBe('applying 001-create-items.sql\napplying 002-add-price.sql\napplied 2 migration(s): the database is at 002-add-price\n');
      const second = await migrate(dir, { DATABASE_URL: url, SLIPWAY_DEPLOYMENT_ID: 'dep-2' });
      expect(second).toEqual({ code: 0, stdout: 'nothing to apply: the database is at 002-add-price\n', stderr: '' });

      expect(await psql(url, 'select version from schema_migrations order by version')).toBe('001-create-items\n002-add-price');
      expect(await psql(url, `select deployment || ' ' || (finished_at >= started_at) from migration_runs order by id`)).toBe('dep-1 true\ndep-2 true');
    });

    it('the app is healthy on the migrated database and lists its item', async () => {
      const url = await database();
      const dir = release();
      expect((await migrate(dir, { DATABASE_URL: url })).code).toBe(0);

      const app = await startApp(dir, url, '1-aaaaaaa');
      expect(await get(`${app}/healthz`)).toEqual({ status: 200, body: 'anchor' });
      expect(JSON.parse((await get(`${app}/items`)).body)).toEqual({ version: '1-aaaaaaa', items: [{ id: 1, name: 'anchor', priceCents: 4200 }] });
      expect(await verify([app])).toEqual({ code: 0, stdout: `${app}: inventory 1-aaaaaaa, 1 item(s), first {"id":1,"name":"anchor","priceCents":4200}\n`, stderr: '' });
    });

    it('after the rename-column change migrates, the previous server.js is unhealthy naming the column and the next one is healthy', async () => {
      const url = await database();
      const previous = release();
      const next = release(change);
      expect((await migrate(previous, { DATABASE_URL: url })).code).toBe(0);

      const migrated = await migrate(next, { DATABASE_URL: url, SLIPWAY_DEPLOYMENT_ID: 'dep-2' });
      expect(migrated).toMatchObject({ code: 0, stdout: 'applying 003-rename-name-to-title.sql\napplied 1 migration(s): the database is at 003-rename-name-to-title\n' });

      const old = await startApp(previous, url, '1-aaaaaaa');
      const health = await get(`${old}/healthz`);
      expect(health.status).toBe(503);
      expect(health.body).toContain('column "name" does not exist');
      const app = await startApp(next, url, '2-bbbbbbb');
      expect(await get(`${app}/healthz`)).toEqual({ status: 200, body: 'anchor' });
      expect(JSON.parse((await get(`${app}/items`)).body)).toMatchObject({ items: [{ title: 'anchor' }] });
      expect((await verify([app])).code).toBe(0);
      const verifyOld = await verify([old]);
      expect(verifyOld.code).not.toBe(0);
      expect(verifyOld.stderr).toContain(`${old}/healthz answered 503: ERROR:  column "name" does not exist`);
    });

    it('a migration that fails leaves the database as it was, exits non-zero and shows psql\'s error', async () => {
      const url = await database();
      const dir = release();
      expect((await migrate(dir, { DATABASE_URL: url })).code).toBe(0);
      writeFileSync(join(dir, 'migrations/003-add-sku.sql'), 'alter table items add column sku text;\nupdate items set sku = no_such_column;\n');

      const failed = await migrate(dir, { DATABASE_URL: url, SLIPWAY_DEPLOYMENT_ID: 'dep-2' });
      expect(failed.code).not.toBe(0);
      expect(failed.stdout).toBe('applying 003-add-sku.sql\n');
      expect(failed.stderr).toContain('column "no_such_column" does not exist');
      expect(failed.stderr).toContain('migrate.sh: 003-add-sku.sql failed: nothing of it was applied');

      expect(await psql(url, 'select version from schema_migrations order by version')).toBe('001-create-items\n002-add-price');
      expect(await psql(url, `select count(*) from information_schema.columns where table_name = 'items' and column_name = 'sku'`)).toBe('0');
      expect(await psql(url, `select deployment, finished_at is null from migration_runs where deployment = 'dep-2'`)).toBe('dep-2|t');
    });

    it('migrate.sh refuses to start without DATABASE_URL (exit 2), saying what to set', async () => {
      const ran = await migrate(release(), {});
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain('DATABASE_URL is not set');
    });
  });
});
