// The central log's view of the apps on this host: for each app, a follower of its stdout/stderr
// files and of the log files its slipway.yml declares, whose lines go to the spool tagged with
// the app, environment, run and deployment of the activation that started it.
import path from 'node:path';
import type { LogSpool } from '../spool/log-spool.ts';
import { appPaths } from '../releases/app-paths.ts';
import { FileFollower, type FilePosition, type FollowedLine, type FollowerSink } from './file-follower.ts';
import { resolveGlob } from './glob-files.ts';
import { parseLevel } from './parse-level.ts';

/** What an app's lines are tagged with, and which files it declares. */
export interface AppLogSpec {
  app: string;
  env: string | null;
  runId: string | null;
  deploymentId: string | null;
  /** slipway.yml `logs`: globs, relative ones under <root>/apps/<app>/. */
  logs: string[];
}

/** What activation, resume and deactivation need of the app logs (AppHostDeps.logs). */
export interface AppLogsPort {
  /** Starts following the app's files with these tags (before the app starts); the same spec again changes nothing. */
  follow(spec: AppLogSpec): Promise<void>;
  /** Reads what the app's files still hold and stops following them (once the app has stopped). */
  unfollow(app: string): Promise<void>;
  /** A note of the agent about the app (a crash, a restart), tagged like the app's lines. */
  note(app: string, text: string, level?: string): void;
}

export interface AppLogsOptions {
  root: string;
  spool: LogSpool;
  pollMs?: number;
  /** Size past which the app's stdout/stderr files are emptied once stored (default 16 MiB). */
  truncateOverBytes?: number;
  onNote?: (message: string) => void;
  clock?: () => number;
}

/**
 * One follower per app, replaced at each activation. Lines of stdout and stderr have stream
 * "app"; lines of a declared file have the file's path as stream. A line's level is the one it
 * states (parseLevel); a stderr line that states none is "error" (as stderr is where programs
 * report trouble, and where uncaught exceptions and stack traces go), a stdout line none.
 * Positions are stored in the spool with the lines under "<app>:<path>", so a new follower, or a
 * restarted agent, goes on exactly after the last line stored.
 */
export class AppLogs implements AppLogsPort {
  private readonly followers = new Map<string, { spec: AppLogSpec; follower: FileFollower }>();

  constructor(private readonly options: AppLogsOptions) {}

  async follow(spec: AppLogSpec): Promise<void> {
    const running = this.followers.get(spec.app);
    if (running && JSON.stringify(running.spec) === JSON.stringify(spec)) return;
    await this.unfollow(spec.app);
    const paths = appPaths(this.options.root, spec.app);
    const own = [paths.stdoutLog, paths.stderrLog];
    const follower = new FileFollower({
      patterns: [...own, ...spec.logs.map((glob) => resolveGlob(glob, paths.appDir))],
      sink: this.sink(spec, paths.stdoutLog, paths.stderrLog),
      fromStart: (p) => own.includes(p),
      truncate: { paths: own, overBytes: this.options.truncateOverBytes ?? 16 * 1024 * 1024 },
      pollMs: this.options.pollMs,
      onNote: this.options.onNote,
    });
    this.followers.set(spec.app, { spec, follower });
    follower.start();
    await follower.poll();
  }

  async unfollow(app: string): Promise<void> {
    const running = this.followers.get(app);
    if (!running) return;
    this.followers.delete(app);
    await running.follower.close();
  }

  note(app: string, text: string, level = 'warn'): void {
    const spec = this.followers.get(app)?.spec;
    this.options.spool.push({ at: this.now(), stream: 'app', text, level, app, env: spec?.env ?? null, runId: spec?.runId ?? null, deploymentId: spec?.deploymentId ?? null });
  }

  /** Stops every follower (what the files hold now is read first). */
  async close(): Promise<void> {
    await Promise.all([...this.followers.keys()].map((app) => this.unfollow(app)));
  }

  private sink(spec: AppLogSpec, stdout: string, stderr: string): FollowerSink {
    const { spool } = this.options;
    const key = (k: string) => `${spec.app}:${k}`;
    const tags = { app: spec.app, env: spec.env, runId: spec.runId, deploymentId: spec.deploymentId };
    return {
      lines: (positionKey: string, file: string, lines: FollowedLine[]) => {
        const own = file === stdout || file === stderr;
        const stream = own ? 'app' : path.resolve(file);
        const at = this.now();
        for (const line of lines) {
          const level = parseLevel(line.text) ?? (file === stderr ? 'error' : null);
          spool.push({ at, stream, text: line.text, level, ...tags }, { key: key(positionKey), value: line.position });
        }
      },
      position: (positionKey) => asPosition(spool.checkpoint(key(positionKey))),
      setPosition: (positionKey, position) => spool.setCheckpoint(key(positionKey), position),
      settle: () => spool.flush(),
    };
  }

  private now(): number {
    return this.options.clock?.() ?? Date.now();
  }
}

function asPosition(value: unknown): FilePosition | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { dev, ino, offset } = value as Record<string, unknown>;
  return typeof dev === 'string' && typeof ino === 'string' && typeof offset === 'number' ? { dev, ino, offset } : undefined;
}
