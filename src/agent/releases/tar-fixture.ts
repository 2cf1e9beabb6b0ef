// Test helper: writes tar.gz archives header by header, so tests can build the hostile artifacts
// (links, devices, `..` and absolute paths) that well-behaved tar tools refuse to create.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface TarFixtureEntry {
  path: string;
  /** Default 'file'. */
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'fifo';
  body?: string | Buffer;
  linkpath?: string;
  mode?: number;
}

const typeFlags = { file: '0', hardlink: '1', symlink: '2', chardev: '3', dir: '5', fifo: '6' } as const;

/** A gzipped ustar archive of `entries`, in order, plus its sha256 and size as the server reports them. */
export function buildTarGz(entries: TarFixtureEntry[]): { data: Buffer; sha256: string; size: number } {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const type = entry.type ?? 'file';
    blocks.push(header(entry, type, type === 'file' ? body.length : 0));
    if (type === 'file' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const data = gzipSync(Buffer.concat(blocks));
  return { data, sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
}

function header(entry: TarFixtureEntry, type: keyof typeof typeFlags, size: number): Buffer {
  const block = Buffer.alloc(512);
  const put = (offset: number, length: number, value: string) => {
    if (Buffer.byteLength(value) > length) throw new Error(`tar fixture: ${value} is longer than ${length} bytes`);
    block.write(value, offset, length, 'utf8');
  };
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);

  put(0, 100, entry.path);
  octal(100, 8, entry.mode ?? (type === 'dir' ? 0o755 : 0o644));
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, Math.floor(Date.now() / 1000));
  put(148, 8, '        ');
  put(156, 1, typeFlags[type]);
  put(157, 100, entry.linkpath ?? '');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(265, 32, 'root');
  put(297, 32, 'root');
  octal(329, 8, 0);
  octal(337, 8, 0);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}
