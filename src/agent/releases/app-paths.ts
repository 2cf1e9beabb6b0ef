// Where an app's releases, `current` link, shared folder, output files and state file live under the agent's root (DESIGN §6).
import path from 'node:path';

export interface AppPaths {
  /** <root>/apps/<app> */
  appDir: string;
  /** <root>/apps/<app>/releases */
  releasesDir: string;
  /** <root>/apps/<app>/current, a symlink to releases/<version> */
  current: string;
  /** <root>/apps/<app>/shared, kept across releases */
  shared: string;
  /** <root>/apps/<app>/state.json */
  stateFile: string;
  /** <root>/apps/<app>/logs: the app's stdout.log and stderr.log (the agent follows and bounds them) */
  logsDir: string;
  stdoutLog: string;
  stderrLog: string;
  /** <root>/tmp, where downloads land before they are checked */
  tmpDir: string;
  /** <root>/apps/<app>/releases/<version> */
  release(version: string): string;
}

/**
 * The paths of one app under `root`. Pure: creates nothing. `app` and any version passed to
 * `release` must have passed checkReleaseNames first, or the paths could point anywhere.
 */
export function appPaths(root: string, app: string): AppPaths {
  const base = path.resolve(root);
  const appDir = path.join(base, 'apps', app);
  const releasesDir = path.join(appDir, 'releases');
  return {
    appDir,
    releasesDir,
    current: path.join(appDir, 'current'),
    shared: path.join(appDir, 'shared'),
    stateFile: path.join(appDir, 'state.json'),
    logsDir: path.join(appDir, 'logs'),
    stdoutLog: path.join(appDir, 'logs', 'stdout.log'),
    stderrLog: path.join(appDir, 'logs', 'stderr.log'),
    tmpDir: path.join(base, 'tmp'),
    release: (version) => path.join(releasesDir, version),
  };
}
