// Runs one app version's process (`run.command` via `sh -c` in the release folder), restarts it
// when it crashes, and stops its whole process group when asked (DESIGN §6). The app's stdout and
// stderr are files, so that it can go on writing while the agent is down.
import type { ChildProcess } from 'node:child_process';
import { errorMessage } from '../../base/errors.ts';
import { signalGroup } from '../process-signals.ts';
import { appPaths } from '../releases/app-paths.ts';
import type { AppState } from '../releases/app-state.ts';
import { appEnvironment } from './app-environment.ts';
import { describeExit, type AppExit } from './app-exit.ts';
import { AppPidRecord, newAppInstance } from './app-pid-record.ts';
import { LogRing } from './log-ring.ts';
import { OutputTail } from './output-tail.ts';
import { listGroupMembers } from './proc-info.ts';
import { spawnWithOutputFiles } from './spawn-with-output-files.ts';
import { terminate } from './terminate.ts';

export interface BackoffOptions {
  /** Wait before the first restart (default 500 ms); doubles with each crash in a row. */
  initialMs?: number;
  /** Longest wait between restarts (default 30 s). */
  maxMs?: number;
  /** A run at least this long counts as healthy and resets the doubling (default 10 s). */
  stableMs?: number;
}

export interface AppSupervisorOptions {
  /** The agent's --root: the pid is recorded in <root>/apps/<app>/state.json. */
  root: string;
  app: string;
  version: string;
  /** SLIPWAY_ENV and SLIPWAY_HOST for the app. */
  env: string;
  host: string;
  command: string;
  port: number;
  /** Grace period between SIGTERM and SIGKILL. */
  stopTimeoutMs: number;
  /** The release folder (current resolved): the app's working directory. */
  cwd: string;
  /** The environment the app inherits (default the agent's); its SLIPWAY_* variables are not passed on. */
  baseEnv?: NodeJS.ProcessEnv;
  /** The environment's secrets, as variables; PORT and SLIPWAY_* win over them. */
  secrets?: Record<string, string>;
  /** The supervisor's notes about the app (crashes, restarts, forced kills). */
  onNote?: (text: string, level?: string) => void;
  backoff?: BackoffOptions;
  /**
   * The marker (SLIPWAY_INSTANCE) of the processes it starts, when the caller wrote it to
   * state.json already (newAppInstance); default: a new one, written before the first start.
   */
  instance?: string;
  /**
   * Changes to state.json that go to disk in the same write as the first process's record (its
   * pid, or that it could not start): an activation settles its switch there (settleSwitch), one
   * wait for the disk after the start instead of one before it.
   */
  firstRecord?: (state: AppState) => void;
}

export type SupervisorState = 'idle' | 'running' | 'waiting' | 'stopping' | 'stopped';

export interface SupervisorStatus {
  state: SupervisorState;
  /** The running process group's id (its leader's pid). */
  pid: number | null;
  starts: number;
  /** Exits that happened while the app should have been running. */
  crashes: number;
  lastExit: AppExit | null;
}

/**
 * Supervises one app version. `start()` spawns the command detached (its own process group) with
 * PORT, SLIPWAY_APP, SLIPWAY_VERSION, SLIPWAY_ENV, SLIPWAY_HOST and SLIPWAY_INSTANCE set, its
 * stdout and stderr appended (O_APPEND) to <root>/apps/<app>/logs/stdout.log and stderr.log, records
 * the group in state.json (so killOrphan can find it after an agent crash) and restarts it after
 * each crash with capped exponential backoff. `stop()` ends the whole group: SIGTERM, then SIGKILL
 * after stopTimeoutMs; no restart happens once stopping. A supervisor is used once: after stop it
 * stays stopped.
 */
export class AppSupervisor {
  readonly app: string;
  readonly version: string;
  private readonly instance: string;
  private readonly tail = new LogRing(50);
  private readonly output: OutputTail;
  private state: SupervisorState = 'idle';
  private child: ChildProcess | undefined;
  private childRunning = false;
  private exited: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private starts = 0;
  private crashes = 0;
  private crashesInARow = 0;
  private lastExit: AppExit | null = null;
  private readonly record: AppPidRecord;

  constructor(private readonly options: AppSupervisorOptions) {
    this.app = options.app;
    this.version = options.version;
    this.instance = options.instance ?? newAppInstance();
    this.record = new AppPidRecord(options.root, options.app, this.instance, options.firstRecord, (text) => this.note(text));
    const paths = appPaths(options.root, options.app);
    this.output = new OutputTail([paths.stdoutLog, paths.stderrLog]);
    this.output.mark();
  }

  /** Starts the app; does nothing if it was started before. */
  start(): void {
    if (this.state !== 'idle') return;
    this.spawnOnce();
  }

