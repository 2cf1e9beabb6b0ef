// The job's workspace folder on the runner: made empty before a job, removed after it, even when a
// build left read-only folders behind (Go's module cache does).
import { chmod, lchown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A job id that can name a folder: no separators, no "..", nothing hidden. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Whether `jobId` may be used as the workspace's folder name under the work root. */
export function isSafeJobId(jobId: string): boolean {
  return SAFE_SEGMENT.test(jobId) && !jobId.includes('..');
}

/**
 * Removes `dir` if it exists and creates it again, empty, with mode 0700. Its parent (the work root)
 * is made with mode 0711: the steps' user may pass through it to its own workspace, but cannot list
 * the others. With `owner`, the workspace belongs to that user.
 */
export async function resetWorkspace(dir: string, owner?: { uid: number; gid: number }): Promise<void> {
  await removeTree(dir);
  const parent = dirname(dir);
  await mkdir(dirname(parent), { recursive: true });
  await mkdir(parent, { recursive: true, mode: 0o711 });
  await chmod(parent, 0o711);
  await mkdir(dir, { mode: 0o700 });
  if (owner) await lchown(dir, owner.uid, owner.gid);
}

/** Hands `dir` and everything in it to `owner`; symbolic links themselves, never what they point at. */
export async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await lchown(dir, owner.uid, owner.gid);
  const stat = await lstat(dir);
  if (!stat.isDirectory()) return;
  for (const name of await readdir(dir)) await chownTree(join(dir, name), owner);
}

/**
 * Removes a folder and everything in it; a missing folder is fine. Symbolic links are removed, never
 * followed. Folders without write permission are made writable first, so a job cannot leave behind
 * a workspace the agent cannot delete.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function makeWritable(dir: string): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return;
  await chmod(dir, 0o700);
  for (const name of await readdir(dir)) await makeWritable(join(dir, name));
}
