import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSafeJobId, removeTree, resetWorkspace } from './workspace.ts';

let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'slipway-ws-'));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('workspace', () => {
  it('accepts ordinary job ids and refuses ones that could leave the work root', () => {
    expect(['job-1', 'a1b2c3d4-0000-4000-8000-000000000000', 'build_7.2'].every(isSafeJobId)).toBe(true);
    expect(['', '..', '../x', 'a/b', '.hidden', 'a..b', 'x\\y'].some(isSafeJobId)).toBe(false);
  });

  it('empties a workspace that a previous attempt left behind', async () => {
    const ws = join(tmp, 'job-1');
    await mkdir(join(ws, 'old'), { recursive: true });
    await writeFile(join(ws, 'old/file'), 'stale');

    await resetWorkspace(ws);

    expect(await readdir(ws)).toEqual([]);
  });

  it('removes read-only folders, and removes links without touching what they point to', async () => {
    const ws = join(tmp, 'job-1');
    const keep = join(tmp, 'keep.txt');
    await writeFile(keep, 'keep');
    await mkdir(join(ws, 'cache/mod'), { recursive: true });
    await writeFile(join(ws, 'cache/mod/go.mod'), 'module x');
    await symlink(keep, join(ws, 'link'));
    await chmod(join(ws, 'cache/mod'), 0o555);
    await chmod(join(ws, 'cache'), 0o555);

    await removeTree(ws);

    expect(await readdir(tmp)).toEqual(['keep.txt']);
  });
});
