// Streams an artifact from the server to a local file, refusing it as soon as it grows past its
// declared size, and checks its size and sha256.
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../../base/errors.ts';
import { isTransientFetchError, isTransientStatus, retryTransient, type AttemptOutcome } from '../connection/retry-transient.ts';
import { isSuccess, sendRequest } from '../connection/send-request.ts';

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
  let res: IncomingMessage;
  try {
    res = await sendRequest(url, { headers: { authorization: `Bearer ${token}` }, ...(signal ? { signal } : {}) });
  } catch (err) {
    return fail(errorMessage(err), isTransientFetchError(err));
  }
  const status = res.statusCode ?? 0;
  if (!isSuccess(status)) {
    res.destroy();
    return fail(`HTTP ${status} ${res.statusMessage ?? ''}`.trim(), isTransientStatus(status));
  }
  const announced = Number(res.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(announced) && announced > size) {
    res.destroy();
    return fail(`the server announced ${announced} bytes, more than the ${size} expected`);
  }

  const hash = createHash('sha256');
  let received = 0;
  const file = await open(dest, 'wx', 0o600);
  try {
    for await (const chunk of res) {
      const value = chunk as Buffer;
      received += value.byteLength;
      if (received > size) {
        res.destroy();
        return fail(`more than the expected ${size} bytes arrived; stopped at ${received}`);
      }
      hash.update(value);
      await file.write(value);
    }
  } catch (err) {
    res.destroy();
    return fail(`interrupted after ${received} bytes: ${errorMessage(err)}`, isTransientFetchError(err));
  } finally {
    await file.close();
  }

  if (received !== size) return fail(`got ${received} bytes, expected ${size}`);
  const actual = hash.digest('hex');
  if (actual !== sha256) return fail(`sha256 mismatch: expected ${sha256}, got ${actual}`);
  return { ok: true };
}
