// The server's data dir holds its database, tokens, mirrors and artifacts: nobody else on the host
// may read them, also when the folder existed before with wider modes.
import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../base/errors.ts';

/**
 * Creates `dataDir` if needed and gives it and everything in it mode 0700 (folders) or 0600
 * (files); symbolic links are left as they are and not followed.
 */
export async function secureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await makePrivate(dataDir);
}

async function makePrivate(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (!info.isDirectory()) {
    if ((info.mode & 0o777) !== 0o600) await chmod(path, 0o600);
    return;
  }
  if ((info.mode & 0o777) !== 0o700) await chmod(path, 0o700);
  for (const name of await readdir(path)) await makePrivate(join(path, name));
}

/**
 * Throws InputError when the SQLite file exists but is empty: SQLite would take it for a new
 * database, and the server would start with no projects, runs or agents over a file that a full
 * disk or a botched restore emptied.
 */
export async function refuseEmptyDatabase(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isFile() && info.size === 0) {
    throw new InputError('SLIPWAY_STORAGE_EMPTY_FILE',
      'slipway.db in the data dir is empty (0 bytes): restore it from a backup, or remove it to start a new, empty server');
  }
}
