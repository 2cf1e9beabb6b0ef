import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchSource } from './fetch-source.ts';

let tmp: string;
let dir: string;
let body: Buffer;
let url: string;
let close: () => Promise<void>;

/** A tar.gz with the given file entries, written by hand so that it may hold unsafe paths. */
function tarGz(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, content] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    new Header({ path, type: 'File', size: Buffer.byteLength(content), mode: 0o644, mtime: new Date(0) }).encode(header);
    const data = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
    data.write(content);
    blocks.push(header, data);
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'slipway-fetch-'));
  dir = join(tmp, 'ws');
  await mkdir(dir);
  const server = createServer((_req, res) => res.writeHead(200).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/source.tar.gz`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterEach(async () => {
  await close();
  await rm(tmp, { recursive: true, force: true });
});

describe('fetchSource', () => {
  it('unpacks the files of the archive into the workspace', async () => {
    body = tarGz({ 'a.txt': 'hello', 'src/b.txt': 'world' });

    expect(await fetchSource({ url, token: 't', dir })).toEqual({ ok: true, files: 2 });
    expect(await readFile(join(dir, 'src/b.txt'), 'utf8')).toBe('world');
  });

  it.each([['../evil.txt'], ['/tmp/evil.txt'], ['src/../../evil.txt']])('refuses an archive with the path %s and writes nothing outside', async (path) => {
    body = tarGz({ 'ok.txt': 'fine', [path]: 'pwned' });

    const result = await fetchSource({ url, token: 't', dir });

    expect(result).toEqual({ ok: false, error: `unpacking the source failed: the archive has paths outside the workspace: ${path}` });
    expect((await readdir(tmp)).sort()).toEqual(['ws']);
  });

  it('fails clearly on something that is not a tar.gz', async () => {
    body = Buffer.from('<html>not an archive</html>');

    const result = await fetchSource({ url, token: 't', dir });

    expect(result.ok).toBe(false);
    expect(result.ok === false && result.error).toMatch(/^unpacking the source failed: /);
  });
});
