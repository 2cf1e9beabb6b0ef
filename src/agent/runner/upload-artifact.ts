// Uploads a packed artifact to the server, streaming the file, and checks that the server stored
// exactly the bytes the runner packed.
import { openAsBlob } from 'node:fs';
import * as z from 'zod/mini';
import { errorMessage } from '../../base/errors.ts';
import { isTransientFetchError, isTransientStatus, retryTransient, type AttemptOutcome } from '../connection/retry-transient.ts';

export interface UploadArtifactOptions {
  /** Full URL of the server's artifact endpoint (PUT). */
  url: string;
  token: string;
  /** The build job's one-time upload token (header X-Slipway-Upload-Token); the server records an artifact only with it. */
  uploadToken?: string;
  file: string;
  /** What the runner computed for `file`. */
  sha256: string;
  size: number;
  signal?: AbortSignal;
  /** How long an upload cut off or refused by the server (a server restart) is tried again; default 60 s. */
  retryForMs?: number;
}

export type UploadArtifactResult = { ok: true; sha256: string; size: number } | { ok: false; error: string };

const storedSchema = z.object({ sha256: z.string(), size: z.number() });

/**
 * PUTs `file` as application/gzip with the bearer token; the server answers 201 with the sha256 and
 * size it stored. Failures are values: a network or HTTP error, an answer that is not that JSON, or
 * a digest or size that differs from what the runner packed.
 */
export async function uploadArtifact(o: UploadArtifactOptions): Promise<UploadArtifactResult> {
  // The server stores uploads by content and records one per upload token, so sending the same
  // file again after a cut is harmless: a token is used up only by an upload the server recorded,
  // and the same bytes again are answered as before.
  const answered = await retryTransient(async (): Promise<AttemptOutcome<{ ok: true; text: string }>> => {
    try {
      const response = await fetch(o.url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${o.token}`, 'content-type': 'application/gzip', ...(o.uploadToken ? { 'x-slipway-upload-token': o.uploadToken } : {}),
        },
        body: await openAsBlob(o.file),
        signal: o.signal,
      });
      const text = await response.text().catch(() => '');
      if (response.status === 201 || response.status === 200) return { ok: true, text };
      return { ok: false, error: `uploading the artifact failed: HTTP ${response.status}${text ? ` ${text.slice(0, 200).trim()}` : ''}`, transient: isTransientStatus(response.status) };
    } catch (err) {
      const why = (err as Error | undefined)?.name === 'AbortError' ? 'cancelled' : errorMessage(err);
      return { ok: false, error: `uploading the artifact failed: ${why}`, transient: isTransientFetchError(err) };
    }
  }, { forMs: o.retryForMs ?? 60_000, ...(o.signal ? { signal: o.signal } : {}) });
  if (!answered.ok) return answered;
  const { text } = answered;
  let stored: z.infer<typeof storedSchema>;
  try {
    stored = storedSchema.parse(JSON.parse(text));
  } catch {
    return { ok: false, error: `uploading the artifact failed: the server's answer is not { sha256, size }: ${text.slice(0, 200)}` };
  }
  if (stored.sha256 !== o.sha256 || stored.size !== o.size) {
    return {
      ok: false,
      error: `uploading the artifact failed: the server stored sha256 ${stored.sha256} (${stored.size} bytes) but the runner packed ${o.sha256} (${o.size} bytes)`,
    };
  }
  return { ok: true, sha256: stored.sha256, size: stored.size };
}
