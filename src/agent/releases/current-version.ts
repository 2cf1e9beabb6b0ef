// Reads which release an app's `current` symlink points at: the truth on disk, whatever state.json says.
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { versionSchema } from '../../core/protocol/messages.ts';
import { appPaths } from './app-paths.ts';

/**
 * The version `<root>/apps/<app>/current` points to, or null when there is no such link (never
 * activated, or deactivated) or it points somewhere that is not a release folder. Synchronous: one
 * readlink takes microseconds, and on libuv's pool it would wait for a thread twice, which on a
 * busy host (apps starting on every core) costs milliseconds of an activation.
 */
export function readCurrentVersion(root: string, app: string): string | null {
  const paths = appPaths(root, app);
  let target: string;
  try {
    target = readlinkSync(paths.current);
  } catch {
    return null;
  }
  const resolved = path.resolve(paths.appDir, target);
  if (path.dirname(resolved) !== paths.releasesDir) return null;
  const version = path.basename(resolved);
  return versionSchema.safeParse(version).success ? version : null;
}
