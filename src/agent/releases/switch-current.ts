// Points an app's `current` symlink at another release atomically and records the switch in state.json.
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../base/errors.ts';
import { appPaths } from './app-paths.ts';
import { updateAppState, type AppState } from './app-state.ts';
import { readCurrentVersion } from './current-version.ts';

export type SwitchOutcome = { ok: true; previous: string | null } | { ok: false; error: string };

/**
 * Makes `<root>/apps/<app>/current` point to `releases/<version>`: a new symlink under a temp name
 * renamed over the old one, so readers always see either the old or the new release. Records
 * current/previous/history in state.json. `previous` in the outcome is the version that was
 * current before `version` became so; switching to the version already current changes nothing
 * and reports the same `previous` again (a replayed command gets the same answer).
 * `record` changes more of state.json in the same write: each write waits for the disk (fsync),
 * and an activation is that much slower per write. Names must have passed checkReleaseNames. A
 * missing release is an outcome, not a throw.
 */
export async function switchCurrent(root: string, app: string, version: string, now = Date.now(), record?: (state: AppState) => void): Promise<SwitchOutcome> {
  const paths = appPaths(root, app);
  const releaseDir = paths.release(version);
  try {
    if (!(await stat(releaseDir)).isDirectory()) return { ok: false, error: `${releaseDir} is not a directory` };
  } catch {
    return { ok: false, error: `release ${version} of ${app} is not prepared: ${releaseDir} does not exist` };
  }

  const before = await readCurrentVersion(root, app);
  if (before !== version) {
    const temp = path.join(paths.appDir, `.current-${randomBytes(6).toString('hex')}`);
    try {
      await symlink(path.join('releases', version), temp);
      await rename(temp, paths.current);
    } catch (err) {
      await rm(temp, { force: true });
      return { ok: false, error: `could not point ${paths.current} at ${releaseDir}: ${errorMessage(err)}` };
    }
  }

  const state = updateAppState(root, app, (s) => {
    record?.(s);
    if (s.current === version) return;
    s.previous = s.current ?? before;
    s.current = version;
    s.history.push({ version, at: now });
  });
  return { ok: true, previous: state.previous };
}