  /**
   * Stops the app and everything in its process group; resolves once they are gone. Safe to call
   * twice (the first call's options hold). `keepRecord` leaves the group's pid in state.json, for a
   * caller that writes the next process's record at once (an activation): one wait for the disk
   * less, and safe, as a recorded group that is gone is recognised as gone (killOrphan).
   */
  stop(options: { keepRecord?: boolean } = {}): Promise<void> {
    this.stopping ??= this.stopNow(options.keepRecord ?? false);
    return this.stopping;
  }

  status(): SupervisorStatus {
    return {
      state: this.state,
      pid: this.childRunning ? (this.child?.pid ?? null) : null,
      starts: this.starts,
      crashes: this.crashes,
      lastExit: this.lastExit,
    };
  }

  /** The last 50 lines this supervisor's app wrote (and the supervisor's notes about it), oldest first. */
  logTail(): string[] {
    this.collectOutput();
    return this.tail.toArray();
  }

  private spawnOnce(): void {
    const o = this.options;
    const startedAt = Date.now();
    this.state = 'running';
    this.starts += 1;
    // The marker goes to disk before the app starts: an agent killed in between can still find it.
    this.record.recordMarker();
    let child: ChildProcess;
    try {
      child = spawnWithOutputFiles(appPaths(o.root, this.app), o.command, o.cwd, this.childEnv());
    } catch (err) {
      // The output files could not be opened: as a start that failed, retried with backoff.
      this.child = undefined;
      this.afterExit(undefined, { code: null, signal: null, error: `its output files: ${errorMessage(err)}`, at: Date.now() }, 0);
      return;
    }
    this.child = child;
    this.childRunning = true;
    this.exited = new Promise<void>((resolve) => {
      const finish = (exit: AppExit) => {
        if (!this.childRunning || this.child !== child) return;
        this.childRunning = false;
        this.afterExit(child.pid, exit, Date.now() - startedAt);
        resolve();
      };
      child.once('exit', (code, signal) => finish({ code, signal, at: Date.now() }));
      child.once('error', (err) => finish({ code: null, signal: null, error: errorMessage(err), at: Date.now() }));
    });
    if (child.pid !== undefined) this.record.recordPid(child.pid);
  }

  private afterExit(pid: number | undefined, exit: AppExit, ranMs: number): void {
    this.lastExit = exit;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.crashes += 1;
    // The leader is gone; whatever it left in its group would hold the port the next start needs.
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    this.record.clearPid(pid);
    const backoff = this.options.backoff ?? {};
    if (ranMs >= (backoff.stableMs ?? 10_000)) this.crashesInARow = 0;
    this.crashesInARow += 1;
    const delay = Math.min((backoff.initialMs ?? 500) * 2 ** (this.crashesInARow - 1), backoff.maxMs ?? 30_000);
    this.note(`[slipway] ${this.app} ${this.version} ${describeExit(exit)}; restarting in ${delay}ms`);
    this.state = 'waiting';
    this.restartTimer = setTimeout(() => {
      if (this.state === 'waiting') this.spawnOnce();
    }, delay);
  }

  private async stopNow(keepRecord: boolean): Promise<void> {
    const previous = this.state;
    this.state = 'stopping';
    clearTimeout(this.restartTimer);
    const pid = this.child?.pid;
    if (previous !== 'idle' && pid !== undefined) {
      const wasRunning = this.childRunning;
      const signalled = Date.now();
      const result = await terminate({
        signal: (signal) => signalGroup(pid, signal),
        // kill(-pgid, 0) answers "gone" without reading all of /proc (a few ms with a few hundred
        // processes, between the old app's exit and the new one's start); only a group that
        // still has members (maybe zombies) is listed.
        alive: () => this.childRunning || (signalGroup(pid, 0) && listGroupMembers(pid).length > 0),
        timeoutMs: this.options.stopTimeoutMs,
        wake: this.exited,
      });
      await this.exited;
      if (result.forced) {
        this.note(`[slipway] ${this.app} ${this.version} ignored SIGTERM for ${this.options.stopTimeoutMs}ms: killed`);
      }
      if (!result.stopped) this.note(`[slipway] ${this.app} ${this.version}: process group ${pid} survived SIGKILL`);
      // When the old process was seen gone: how long the app takes to stop, up to its very end
      // (an interpreter's teardown comes after its last line). Straight to onNote: this runs
      // between an old process's exit and the next one's start, where reading its output for
      // the tail would only add to the wait.
      if (wasRunning && result.stopped && !result.forced) this.options.onNote?.(`[slipway] ${this.app} ${this.version} stopped ${Date.now() - signalled} ms after SIGTERM`, 'info');
      if (!keepRecord) this.record.clearPid(pid);
    }
    this.state = 'stopped';
  }

  private childEnv(): NodeJS.ProcessEnv {
    const o = this.options;
    return { ...appEnvironment(o), SLIPWAY_INSTANCE: this.instance };
  }

  /** A note of the supervisor: kept in the tail after what the app wrote before it. */
  private note(text: string): void {
    this.collectOutput();
    this.tail.push(text);
    this.options.onNote?.(text);
  }

  private collectOutput(): void {
    for (const text of this.output.collect()) this.tail.push(text);
  }
}
