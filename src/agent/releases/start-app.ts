// Starts an app's `current` release under a supervisor and waits until it answers its health check.
import { realpath } from 'node:fs/promises';
import type { Clock } from '../../base/clock.ts';
import { errorMessage } from '../../base/errors.ts';
import type { AppRunSpec } from '../../core/protocol/messages.ts';
import { checkHealth } from '../health/check-health.ts';
import { portInUse } from '../health/port-in-use.ts';
import type { AppLogsPort } from '../logs/app-logs.ts';
import { describeExit } from '../supervisor/app-exit.ts';
import { AppSupervisor, type BackoffOptions } from '../supervisor/app-supervisor.ts';
import type { AppSupervisors } from '../supervisor/app-supervisors.ts';
import { appPaths } from './app-paths.ts';
import type { AppState } from './app-state.ts';

/** What the agent's main hands to activateRelease, deactivateApp and resumeApp. */
export interface AppHostDeps {
  /** The agent's --root. */
  root: string;
  /** SLIPWAY_HOST for the apps: the agent's name. */
  host: string;
  /** The PORT the agent gives its apps; null means each app's run.port. */
  port: number | null;
  apps: AppSupervisors;
  /** The central log's followers of the apps' output and log files (none in some tests). */
  logs?: AppLogsPort;
  /** The environment apps inherit (default the agent's, without its SLIPWAY_* variables). */
  baseEnv?: NodeJS.ProcessEnv;
  backoff?: BackoffOptions;
  /** The longest pause between health check attempts (default 200 ms; the first are 5 ms, see checkHealth). */
  healthIntervalMs?: number;
  clock?: Clock;
}

export interface StartRequest {
  app: string;
  version: string;
  env: string;
  run: AppRunSpec;
  /** The activation that starts it: the app's log lines carry these. */
  runId: string | null;
  deploymentId: string | null;
  /** slipway.yml `logs` of the version. */
  logs: string[];
  /** The environment's secrets (name → value): the app gets them as environment variables. */
  secrets?: Record<string, string>;
}

/** What an activation prepared while the old process stopped (activateRelease). */
export interface PreparedStart {
  /** The process's marker, on disk already (state.json's switching). */
  instance: string;
  /** The release folder, symlinks resolved: what `current` points to once the switch is complete. */
  cwd: string;
  /** Written with the process's first record (AppSupervisorOptions.firstRecord). */
  firstRecord: (state: AppState) => void;
}

export type StartOutcome =
  | { ok: true; supervisor: AppSupervisor; logTail: string[] }
  | { ok: false; step: 'activate' | 'health'; error: string; logTail: string[] };

/**
 * Starts `run.command` in the release `<root>/apps/<app>/current` points to, registers its
 * supervisor in `deps.apps` and health-checks it on 127.0.0.1 within run.healthTimeoutMs. Its
 * output and declared log files are followed (deps.logs) from before it starts. A check
 * that fails leaves the app running under its supervisor (the server decides what comes next);
 * an app that exits before it is healthy fails the check at once. `prepared` is what an activation
 * made ready before the old process stopped.
 */
export async function startApp(deps: AppHostDeps, req: StartRequest, prepared?: PreparedStart): Promise<StartOutcome> {
  const { app, version, env, run } = req;
  let cwd: string;
  try {
    cwd = prepared?.cwd ?? (await realpath(appPaths(deps.root, app).current));
  } catch (err) {
    return { ok: false, step: 'activate', error: `cannot start ${app} ${version}: ${errorMessage(err)}`, logTail: [] };
  }
  const port = deps.port ?? run.port;
  if (await portInUse(port)) {
    return { ok: false, step: 'activate', error: `cannot start ${app} ${version}: port ${port} is already in use by another process`, logTail: [] };
  }
  const supervisor = new AppSupervisor({
    root: deps.root,
    app,
    version,
    env,
    host: deps.host,
    command: run.command,
    port,
    stopTimeoutMs: run.stopTimeoutMs,
    cwd,
    baseEnv: deps.baseEnv,
    secrets: req.secrets,
    backoff: deps.backoff,
    ...(prepared === undefined ? {} : { instance: prepared.instance, firstRecord: prepared.firstRecord }),
    onNote: (text, level) => deps.logs?.note(app, text, level),
  });
  await deps.logs?.follow({ app, env, runId: req.runId, deploymentId: req.deploymentId, logs: req.logs });
  deps.apps.set(app, supervisor);
  supervisor.start();
  return waitHealthy(deps, supervisor, port, run);
}

/** Health-checks a supervised app; any crash from now on counts as dying before healthy. */
export async function waitHealthy(deps: AppHostDeps, supervisor: AppSupervisor, port: number, run: AppRunSpec): Promise<StartOutcome> {
  const crashesBefore = supervisor.status().crashes;
  const health = await checkHealth({
    url: `http://127.0.0.1:${port}${run.healthPath}`,
    timeoutMs: run.healthTimeoutMs,
    intervalMs: deps.healthIntervalMs,
    isAlive: () => {
      const status = supervisor.status();
      if (status.crashes === crashesBefore && status.state !== 'stopped') return { alive: true };
      return { alive: false, reason: status.lastExit ? describeExit(status.lastExit) : 'stopped' };
    },
  });
  const logTail = supervisor.logTail();
  if (!health.ok) return { ok: false, step: 'health', error: `${supervisor.app} ${supervisor.version}: ${health.error}`, logTail };
  return { ok: true, supervisor, logTail };
}
