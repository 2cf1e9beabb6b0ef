// Preparing releases from a real HTTP server, and refusing hostile artifacts without writing outside the release.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, lstat, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { startArtifactServer, type ArtifactServerFixture } from './artifact-server-fixture.ts';
import { prepareRelease, type PrepareRequest } from './prepare-release.ts';
import { buildTarGz, type TarFixtureEntry } from './tar-fixture.ts';

const token = 'agent_test-token';
let server: ArtifactServerFixture;
let parent: string;
let root: string;

beforeAll(async () => {
  server = await startArtifactServer(token);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'slipway-prepare-'));
  root = path.join(parent, 'root');
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const goodEntries: TarFixtureEntry[] = [
  { path: 'bin/', type: 'dir' },
  { path: 'bin/server.cjs', body: 'console.log("hi")\n', mode: 0o4755 },
  { path: 'package.json', body: '{"name":"hello"}\n' },
];

function serve(version: string, entries: TarFixtureEntry[]): Omit<PrepareRequest, 'root'> {
  const artifact = buildTarGz(entries);
  const urlPath = `/api/v1/artifacts/hello/${version}`;
  server.put(urlPath, artifact.data);
  return { app: 'hello', version, url: server.url(urlPath), token, sha256: artifact.sha256, size: artifact.size };
}

/** Every path under `dir` with its type and size, so a test can see that nothing appeared or changed. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const name of (await readdir(d)).sort()) {
      const p = path.join(d, name);
      const s = await lstat(p);
      out.push(`${path.relative(dir, p)} ${s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : s.size}`);
      if (s.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

describe('prepareRelease', () => {
  it('downloads, checks and unpacks a good artifact into releases/<version>', async () => {
    const outcome = await prepareRelease({ root, ...serve('1-aaaaaaa', goodEntries) });
    expect(outcome).toEqual({ ok: true, previous: null });
    const release = path.join(root, 'apps/hello/releases/1-aaaaaaa');
    expect(await readFile(path.join(release, 'bin/server.cjs'), 'utf8')).toBe('console.log("hi")\n');
    expect((await stat(path.join(release, 'bin/server.cjs'))).mode & 0o7777).toBe(0o755);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    expect((await readdir(path.join(root, 'apps/hello'))).filter((n) => n.startsWith('.incoming'))).toEqual([]);
  });

  it('does nothing the second time a version is prepared', async () => {
    const request = { root, ...serve('2-bbbbbbb', goodEntries) };
    expect((await prepareRelease(request)).ok).toBe(true);
    expect(await prepareRelease(request)).toEqual({ ok: true, previous: null });
    expect(server.hits('/api/v1/artifacts/hello/2-bbbbbbb')).toBe(1);
  });

  it('refuses bad app or version names before touching the disk', async () => {
    const request = serve('3-ccccccc', goodEntries);
    const badApp = await prepareRelease({ root, ...request, app: '../etc' });
    const badVersion = await prepareRelease({ root, ...request, version: '../../x' });
    expect(badApp).toMatchObject({ ok: false, error: expect.stringContaining('invalid app name') as string });
    expect(badVersion).toMatchObject({ ok: false, error: expect.stringContaining('invalid version') as string });
    expect(await readdir(parent)).toEqual([]);
  });

  it('downloads again from the start when the server cuts the connection (a server restart), and keeps nothing partial', async () => {
    const request = serve('3-ccccccc', goodEntries);
    const urlPath = '/api/v1/artifacts/hello/3-ccccccc';
    server.cutNext(urlPath, 2);
    expect(await prepareRelease({ root, ...request })).toEqual({ ok: true, previous: null });
    expect(server.hits(urlPath)).toBe(3);
    expect(await readFile(path.join(root, 'apps/hello/releases/3-ccccccc/package.json'), 'utf8')).toBe('{"name":"hello"}\n');
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('reports a download the server refuses', async () => {
    const outcome = await prepareRelease({ root, ...serve('4-ddddddd', goodEntries), token: 'wrong' });
    expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining('HTTP 401') as string });
  });

  describe('refuses a hostile artifact with nothing written outside the new release folder', () => {
    const cases: [string, () => Omit<PrepareRequest, 'root'>, string][] = [
      ['a ../ entry', () => serve('9-0000001', [...goodEntries, { path: '../../../../escaped.txt', body: 'x' }]), '".." component'],
      ['a .. in the middle', () => serve('9-0000002', [{ path: 'bin/../../../../../escaped.txt', body: 'x' }]), '".." component'],
      ['an absolute path', () => serve('9-0000003', [{ path: `${parent}/absolute.txt`, body: 'x' }]), 'absolute path'],
      ['a symlink', () => serve('9-0000004', [{ path: 'evil', type: 'symlink', linkpath: '../../../..' }, { path: 'evil/escaped.txt', body: 'x' }]), 'SymbolicLink'],
      ['a hardlink', () => serve('9-0000005', [...goodEntries, { path: 'passwd', type: 'hardlink', linkpath: '/etc/passwd' }]), 'Link'],
      ['a device', () => serve('9-0000006', [{ path: 'tty', type: 'chardev' }]), 'CharacterDevice'],
      ['a fifo', () => serve('9-0000007', [{ path: 'pipe', type: 'fifo' }]), 'FIFO'],
      ['a sha256 mismatch', () => ({ ...serve('9-0000008', goodEntries), sha256: 'f'.repeat(64) }), 'sha256 mismatch'],
      ['fewer bytes than announced', () => ({ ...serve('9-0000009', goodEntries), size: 10_000 }), 'expected 10000'],
      ['more bytes than its declared size', () => endless('9-0000010', 4096), 'more than the expected 4096 bytes'],
      ['a size over the limit', () => ({ ...serve('9-0000011', goodEntries), size: 2 * 1024 ** 3 }), 'over the limit'],
      ['bytes that are not a tar.gz', () => garbage('9-0000012'), 'not a valid tar.gz'],
    ];

    it.each(cases)('%s', async (_name, request, message) => {
      expect((await prepareRelease({ root, ...serve('1-aaaaaaa', goodEntries) })).ok).toBe(true);
      const before = await snapshot(parent);
      const req = request();
      const outcome = await prepareRelease({ root, ...req });
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toContain(message);
      expect(!outcome.ok && outcome.error).toContain(req.version);
      expect(await snapshot(parent)).toEqual(before);
    });
  });

  it('stops reading as soon as more bytes than the declared size arrive', async () => {
    const started = Date.now();
    const outcome = await prepareRelease({ root, ...endless('9-0000013', 1024 * 1024) });
    expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining('more than the expected 1048576 bytes') as string });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });
});

function endless(version: string, size: number): Omit<PrepareRequest, 'root'> {
  const urlPath = `/endless/${version}`;
  server.putEndless(urlPath);
  return { app: 'hello', version, url: server.url(urlPath), token, sha256: '0'.repeat(64), size };
}

function garbage(version: string): Omit<PrepareRequest, 'root'> {
  const data = Buffer.from('this is not a tarball at all, just text\n'.repeat(20));
  const urlPath = `/garbage/${version}`;
  server.put(urlPath, data);
  return { app: 'hello', version, url: server.url(urlPath), token, sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
}
