// The agent's root is its own: agent.json (with its token), the spool, each app's state and logs are
// mode 0600 and their folders 0700, also when they existed before with wider modes.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/**
 * Creates `root` if needed and makes it and what the agent keeps there private: folders 0700,
 * files 0600, symbolic links left as they are. A release's files and an app's `shared` folder keep
 * the modes the app gave them (a release holds executables); the 0700 root shuts them in anyway.
 */
export async function secureAgentRoot(root: string): Promise<void> {
  // The parents get the usual modes: a recursive mkdir would make them 0700 too, and the job user
  // must pass through them to the work dir beside the root.
  await mkdir(dirname(root), { recursive: true });
  await mkdir(root, { recursive: true, mode: 0o700 });
  await makePrivate(root, root);
}

/** apps/<app>/releases/<version> and apps/<app>/shared belong to the app: not walked into. */
function isAppsOwn(rel: string): boolean {
  const parts = rel.split(sep);
  return parts[0] === 'apps' && ((parts.length === 4 && parts[2] === 'releases') || (parts.length === 3 && parts[2] === 'shared'));
}

async function makePrivate(root: string, path: string): Promise<void> {
  const stat = await lstat(path);
  if (stat.isSymbolicLink()) return;
  if (!stat.isDirectory()) {
    await chmod(path, 0o600);
    return;
  }
  await chmod(path, 0o700);
  for (const name of await readdir(path)) {
    const child = join(path, name);
    if (!isAppsOwn(relative(root, child))) await makePrivate(root, child);
  }
}
