// Crash at every write (DESIGN §3, CONVENTIONS 14), the part that tests share: a server armed to
// exit right after its Nth store transaction, started again on the same data, and the checks that
// the work ended as if nothing had happened. CI tries a sample of crash points;
// SLIPWAY_CRASH_SWEEP=all (`npm run test:crash`) tries every one, SLIPWAY_CRASH_POINTS=4,9 just those.
import type SqliteDatabase from 'better-sqlite3';
import { expect } from 'vitest';
import { SlipwayError } from '../../src/base/errors.ts';
import type { TestFleet } from './test-fleet.ts';
import { waitFor } from './wait-for.ts';

const CRASH_ENV = 'SLIPWAY_TEST_CRASH_AFTER_TRANSACTIONS';
const CRASH_EXIT_CODE = 86;

export type Row = Record<string, unknown>;

export interface CrashSweepOptions {
  /** How many agents the fleet has: after each start of the server, all of them are online again. */
  agents: number;
  /** The crash points CI tries, ascending; SLIPWAY_CRASH_POINTS replaces them. */
  sample: number[];
}

export class CrashSweep {
  /** The crash points tried by each sweep, by its name (print them at the end). */
  readonly tried: Record<string, number[]> = {};
  private readonly everyPoint = process.env.SLIPWAY_CRASH_SWEEP === 'all';
  private readonly chosen = process.env.SLIPWAY_CRASH_POINTS?.split(',').map(Number);

  /** `db` is the server's database, opened read-only. */
  constructor(private readonly fleet: TestFleet, private readonly db: SqliteDatabase.Database, private readonly options: CrashSweepOptions) {}

  query<T = Row>(text: string, ...params: unknown[]): T[] {
    return this.db.prepare(text).all(...params) as T[];
  }

  one<T = Row>(text: string, ...params: unknown[]): T | undefined {
    return this.query<T>(text, ...params)[0];
  }

  /** The deployment created last. */
  newestDeployment(): { id: string; status: string } | undefined {
    return this.one<{ id: string; status: string }>('select id, status from deployments order by created_at desc, rowid desc limit 1');
  }

  /** Whether a deployment newer than `after` exists and has ended: the `ended` of a deployment's crashAt. */
  deploymentEnded(after: string | undefined): () => boolean {
    return () => {
      const d = this.newestDeployment();
      return d !== undefined && d.id !== after && ['succeeded', 'rolled_back', 'failed'].includes(d.status);
    };
  }

  async allAgentsOnline(): Promise<void> {
    const { agents } = this.options;
    await waitFor('every agent online', () => this.one<{ n: number }>('select count(*) as n from agents where online = 1')?.n === agents, { timeoutMs: 30_000, intervalMs: 50 });
  }

  /**
   * One crash point: the server starts armed to exit after transaction `n`, `begin` starts the work
   * (its answer may be cut off by the crash), and `ended` says when the work is done. Returns false
   * when the work ended without the server reaching `n`: then `n` is past its last write.
   */
  async crashAt(n: number, begin: () => Promise<unknown>, ended: () => boolean): Promise<boolean> {
    const { fleet } = this;
    await fleet.server.kill('SIGTERM');
    await fleet.startServer({ [CRASH_ENV]: String(n) });
    await this.allAgentsOnline();
    // The crash may cut the answer off; a refusal by the server is a failure of the test.
    await begin().catch((err: unknown) => {
      if (!(err instanceof SlipwayError) || err.code !== 'SLIPWAY_SERVER_UNREACHABLE') throw err;
    });
    const outcome = await waitFor(`crash point ${n} or the end of the work`, () => (!fleet.server.alive ? 'crashed' : ended() ? 'ended' : undefined), { timeoutMs: 60_000, intervalMs: 20 });
    if (outcome === 'ended') {
      // The last transaction may be the one that ends the work: the exit follows at once.
      const exited = await waitFor('the server to exit', () => !fleet.server.alive || undefined, { timeoutMs: 1000, intervalMs: 20 }).catch(() => false);
      if (!exited) return false;
    }
    expect(fleet.server.child.exitCode, `exit code at crash point ${n}`).toBe(CRASH_EXIT_CODE);
    await fleet.startServer();
    await waitFor(`the work to end after crash point ${n}`, ended, { timeoutMs: 90_000, intervalMs: 50 });
    return true;
  }

  /**
   * Tries `point` at every crash point of the sample (or every one, until `point` returns false:
   * the work ended before the server reached it), then leaves a server running that is not armed.
   * `sample` replaces the options' one for this sweep.
   */
  async sweep(name: string, point: (n: number) => Promise<boolean>, sample = this.options.sample): Promise<void> {
    const points = this.chosen ?? sample;
    const tried: number[] = [];
    this.tried[name] = tried;
    for (let n = 1; this.everyPoint || n <= points.at(-1)!; n++) {
      if (!this.everyPoint && !points.includes(n)) continue;
      if (!(await point(n))) break;
      tried.push(n);
    }
    // The last server started may still be armed: what comes next runs on one that is not.
    await this.fleet.server.kill('SIGTERM');
    await this.fleet.startServer();
    await this.allAgentsOnline();
    expect(tried.length, `crash points of ${name}`).toBeGreaterThan(0);
  }

  /** Nothing is left in progress anywhere: runs, jobs, deployments (rehearsals too) and commands (`lb` ones too) have all ended. */
  expectAllAtRest(): void {
    expect(this.query('select id, status from deployments where finished_at is null')).toEqual([]);
    expect(this.query(`select id, status from deployments where status in
      ('staging', 'migrating', 'activating', 'rolling_back', 'rehearsing', 'verifying', 'returning')`)).toEqual([]);
    expect(this.query("select id, status from runs where status in ('queued', 'running')")).toEqual([]);
    expect(this.query("select id, status from jobs where status in ('queued', 'running')")).toEqual([]);
    expect(this.query('select id, agent_id from agent_commands where result is null')).toEqual([]);
    expect(this.query('select deployment_id, host_name, step from deployment_hosts where command_id is not null')).toEqual([]);
    expect(this.query(`select s.name, s.status from stages s join runs r on r.id = s.run_id
      where s.status not in ('succeeded', 'failed', 'skipped')`)).toEqual([]);
  }

  /** No command of the deployment ran twice on a host: each staging and each activation of a version at most once. */
  expectNoCommandRanTwice(deploymentId: string): void {
    const lines = this.query<{ host: string; text: string }>("select host, text from log_lines where deployment_id = ? and stream = 'deploy'", deploymentId);
    const starts = lines.filter((l) => /^(staging|activating) /.test(l.text)).map((l) => `${l.host}: ${l.text.replace(/ \(\d+ bytes\)$/, '')}`);
    expect(starts.length, `deploy lines of ${deploymentId}: ${starts.join('; ')}`).toBe(new Set(starts).size);
  }
}
