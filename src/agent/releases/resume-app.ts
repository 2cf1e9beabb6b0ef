// When the agent starts: stop whatever app process a crashed agent left behind and start the
// app's current release again, as it was last activated.
import { killOrphan } from '../supervisor/kill-orphan.ts';
import { readAppState, updateAppState } from './app-state.ts';
import { readCurrentVersion } from './current-version.ts';
import { checkReleaseNames } from './release-names.ts';
import { startApp, type AppHostDeps } from './start-app.ts';
import { removeStagedLinks, settleSwitch } from './switch-current.ts';

export type ResumeOutcome =
  | { ok: true; version: string | null; logTail: string[] }
  | { ok: false; version: string | null; step: 'activate' | 'health'; error: string; logTail: string[] };

/**
 * Brings an app back after an agent (re)start: follows its output files from where the spool
 * left them (so the lines the app wrote while the agent was down are read, with the tags of the
 * activation that started it), kills the orphaned process group recorded in state.json (and the
 * process of a switch cut short), settles such a switch, then, if `current` points at a release whose run spec and environment were
 * recorded at activation, starts it and health-checks it. An app with nothing current is left
 * stopped (ok, version null). Meant for the agent's startup, once per app found by listAppsOnHost.
 */
export async function resumeApp(deps: AppHostDeps, app: string): Promise<ResumeOutcome> {
  const badName = checkReleaseNames(app);
  if (badName !== undefined) return { ok: false, version: null, step: 'activate', error: badName, logTail: [] };
  return deps.apps.exclusive(app, async (): Promise<ResumeOutcome> => {
    await deps.apps.get(app)?.stop();
    deps.apps.delete(app);
    const version = readCurrentVersion(deps.root, app);
    // An activation cut short between staging its switch and the new process's first record:
    // where `current` points says whether the switch happened (switch-current.ts).
    const now = deps.clock?.now() ?? Date.now();
    const state = readAppState(deps.root, app);
    const interrupted = state.switching !== null;
    settleSwitch(state, version, now);
    const tags = { runId: state.runId, deploymentId: state.deploymentId, logs: state.logs };
    await deps.logs?.follow({ app, env: state.env, ...tags });
    await killOrphan(deps.root, app);
    if (interrupted) {
      updateAppState(deps.root, app, (s) => settleSwitch(s, version, now));
      await removeStagedLinks(deps.root, app);
    }
    if (version === null) {
      await deps.logs?.unfollow(app);
      return { ok: true, version: null, logTail: [] };
    }
    const run = state.runSpecs[version];
    if (run === undefined || state.env === null) {
      const error = `cannot restart ${app} ${version}: state.json has no run spec for it; activate it again`;
      return { ok: false, version, step: 'activate', error, logTail: [] };
    }
    const started = await startApp(deps, { app, version, env: state.env, run, ...tags });
    if (!started.ok) return { ok: false, version, step: started.step, error: started.error, logTail: started.logTail };
    return { ok: true, version, logTail: started.logTail };
  });
}
