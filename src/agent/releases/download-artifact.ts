// Streams an artifact from the server to a local file, refusing it as soon as it grows past its
// declared size, and checks its size and sha256.
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { ReadableStream } from 'node:stream/web';
import { errorMessage } from '../../base/errors.ts';
import { isTransientFetchError, isTransientStatus, retryTransient, type AttemptOutcome } from '../connection/retry-transient.ts';

export interface DownloadRequest {
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string;
  /** The file to create; it must not exist yet. */
  dest: string;
  /** Exactly this many bytes are expected; one more and the download stops. */
  size: number;
  /** Lowercase hex sha256 of the whole file. */
  sha256: string;
  signal?: AbortSignal;
  /**
   * How long a download cut off or refused by the server (a server restart) is tried again from
   * the start; default 60 s.
   */
  retryForMs?: number;
}

export type DownloadOutcome = { ok: true } | { ok: false; error: string };

/**
 * Downloads `url` into `dest` (created with mode 0600), hashing as it streams. Fails (as a value)
 * on an HTTP error, a broken connection that does not come back within `retryForMs`, more or fewer
 * bytes than `size`, or another sha256; on any failure `dest` is removed. Never writes anywhere
 * but `dest`.
 */
export async function downloadArtifact(req: DownloadRequest): Promise<DownloadOutcome> {
  return retryTransient(async () => {
    const outcome = await download(req);
    if (!outcome.ok) await rm(req.dest, { force: true });
    return outcome;
  }, { forMs: req.retryForMs ?? 60_000, ...(req.signal ? { signal: req.signal } : {}) });
}

async function download({ url, token, dest, size, sha256, signal }: DownloadRequest): Promise<AttemptOutcome<{ ok: true }>> {
  const fail = (why: string, transient = false) => ({ ok: false as const, error: `download of ${url} failed: ${why}`, transient });
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: signal ?? null });
  } catch (err) {
    return fail(describeFetchError(err), isTransientFetchError(err));
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    return fail(`HTTP ${res.status} ${res.statusText}`.trim(), isTransientStatus(res.status));
  }
  const announced = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(announced) && announced > size) {
    await res.body.cancel().catch(() => undefined);
    return fail(`the server announced ${announced} bytes, more than the ${size} expected`);
  }

  const hash = createHash('sha256');
  let received = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const file = await open(dest, 'wx', 0o600);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > size) {
        await reader.cancel().catch(() => undefined);
        return fail(`more than the expected ${size} bytes arrived; stopped at ${received}`);
      }
      hash.update(value);
      await file.write(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    return fail(`interrupted after ${received} bytes: ${describeFetchError(err)}`, isTransientFetchError(err));
  } finally {
    await file.close();
  }

  if (received !== size) return fail(`got ${received} bytes, expected ${size}`);
  const actual = hash.digest('hex');
  if (actual !== sha256) return fail(`sha256 mismatch: expected ${sha256}, got ${actual}`);
  return { ok: true };
}

/** fetch hides the useful part ("ECONNREFUSED") in `cause`. */
function describeFetchError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `${errorMessage(err)} (${cause.code})`;
  if (cause && typeof cause.message === 'string') return `${errorMessage(err)} (${cause.message})`;
  return errorMessage(err);
}
