// The job's workspace folder on the runner: made empty before a job, removed after it, even when a
// build left read-only folders behind (Go's module cache does).
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A job id that can name a folder: no separators, no "..", nothing hidden. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Whether `jobId` may be used as the workspace's folder name under the work root. */
export function isSafeJobId(jobId: string): boolean {
  return SAFE_SEGMENT.test(jobId) && !jobId.includes('..');
}

/** Removes `dir` if it exists and creates it again, empty (and its parents). */
export async function resetWorkspace(dir: string): Promise<void> {
  await removeTree(dir);
  await mkdir(dir, { recursive: true });
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
