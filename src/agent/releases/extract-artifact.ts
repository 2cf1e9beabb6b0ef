// Unpacks an artifact (tar.gz) into a folder, refusing the whole archive if any entry is not a
// plain file or directory inside that folder: no links, devices, absolute paths or `..`.
import path from 'node:path';
import type { ReadEntry } from 'tar';
import { errorMessage } from '../../base/errors.ts';

export interface ExtractLimits {
  /** Most entries accepted (default 200,000). */
  maxEntries?: number;
  /** Most bytes the files may add up to once unpacked (default 8 GiB). */
  maxUnpackedBytes?: number;
}

export type ExtractOutcome = { ok: true; entries: number; bytes: number } | { ok: false; error: string };

const allowedTypes = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/**
 * Extracts the gzipped tar `file` into the existing, empty folder `dir`. Every entry is checked
 * first in a listing pass, and the whole archive is refused (nothing extracted) at the first entry
 * that is a symlink, hardlink, device, fifo or other special type, has an absolute path or a `..`
 * component, or would land outside `dir`; also when it is not a valid tar.gz or exceeds the
 * limits. The same check filters the extraction itself, as a second line of defence. Owners are
 * not restored and setuid/setgid/sticky bits are dropped. On failure `dir` may hold a partial
 * extraction: the caller removes it.
 */
export async function extractArtifact(file: string, dir: string, limits: ExtractLimits = {}): Promise<ExtractOutcome> {
  // Loaded here, not at the top: an agent that deploys nothing never needs tar (about 1 MB).
  const { extract, list, ReadEntry } = await import('tar');
  const root = path.resolve(dir);
  const maxEntries = limits.maxEntries ?? 200_000;
  const maxBytes = limits.maxUnpackedBytes ?? 8 * 1024 ** 3;

  let problem: string | undefined;
  let entries = 0;
  let bytes = 0;
  const inspect = (entry: ReadEntry): boolean => {
    if (problem !== undefined) return false;
    entries += 1;
    bytes += entry.size ?? 0;
    problem =
      entryProblem(entry, root) ??
      (entries > maxEntries ? `more than ${maxEntries} entries` : undefined) ??
      (bytes > maxBytes ? `more than ${maxBytes} bytes once unpacked` : undefined);
    return problem === undefined;
  };

  try {
    await list({ file, strict: true, filter: (_p, entry) => entry instanceof ReadEntry && inspect(entry) });
  } catch (err) {
    return { ok: false, error: `not a valid tar.gz: ${errorMessage(err)}` };
  }
  if (problem !== undefined) return { ok: false, error: problem };
  if (entries === 0) return { ok: false, error: 'the archive is empty' };

  let lateProblem: string | undefined;
  try {
    await extract({
      file,
      cwd: root,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      filter: (_p, entry) => {
        const why = entry instanceof ReadEntry ? entryProblem(entry, root) : 'not a tar entry';
        if (why !== undefined || !(entry instanceof ReadEntry)) {
          lateProblem ??= why;
          return false;
        }
        if (typeof entry.mode === 'number') entry.mode &= 0o777;
        return true;
      },
    });
  } catch (err) {
    return { ok: false, error: `extraction failed: ${errorMessage(err)}` };
  }
  if (lateProblem !== undefined) return { ok: false, error: lateProblem };
  return { ok: true, entries, bytes };
}

/** Why this entry may not be unpacked into `root`, or undefined when it may. */
function entryProblem(entry: ReadEntry, root: string): string | undefined {
  const name = JSON.stringify(entry.path);
  if (!allowedTypes.has(entry.type)) {
    return `entry ${name} is a ${entry.type}${entry.linkpath ? ` to ${JSON.stringify(entry.linkpath)}` : ''}: only regular files and directories are allowed`;
  }
  if (path.posix.isAbsolute(entry.path) || /^[a-zA-Z]:/.test(entry.path)) return `entry ${name} has an absolute path`;
  if (entry.path.split('/').includes('..')) return `entry ${name} has a ".." component`;
  const target = path.resolve(root, entry.path);
  if (target !== root && !target.startsWith(root + path.sep)) return `entry ${name} resolves outside the release folder`;
  if (target === root && entry.type !== 'Directory') return `entry ${name} would replace the release folder itself`;
  return undefined;
}
