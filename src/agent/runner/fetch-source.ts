// Downloads the exact commit's tree (a `git archive` tar.gz from the server) and unpacks it into the
// job's workspace: regular files and folders only, nothing that would land outside the workspace.
import { resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { errorMessage } from '../../base/errors.ts';
import { isTransientFetchError, isTransientStatus, retryTransient, type AttemptOutcome } from '../connection/retry-transient.ts';

export interface FetchSourceOptions {
  /** Full URL of the tar.gz. */
  url: string;
  token: string;
  /** The (empty) workspace to unpack into. */
  dir: string;
  signal?: AbortSignal;
  /** How long a server that refuses the connection (restarting) is tried again; default 60 s. */
  retryForMs?: number;
  /** Told about each entry left out because it is neither a file nor a folder (e.g. a symlink). */
  onSkipped?: (path: string, type: string) => void;
}

export type FetchSourceResult = { ok: true; files: number } | { ok: false; error: string };

/**
 * Fetches `url` with the bearer token and unpacks the tar.gz into `dir`. Failures are values: an
 * HTTP error, a broken archive, or an entry whose path would escape `dir` (the whole fetch fails
 * then, rather than building from a partial tree). Symlinks, hard links and devices are skipped and
 * reported through `onSkipped`.
 */
export async function fetchSource(o: FetchSourceOptions): Promise<FetchSourceResult> {
  // Nothing is unpacked before the server answers: a server away (restarting) is waited for.
  const answered = await retryTransient(async (): Promise<AttemptOutcome<{ ok: true; response: Response }>> => {
    try {
      const response = await fetch(o.url, { headers: { authorization: `Bearer ${o.token}` }, signal: o.signal });
      if (response.ok && response.body) return { ok: true, response };
      const body = (await response.text().catch(() => '')).slice(0, 200).trim();
      return { ok: false, error: `downloading the source failed: HTTP ${response.status}${body ? ` ${body}` : ''}`, transient: isTransientStatus(response.status) };
    } catch (err) {
      return { ok: false, error: `downloading the source failed: ${reason(err)}`, transient: isTransientFetchError(err) };
    }
  }, { forMs: o.retryForMs ?? 60_000, ...(o.signal ? { signal: o.signal } : {}) });
  if (!answered.ok) return answered;
  const { response } = answered;

  // Loaded here, not at the top: only runners unpack sources, and tar costs every agent about 1 MB.
  const { extract } = await import('tar');
  const root = resolve(o.dir);
  const escaping: string[] = [];
  let files = 0;
  const unpack = extract({
    cwd: root,
    strict: true,
    preserveOwner: false,
    filter: (path, entry) => {
      const target = resolve(root, path);
      if (target !== root && !target.startsWith(root + sep)) {
        escaping.push(path);
        return false;
      }
      const type = 'type' in entry ? entry.type : 'File';
      if (type === 'File' || type === 'OldFile' || type === 'ContiguousFile') {
        files += 1;
        return true;
      }
      if (type === 'Directory') return true;
      o.onSkipped?.(path, type);
      return false;
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), unpack, { signal: o.signal });
  } catch (err) {
    return { ok: false, error: `unpacking the source failed: ${reason(err)}` };
  }
  if (escaping.length > 0) {
    return { ok: false, error: `unpacking the source failed: the archive has paths outside the workspace: ${escaping.slice(0, 5).join(', ')}` };
  }
  return { ok: true, files };
}

function reason(err: unknown): string {
  return (err as Error | undefined)?.name === 'AbortError' ? 'cancelled' : errorMessage(err);
}
