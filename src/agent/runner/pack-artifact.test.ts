import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list } from 'tar';
import type { ReadEntry } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packArtifact } from './pack-artifact.ts';

let tmp: string;
let ws: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'slipway-pack-'));
  ws = join(tmp, 'ws');
  await mkdir(join(ws, 'lib'), { recursive: true });
  await writeFile(join(ws, 'lib/a.js'), 'a');
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function listed(file: string): Promise<Array<[string, string, number]>> {
  const entries: Array<[string, string, number]> = [];
  await list({ file, onReadEntry: (e: ReadEntry) => entries.push([e.path, e.type, e.size]) });
  return entries;
}

describe('packArtifact', () => {
  it('stores hard-linked files in full, so the archive holds only files and folders', async () => {
    await link(join(ws, 'lib/a.js'), join(ws, 'lib/b.js'));
    await symlink('a.js', join(ws, 'lib/c.js'));
    const file = join(tmp, 'out.tar.gz');

    const result = await packArtifact({ workspace: ws, paths: ['lib'], file });

    expect(result).toEqual({ ok: true, entries: 4, sha256: createHash('sha256').update(await readFile(file)).digest('hex'), size: (await readFile(file)).length });
    expect(await listed(file)).toEqual([
      ['lib/', 'Directory', 0],
      ['lib/a.js', 'File', 1],
      ['lib/b.js', 'File', 1],
      ['lib/c.js', 'File', 1],
    ]);
  });

  it('keeps a path that starts with @ as a path, not an archive to merge', async () => {
    await mkdir(join(ws, '@scope'));
    await writeFile(join(ws, '@scope/x.js'), 'x');
    const file = join(tmp, 'out.tar.gz');

    expect((await packArtifact({ workspace: ws, paths: ['@scope'], file })).ok).toBe(true);
    expect((await listed(file)).map(([path]) => path)).toEqual(['@scope/', '@scope/x.js']);
  });

  it('fails a build that declares no artifact paths', async () => {
    expect(await packArtifact({ workspace: ws, paths: [], file: join(tmp, 'out.tar.gz') })).toEqual({ ok: false, error: 'the build declares no artifact paths' });
  });
});
