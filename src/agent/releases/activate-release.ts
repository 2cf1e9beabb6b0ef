// The `activate` command: stop the running app, point `current` at a prepared release, start it
// and health-check it.
import { statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { errorMessage } from '../../base/errors.ts';
import type { AppRunSpec } from '../../core/protocol/messages.ts';
import type { AppSupervisor } from '../supervisor/app-supervisor.ts';
import { newAppInstance } from '../supervisor/app-pid-record.ts';
import { killOrphan } from '../supervisor/kill-orphan.ts';
import { appPaths } from './app-paths.ts';
import { readAppState, updateAppState, type AppState } from './app-state.ts';
import { readCurrentVersion } from './current-version.ts';
import { checkReleaseNames } from './release-names.ts';
import { startApp, waitHealthy, type AppHostDeps, type StartRequest } from './start-app.ts';
import { abandonSwitch, completeSwitch, settleSwitch, stageSwitch } from './switch-current.ts';

/** An activation asks for exactly what starting the app needs. */
export type ActivateRequest = StartRequest;

/** Fits the protocol's CommandResult. */
export interface ActivateOutcome {
  ok: boolean;
  /** The version current before this activation (null if none): what a rollback goes back to. */
  previous: string | null;
  error?: string;
  step?: 'activate' | 'health';
  /** The app's last lines, for the cause of a failure. */
  logTail: string[];
}

/**
 * Activates a prepared release: checks `releases/<version>` exists, stops the app's running
 * process (or, after an agent restart, the orphan it left), switches `current` atomically,
 * starts `run.command` and health-checks it. The old process's output is read to its end before the
 * new one's is tagged with this activation (deps.logs). A failure says where (`step`) with the app's log
 * tail; after a failed health check the new version stays current and running, for the server
 * to roll back. Idempotent: replaying the activation of the version that already runs with the
 * same spec only re-checks its health and reports the same `previous`. Operations on one app
 * are serialized through `deps.apps`.
 */
export async function activateRelease(deps: AppHostDeps, req: ActivateRequest): Promise<ActivateOutcome> {
  const badName = checkReleaseNames(req.app, req.version);
  if (badName !== undefined) return { ok: false, previous: null, step: 'activate', error: badName, logTail: [] };
  return deps.apps.exclusive(req.app, () => activate(deps, req));
}

async function activate(deps: AppHostDeps, req: ActivateRequest): Promise<ActivateOutcome> {
  const { root } = deps;
  const { app, version, env, run } = req;
  const onDisk = readCurrentVersion(root, app);
  const releaseDir = appPaths(root, app).release(version);
  if (!isDirectory(releaseDir)) {
    const error = `release ${version} of ${app} is not prepared: ${releaseDir} does not exist`;
    return { ok: false, previous: onDisk, step: 'activate', error, logTail: [] };
  }

  const running = deps.apps.get(app);
  const state = readAppState(root, app);
  if (running && onDisk === version && isSameRun(running, state, req)) {
    const health = await waitHealthy(deps, running, deps.port ?? run.port, run);
    if (health.ok) return { ok: true, previous: state.previous, logTail: health.logTail };
    return { ok: false, previous: state.previous, step: health.step, error: health.error, logTail: health.logTail };
  }

  // While the old process stops, everything after its exit is made ready: the new `current` link
  // under a temp name and the switch in state.json (its fsync overlaps the stop), so that only a
  // rename and the spawn remain (switch-current.ts has the crash reasoning). The new process's
  // marker is on disk before it starts, and the switch settles in the write of its pid.
  const instance = newAppInstance();
  const plan = { version, instance, run, env, runId: req.runId, deploymentId: req.deploymentId, logs: req.logs };
  const resolveCwd = realpath(releaseDir).then(
    (dir) => ({ ok: true as const, dir }),
    (err: unknown) => ({ ok: false as const, error: `cannot start ${app} ${version}: ${errorMessage(err)}` }),
  );
  const [, staged, cwd] = await Promise.all([running ? running.stop({ keepRecord: true }) : killOrphan(root, app), stageSwitch(root, app, plan), resolveCwd]);
  if (running) deps.apps.delete(app);
  if (!staged.ok) return { ok: false, previous: onDisk, step: 'activate', error: staged.error, logTail: [] };
  if (!cwd.ok) {
    await abandonSwitch(root, app, staged);
    return { ok: false, previous: onDisk, step: 'activate', error: cwd.error, logTail: [] };
  }
  await deps.logs?.unfollow(app);
  const switched = await completeSwitch(root, app, staged);
  if (!switched.ok) return { ok: false, previous: onDisk, step: 'activate', error: switched.error, logTail: [] };
  const now = () => deps.clock?.now() ?? Date.now();
  const started = await startApp(deps, req, { instance, cwd: cwd.dir, firstRecord: (s) => settleSwitch(s, version, now()) });
  if (!started.ok) {
    // Refused before its start (e.g. the port is taken): `current` points to the new release all the same.
    if (readAppState(root, app).switching?.instance === instance) updateAppState(root, app, (s) => settleSwitch(s, version, now()));
    return { ok: false, previous: switched.previous, step: started.step, error: started.error, logTail: started.logTail };
  }
  return { ok: true, previous: switched.previous, logTail: started.logTail };
}

function isSameRun(running: AppSupervisor, state: AppState, req: ActivateRequest): boolean {
  const spec = state.runSpecs[req.version];
  return (
    running.version === req.version &&
    running.status().state !== 'stopped' &&
    state.current === req.version &&
    state.env === req.env &&
    spec !== undefined &&
    (Object.keys(req.run) as (keyof AppRunSpec)[]).every((key) => spec[key] === req.run[key])
  );
}

/** Synchronous, as readCurrentVersion: before the old process's SIGTERM, no wait for libuv's pool. */
function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // missing, a path through a file (ENOTDIR), not readable
  }
}
