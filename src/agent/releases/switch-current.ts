// Points an app's `current` symlink at another release atomically and records the switch in
// state.json, in three steps so that an activation has only a rename left to do once the old
// process is gone: stage (new link under a temp name, the switch written ahead), complete
// (rename), settle (the switch recorded as done, or dropped).
//
// Crash reasoning (agent killed at any point; state.json writes are fsynced, renames atomic):
//  - before the staged write is on disk: the old version is current on disk and in state.json,
//    its process recorded; a restart resumes it.
//  - staged, not renamed: `switching` names a version `current` does not point to; settleSwitch
//    drops it, and the old version resumes with its own record.
//  - renamed, not settled (the new process may even run): `current` points to switching.version,
//    and settleSwitch completes the record exactly as the activation would have. killOrphan finds
//    the new process by switching.instance, the old by its recorded pid.
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { readdir, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../base/errors.ts';
import type { AppRunSpec } from '../../core/protocol/messages.ts';
import { appPaths } from './app-paths.ts';
import { updateAppState, updateAppStateAsync, type AppState } from './app-state.ts';
import { readCurrentVersion } from './current-version.ts';

/**
 * `previous` is the version that was current before the switch; switching to the version already
 * current changes nothing and reports the same `previous` again (a replayed command gets the
 * same answer).
 */
export type SwitchOutcome = { ok: true; previous: string | null } | { ok: false; error: string };

/** What the version switched to runs with: recorded ahead, taken over when the switch settles. */
export interface SwitchPlan {
  version: string;
  /** The marker (SLIPWAY_INSTANCE) of the process that will run it. */
  instance: string;
  run: AppRunSpec;
  env: string;
  runId: string | null;
  deploymentId: string | null;
  logs: string[];
}

export type StagedSwitch = { ok: true; previous: string | null; version: string; link: string | null } | { ok: false; error: string };

/** Removes temp links a switch cut short left behind (stageSwitch's `.current-*`). */
export async function removeStagedLinks(root: string, app: string): Promise<void> {
  const { appDir } = appPaths(root, app);
  const names = await readdir(appDir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.startsWith('.current-')).map((name) => rm(path.join(appDir, name), { force: true })));
}

/**
 * Prepares a switch to `plan.version` without touching `current` (names must have passed
 * checkReleaseNames; a missing release is an outcome): a symlink to the release under a temp name (none
 * when `version` is current already) and `switching` (with the plan's run spec) in state.json,
 * written without blocking the event loop. Safe to run while the old process still runs: nothing
 * it does changes what a restarted agent would start (see the crash reasoning above).
 */
export async function stageSwitch(root: string, app: string, plan: SwitchPlan): Promise<StagedSwitch> {
  const paths = appPaths(root, app);
  const { version } = plan;
  const releaseDir = paths.release(version);
  try {
    if (!(await stat(releaseDir)).isDirectory()) return { ok: false, error: `${releaseDir} is not a directory` };
  } catch {
    return { ok: false, error: `release ${version} of ${app} is not prepared: ${releaseDir} does not exist` };
  }
  const before = readCurrentVersion(root, app);
  let link: string | null = null;
  if (before !== version) {
    link = path.join(paths.appDir, `.current-${randomBytes(6).toString('hex')}`);
    try {
      await symlink(path.join('releases', version), link);
    } catch (err) {
      return { ok: false, error: `could not prepare a link to ${releaseDir}: ${errorMessage(err)}` };
    }
  }
  let previous: string | null = null;
  try {
    await updateAppStateAsync(root, app, (s) => {
      previous = s.current === version ? s.previous : (s.current ?? before);
      s.runSpecs[version] = plan.run;
      s.switching = { version, from: before, instance: plan.instance, env: plan.env, runId: plan.runId, deploymentId: plan.deploymentId, logs: plan.logs };
    });
  } catch (err) {
    if (link !== null) await rm(link, { force: true });
    return { ok: false, error: `could not record the switch to ${version} in ${paths.stateFile}: ${errorMessage(err)}` };
  }
  return { ok: true, previous, version, link };
}

/** Renames the staged link over `current`; on failure removes it and drops the staged record. */
export async function completeSwitch(root: string, app: string, staged: StagedSwitch & { ok: true }): Promise<SwitchOutcome> {
  const paths = appPaths(root, app);
  if (staged.link === null) return { ok: true, previous: staged.previous };
  try {
    // Synchronous: between the old process's exit and the new one's start, no wait for libuv's pool.
    renameSync(staged.link, paths.current);
  } catch (err) {
    await abandonSwitch(root, app, staged);
    return { ok: false, error: `could not point ${paths.current} at ${paths.release(staged.version)}: ${errorMessage(err)}` };
  }
  return { ok: true, previous: staged.previous };
}

/** Undoes a staged switch that will not be completed: its temp link and its record go. */
export async function abandonSwitch(root: string, app: string, staged: StagedSwitch & { ok: true }): Promise<void> {
  if (staged.link !== null) await rm(staged.link, { force: true });
  updateAppState(root, app, (s) => (s.switching = null));
}

/**
 * Settles a staged switch in `state` (pure; the caller writes it): if `current` on disk points to
 * the version switched to, that version becomes current (previous and history too, unless it was
 * current already) with the environment and tags of its activation; otherwise the switch never
 * happened and is dropped. Does nothing when no switch is staged.
 */
export function settleSwitch(state: AppState, currentOnDisk: string | null, now: number): void {
  const switching = state.switching;
  if (switching === null) return;
  state.switching = null;
  if (currentOnDisk !== switching.version) return;
  state.env = switching.env;
  state.runId = switching.runId;
  state.deploymentId = switching.deploymentId;
  state.logs = switching.logs;
  if (state.current === switching.version) return;
  state.previous = state.current ?? switching.from;
  state.current = switching.version;
  state.history.push({ version: switching.version, at: now });
}
