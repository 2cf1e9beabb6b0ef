// The `prepare` command: download an artifact, check it, unpack it safely and keep it as a release.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../base/errors.ts';
import { appPaths } from './app-paths.ts';
import { readCurrentVersion } from './current-version.ts';
import { downloadArtifact } from './download-artifact.ts';
import { extractArtifact } from './extract-artifact.ts';
import { checkReleaseNames } from './release-names.ts';

export interface PrepareRequest {
  /** The agent's --root. */
  root: string;
  app: string;
  version: string;
  /** Full URL of the artifact on the server. */
  url: string;
  /** The agent's token, sent as a Bearer token. */
  token: string;
  sha256: string;
  size: number;
  /** Largest artifact accepted at all (default 1 GiB). */
  maxBytes?: number;
  /** Largest total of the unpacked files (default 8 GiB). */
  maxUnpackedBytes?: number;
  /** Gives up on the download after this long (default 10 minutes). */
  timeoutMs?: number;
}

export type PrepareOutcome = { ok: true; previous: string | null } | { ok: false; error: string };

const GiB = 1024 ** 3;

/**
 * Makes `<root>/apps/<app>/releases/<version>` hold the artifact's files. The artifact is streamed
 * to a temp file under <root>/tmp, checked (size, sha256), unpacked into a fresh
 * <root>/apps/<app>/.incoming-<random>/ accepting only files and directories, then renamed into
 * place, so a release folder exists only when complete. Idempotent: an existing release is kept
 * as is and reported done. On failure the temp file and incoming folder are removed and nothing
 * else has been written. `previous` is the app's current version on this host (null if none).
 */
export async function prepareRelease(req: PrepareRequest): Promise<PrepareOutcome> {
  const { root, app, version } = req;
  const badName = checkReleaseNames(app, version);
  if (badName !== undefined) return { ok: false, error: badName };
  const paths = appPaths(root, app);
  const releaseDir = paths.release(version);
  const label = `artifact of ${app} ${version}`;

  if (await isDirectory(releaseDir)) return { ok: true, previous: readCurrentVersion(root, app) };
  const maxBytes = req.maxBytes ?? GiB;
  if (req.size > maxBytes) {
    return { ok: false, error: `${label} is ${req.size} bytes, over the limit of ${maxBytes}` };
  }

  let tempFile: string | undefined;
  let incoming: string | undefined;
  try {
    await mkdir(paths.tmpDir, { recursive: true, mode: 0o700 });
    await mkdir(paths.releasesDir, { recursive: true, mode: 0o700 });
    tempFile = path.join(paths.tmpDir, `artifact-${app}-${version}-${randomBytes(6).toString('hex')}.tar.gz`);
    const downloaded = await downloadArtifact({
      url: req.url,
      token: req.token,
      dest: tempFile,
      size: req.size,
      sha256: req.sha256,
      signal: AbortSignal.timeout(req.timeoutMs ?? 600_000),
    });
    if (!downloaded.ok) return { ok: false, error: `${label}: ${downloaded.error}` };

    incoming = await mkdtemp(path.join(paths.appDir, '.incoming-'));
    const extracted = await extractArtifact(tempFile, incoming, { maxUnpackedBytes: req.maxUnpackedBytes });
    if (!extracted.ok) return { ok: false, error: `refused ${label} (from ${req.url}): ${extracted.error}` };
    await chmod(incoming, 0o755);
    try {
      await rename(incoming, releaseDir);
      incoming = undefined;
    } catch (err) {
      // Another prepare of the same version finished first: its release is as good as ours.
      if (!(await isDirectory(releaseDir))) throw err;
    }
    return { ok: true, previous: readCurrentVersion(root, app) };
  } catch (err) {
    return { ok: false, error: `could not prepare ${label} in ${paths.appDir}: ${errorMessage(err)}` };
  } finally {
    if (tempFile !== undefined) await rm(tempFile, { force: true });
    if (incoming !== undefined) await rm(incoming, { recursive: true, force: true });
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
