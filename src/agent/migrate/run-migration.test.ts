// A migration run by the agent: real `sh`, real files, a real process group stopped by signals.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../base/clock.ts';
import type { LogLineDraft } from '../spool/log-spool.ts';
import { groupIsAlive } from '../runner/process-group.ts';
import { migrationsDir } from './migration-marker.ts';
import { runMigration, type MigrateCommand, type RunMigrationDeps } from './run-migration.ts';

const VERSION = '12-abc1234';

function migrate(run: string, extra: Partial<MigrateCommand> = {}): MigrateCommand {
  return { kind: 'migrate', app: 'shop', version: VERSION, env: 'production', deploymentId: 'dep-7', runId: 'run-3', run, timeoutMs: 10_000, port: 4100, ...extra };
}

/** Whether `pid` is a process that has not ended (a zombie nobody reaps has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await delay(20);
  }
}

describe('runMigration', () => {
  let root = '';
  let release = '';
  let lines: LogLineDraft[] = [];
  let deps: RunMigrationDeps;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'slipway-migrate-'));
    release = join(root, 'apps', 'shop', 'releases', VERSION);
    mkdirSync(release, { recursive: true });
    lines = [];
    deps = {
      root, host: 'web-1', clock: systemClock, killGraceMs: 300, log: (line) => lines.push(line),
      baseEnv: { PATH: process.env.PATH, LANG: 'C.UTF-8', SLIPWAY_TOKEN: 'the-agents-own-token' },
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs in the staged release with the app\'s environment and the secrets, every line tagged with the deployment', async () => {
    const run = 'pwd; echo "PORT=$PORT ENV=$SLIPWAY_ENV APP=$SLIPWAY_APP VERSION=$SLIPWAY_VERSION HOST=$SLIPWAY_HOST DEPLOYMENT=$SLIPWAY_DEPLOYMENT_ID"; '
      + 'echo "DATABASE_URL=$DATABASE_URL TOKEN=${SLIPWAY_TOKEN:-none}"; echo "WARN: table orders is large" >&2; echo "no level here" >&2';
    const result = await runMigration(deps, 'cmd-1', migrate(run), { DATABASE_URL: 'postgres://app@db/shop', PORT: '1' });

    const out = [
      realpathSync(release),
      'PORT=4100 ENV=production APP=shop VERSION=12-abc1234 HOST=web-1 DEPLOYMENT=dep-7',
      'DATABASE_URL=postgres://app@db/shop TOKEN=none',
    ];
    // The lines go to the spool, which masks them; the tail (kept in the marker on disk) is masked already.
    expect(lines.filter((l) => l.stream === 'migrate').map((l) => l.text)).toEqual(expect.arrayContaining([...out, 'WARN: table orders is large', 'no level here']));
    expect(result).toEqual({ ok: true, logTail: lines.map((l) => l.text.replace('postgres://app@db/shop', '***')) });
    for (const line of lines) expect(line).toMatchObject({ stream: 'migrate', app: 'shop', env: 'production', runId: 'run-3', deploymentId: 'dep-7' });
    const level = (text: string) => lines.find((l) => l.text === text)?.level;
    expect(level(out[0]!)).toBeNull();
    expect(level('WARN: table orders is large')).toBe('warn');
    expect(level('no level here')).toBe('error');
  });

  it('answers a non-zero exit with its code and the last 20 lines', async () => {
    const result = await runMigration(deps, 'cmd-1', migrate('for i in $(seq 1 30); do echo "line $i"; done; exit 3'), {});
    expect(result).toEqual({
      ok: false, step: 'migrate', exitCode: 3, error: 'the migration exited with code 3',
      logTail: Array.from({ length: 20 }, (_, i) => `line ${i + 11}`),
    });
  });

  it('stops a migration past its time limit, with what it started, also when it ignores SIGTERM', async () => {
    // `trap '' TERM` is inherited: the background sleep ignores SIGTERM too, so only SIGKILL ends them.
    const run = 'trap "" TERM; sleep 300 & echo "grandchild $!"; echo "shell $$"; echo started; while true; do sleep 0.05; done';
    const started = Date.now();
    const result = await runMigration(deps, 'cmd-1', migrate(run, { timeoutMs: 1000 }), {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result).toMatchObject({ ok: false, step: 'migrate', error: 'the migration did not end within 1s: stopped' });
    expect(result.logTail).toContain('started');
    const pid = (name: string) => Number(result.logTail?.find((t) => t.startsWith(`${name} `))?.split(' ')[1]);
    expect(pid('shell')).toBeGreaterThan(1);
    expect(running(pid('grandchild'))).toBe(false);
    expect(running(pid('shell'))).toBe(false);
    expect(await groupIsAlive(pid('shell'))).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('ends what a migration started with setsid when it ends, in a PID namespace of its own (a root agent)', async () => {
    const marker = `${3000 + Math.floor(Math.random() * 900)}.123`;
    const escaped = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).some((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\0${marker}\0`;
      } catch {
        return false;
      }
    });
    const run = `setsid sleep ${marker} </dev/null >/dev/null 2>&1 & sleep 0.3; pgrep -f "sleep ${marker}" >/dev/null && echo "left its group"; exit 3`;
    try {
      const result = await runMigration({ ...deps, pidNamespace: true }, 'cmd-ns', migrate(run), {});
      expect(result).toMatchObject({ ok: false, exitCode: 3 });
      expect(result.logTail).toContain('left its group');
      await waitFor(() => !escaped(), 3000);
    } finally {
      spawnSync('pkill', ['-f', `sleep ${marker}`]);
    }
  });

  it('lets a migration with a time limit of 30 days run to its end (a timer past 24.8 days would fire at once)', async () => {
    const result = await runMigration(deps, 'cmd-1', migrate('sleep 0.3; echo applied', { timeoutMs: 30 * 86_400_000 }), {});
    expect(result).toEqual({ ok: true, logTail: ['applied'] });
  });

  it('refuses a version that is not staged on the host, and leaves no marker', async () => {
    const result = await runMigration(deps, 'cmd-1', migrate('echo ran', { version: '13-def5678' }), {});
    expect(result).toEqual({ ok: false, step: 'migrate', error: 'release 13-def5678 of shop is not staged on this host' });
    expect(lines).toEqual([]);
    expect(existsSync(migrationsDir(root)) ? readdirSync(migrationsDir(root)) : []).toEqual([]);
  });

  it('answers the recorded result again, without running, when the same command comes back', async () => {
    const count = join(root, 'runs');
    const first = await runMigration(deps, 'cmd-1', migrate(`echo run >> ${count}; echo "migrated 4 tables"`), {});
    expect(first).toEqual({ ok: true, logTail: ['migrated 4 tables'] });
    // Even with the release gone since, the command's answer stands.
    rmSync(release, { recursive: true });
    expect(await runMigration(deps, 'cmd-1', migrate(`echo run >> ${count}`), {})).toEqual(first);
    expect(readFileSync(count, 'utf8')).toBe('run\n');
  });

  it('keeps the secrets the migration printed off the disk: its marker holds the lines masked', async () => {
    const secret = 'Db-Pass-Hunter2-4711';
    const run = 'echo "connecting with password $PGPASSWORD"; echo "auth failed for $PGPASSWORD" >&2; exit 3';
    const result = await runMigration(deps, 'cmd-1', migrate(run), { PGPASSWORD: secret });
    expect(result).toMatchObject({ ok: false, logTail: ['connecting with password ***', 'auth failed for ***'] });
    const onDisk = readdirSync(migrationsDir(root)).map((name) => readFileSync(join(migrationsDir(root), name), 'utf8')).join('\n');
    expect(onDisk).toContain('connecting with password ***');
    expect(onDisk).not.toContain(secret);
  });

  it('does not run again a migration an agent began and never finished, and says its outcome is unknown', async () => {
    const count = join(root, 'runs');
    const abort = new AbortController();
    const running = runMigration({ ...deps, signal: abort.signal }, 'cmd-1', migrate(`echo run >> ${count}; echo started; sleep 30`), {});
    await waitFor(() => lines.some((l) => l.text === 'started'));
    abort.abort();
    expect(await running).toMatchObject({ ok: false, step: 'migrate', errorCode: 'SLIPWAY_MIGRATION_OUTCOME_UNKNOWN', error: 'the agent stopped while the migration ran: it was stopped, and may have half-run' });

    const again = await runMigration(deps, 'cmd-1', migrate(`echo run >> ${count}`), {});
    expect(again).toEqual({
      ok: false, step: 'migrate', errorCode: 'SLIPWAY_MIGRATION_OUTCOME_UNKNOWN',
      error: expect.stringMatching(/^this migration began at \d{4}-\d\d-\d\dT[\d:.]+Z before the agent restarted; whether it finished is not known, so it is not run again: check the database, then deploy again$/) as string,
    });
    expect(readFileSync(count, 'utf8')).toBe('run\n');
  });
});
