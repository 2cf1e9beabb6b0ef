// Packs a build's declared paths into the artifact tar.gz: regular files and folders only (symlinks
// stored as what they point to, hard links as separate files), with its sha256 and size.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { WriteEntry } from 'tar';
import { errorMessage } from '../../base/errors.ts';
import { collectArtifactEntries } from './collect-artifact-entries.ts';

export interface PackArtifactOptions {
  workspace: string;
  /** slipway.yml's `build.artifact`: paths relative to the workspace. */
  paths: readonly string[];
  /** Where to write the tar.gz; best outside the workspace. */
  file: string;
}

export type PackArtifactResult =
  | { ok: true; entries: number; sha256: string; size: number }
  | { ok: false; error: string };

/** A link cache that never remembers, so that tar writes every hard-linked file in full. */
class NoHardLinks extends Map<`${number}:${number}`, string> {
  override set(): this {
    return this;
  }
}

/**
 * Writes the artifact for `paths` to `file` and returns its sha256 (hex) and size in bytes. Entry
 * names are relative to the workspace ("dist/app.js"), without owners (portable). Failures are
 * values: any problem collectArtifactEntries finds, no paths declared, or an I/O error.
 */
export async function packArtifact(o: PackArtifactOptions): Promise<PackArtifactResult> {
  if (o.paths.length === 0) return { ok: false, error: 'the build declares no artifact paths' };
  const collected = await collectArtifactEntries(o.workspace, o.paths);
  if (!collected.ok) return collected;

  // Loaded here, not at the top: only runners pack artifacts, and tar costs every agent about 1 MB.
  const { Pack } = await import('tar');
  const unexpected: string[] = [];
  const pack = new Pack({
    cwd: o.workspace,
    gzip: true,
    portable: true,
    follow: true,
    noDirRecurse: true,
    strict: true,
    linkCache: new NoHardLinks(),
    onWriteEntry: (entry: WriteEntry) => {
      if (entry.type !== 'File' && entry.type !== 'Directory') unexpected.push(`${entry.path} (${entry.type})`);
    },
  });
  try {
    const written = pipeline(pack, createWriteStream(o.file));
    for (const entry of collected.entries) pack.add(entry);
    pack.end();
    await written;
  } catch (err) {
    return { ok: false, error: `packing the artifact failed: ${errorMessage(err)}` };
  }
  if (unexpected.length > 0) {
    return { ok: false, error: `packing the artifact failed: entries that are not files or folders: ${unexpected.join(', ')}` };
  }
  const hash = createHash('sha256');
  await pipeline(createReadStream(o.file), hash);
  return { ok: true, entries: collected.entries.length, sha256: hash.digest('hex'), size: (await stat(o.file)).size };
}
