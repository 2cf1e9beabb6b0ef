// Uploads a packed artifact to the server, streaming the file, and checks that the server stored
// exactly the bytes the runner packed.
import { openAsBlob } from 'node:fs';
import { z } from 'zod';
import { errorMessage } from '../../base/errors.ts';

export interface UploadArtifactOptions {
  /** Full URL of the server's artifact endpoint (PUT). */
  url: string;
  token: string;
  file: string;
  /** What the runner computed for `file`. */
  sha256: string;
  size: number;
  signal?: AbortSignal;
}

export type UploadArtifactResult = { ok: true; sha256: string; size: number } | { ok: false; error: string };

const storedSchema = z.object({ sha256: z.string(), size: z.number() });

/**
 * PUTs `file` as application/gzip with the bearer token; the server answers 201 with the sha256 and
 * size it stored. Failures are values: a network or HTTP error, an answer that is not that JSON, or
 * a digest or size that differs from what the runner packed.
 */
export async function uploadArtifact(o: UploadArtifactOptions): Promise<UploadArtifactResult> {
  let response: Response;
  try {
    response = await fetch(o.url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/gzip' },
      body: await openAsBlob(o.file),
      signal: o.signal,
    });
  } catch (err) {
    const why = (err as Error | undefined)?.name === 'AbortError' ? 'cancelled' : errorMessage(err);
    return { ok: false, error: `uploading the artifact failed: ${why}` };
  }
  const text = await response.text().catch(() => '');
  if (response.status !== 201 && response.status !== 200) {
    return { ok: false, error: `uploading the artifact failed: HTTP ${response.status}${text ? ` ${text.slice(0, 200).trim()}` : ''}` };
  }
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
