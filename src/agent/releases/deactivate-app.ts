// The `deactivate` command: stop an app and remove its `current` link, keeping its releases.
import { rm } from 'node:fs/promises';
import { errorMessage } from '../../base/errors.ts';
import { killOrphan } from '../supervisor/kill-orphan.ts';
import { appPaths } from './app-paths.ts';
import { updateAppState } from './app-state.ts';
import { readCurrentVersion } from './current-version.ts';
import { checkReleaseNames } from './release-names.ts';
import type { AppHostDeps } from './start-app.ts';

export type DeactivateOutcome = { ok: true; previous: string | null } | { ok: false; previous: null; error: string };

/**
 * Stops the app (its supervised process, or the orphan a crashed agent left), removes
 * `<root>/apps/<app>/current` and records that nothing is current; releases and shared/ stay.
 * `previous` is the version that was current. Idempotent: deactivating a stopped app is ok.
 */
export async function deactivateApp(deps: AppHostDeps, app: string): Promise<DeactivateOutcome> {
  const badName = checkReleaseNames(app);
  if (badName !== undefined) return { ok: false, previous: null, error: badName };
  return deps.apps.exclusive(app, async (): Promise<DeactivateOutcome> => {
    const running = deps.apps.get(app);
    if (running) {
      await running.stop();
      deps.apps.delete(app);
    } else {
      await killOrphan(deps.root, app);
    }
    await deps.logs?.unfollow(app);
    const current = readCurrentVersion(deps.root, app);
    try {
      await rm(appPaths(deps.root, app).current, { force: true });
    } catch (err) {
      return { ok: false, previous: null, error: `could not remove the current link of ${app}: ${errorMessage(err)}` };
    }
    const now = deps.clock?.now() ?? Date.now();
    const state = updateAppState(deps.root, app, (s) => {
      if (s.current === null && current === null) return;
      s.previous = s.current ?? current;
      s.current = null;
      s.history.push({ version: null, at: now });
    });
    return { ok: true, previous: current ?? state.previous };
  });
}
