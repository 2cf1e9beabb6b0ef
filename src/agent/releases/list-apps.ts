// What the agent reports in `hello` and `status`: each app's releases and current version.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { AppOnHost } from '../../core/model.ts';
import { appPaths } from './app-paths.ts';
import { readCurrentVersion } from './current-version.ts';
import { checkReleaseNames } from './release-names.ts';

/**
 * Every app under `<root>/apps` with its complete releases (sorted by run number) and the
 * version `current` points to. Folders that are not valid app or version names (such as an
 * unfinished `.incoming-*`) are left out. An empty or missing root gives [].
 */
export async function listAppsOnHost(root: string): Promise<AppOnHost[]> {
  const apps = (await readdirOrEmpty(path.join(path.resolve(root), 'apps'))).filter((a) => checkReleaseNames(a) === undefined);
  const out: AppOnHost[] = [];
  for (const app of apps.sort()) {
    const releases = (await readdirOrEmpty(appPaths(root, app).releasesDir))
      .filter((v) => checkReleaseNames(app, v) === undefined)
      .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]) || a.localeCompare(b));
    out.push({ app, current: readCurrentVersion(root, app), releases });
  }
  return out;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}
