// Artifact files on the server's disk, addressed by their sha256: <data>/artifacts/ab/abcdef….tar.gz.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';
import { InputError } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';

export interface StoredBlob {
  sha256: string;
  size: number;
}

export class ArtifactBlobs {
  constructor(private readonly dir: string, private readonly maxBytes: number) {}

  /**
   * Stores a stream under its sha256 (written to a temp file, renamed in when complete: a
   * crash never leaves a partial blob). Throws InputError when it exceeds the size limit.
   */
  async put(body: Readable): Promise<StoredBlob> {
    const tmpDir = join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${newId()}.part`);
    const counter = this.counter();
    try {
      await pipeline(body, counter.stream, createWriteStream(tmp, { mode: 0o600 }));
      const blob = counter.blob();
      const final = this.path(blob.sha256);
      await mkdir(join(final, '..'), { recursive: true });
      await rename(tmp, final);
      return blob;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The sha256 and size of a stream, stored nowhere (same size limit as `put`). */
  async digest(body: Readable): Promise<StoredBlob> {
    const counter = this.counter();
    await pipeline(body, counter.stream, new Writable({ write: (_chunk, _enc, done) => done() }));
    return counter.blob();
  }

  /** The blob's size, or undefined when it is not stored. */
  async size(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(sha256))).size;
    } catch {
      return undefined;
    }
  }

  open(sha256: string): Readable {
    return createReadStream(this.path(sha256));
  }

  private counter(): { stream: Transform; blob: () => StoredBlob } {
    const hash = createHash('sha256');
    let size = 0;
    const limit = this.maxBytes;
    const stream = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(new InputError('SLIPWAY_ARTIFACT_TOO_LARGE', `artifact exceeds the limit of ${limit} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    return { stream, blob: () => ({ sha256: hash.digest('hex'), size }) };
  }

  private path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new InputError('SLIPWAY_BAD_SHA256', `not a sha256: ${sha256}`);
    return join(this.dir, sha256.slice(0, 2), `${sha256}.tar.gz`);
  }
}
