// Reads which release an app's `current` symlink points at: the truth on disk, whatever state.json says.
import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { versionSchema } from '../../core/protocol/messages.ts';
import { appPaths } from './app-paths.ts';

/**
 * The version `<root>/apps/<app>/current` points to, or null when there is no such link (never
 * activated, or deactivated) or it points somewhere that is not a release folder.
 */
export async function readCurrentVersion(root: string, app: string): Promise<string | null> {
  const paths = appPaths(root, app);
  let target: string;
  try {
    target = await readlink(paths.current);
  } catch {
    return null;
  }
  const resolved = path.resolve(paths.appDir, target);
  if (path.dirname(resolved) !== paths.releasesDir) return null;
  const version = path.basename(resolved);
  return versionSchema.safeParse(version).success ? version : null;
}
