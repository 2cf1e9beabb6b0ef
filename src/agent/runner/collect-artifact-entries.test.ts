import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectArtifactEntries } from './collect-artifact-entries.ts';

let tmp: string;
let ws: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'slipway-collect-'));
  ws = join(tmp, 'ws');
  await mkdir(join(ws, 'dist/assets'), { recursive: true });
  await writeFile(join(ws, 'dist/app.js'), 'app');
  await writeFile(join(ws, 'dist/assets/logo.svg'), '<svg/>');
  await writeFile(join(ws, 'package.json'), '{}');
  await writeFile(join(tmp, 'secret'), 'outside');
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('collectArtifactEntries', () => {
  it('lists each declared path and everything in its folders, parents first, each once', async () => {
    const result = await collectArtifactEntries(ws, ['dist/', 'dist/app.js', 'package.json']);

    expect(result).toEqual({ ok: true, entries: ['dist', 'dist/app.js', 'dist/assets', 'dist/assets/logo.svg', 'package.json'] });
  });

  it('follows a link to a folder inside the workspace under the link’s own name', async () => {
    await symlink('dist/assets', join(ws, 'static'));

    expect(await collectArtifactEntries(ws, ['static'])).toEqual({ ok: true, entries: ['static', 'static/logo.svg'] });
  });

  it('packs the whole workspace for "."', async () => {
    const result = await collectArtifactEntries(ws, ['.']);

    expect(result).toEqual({ ok: true, entries: ['dist', 'dist/app.js', 'dist/assets', 'dist/assets/logo.svg', 'package.json'] });
  });

  it('refuses a dangling symlink', async () => {
    await symlink('nowhere.js', join(ws, 'dist/broken.js'));

    expect(await collectArtifactEntries(ws, ['dist'])).toEqual({ ok: false, error: "'dist/broken.js' is a symlink to 'nowhere.js', which does not exist" });
  });

  it('refuses a symlink inside a folder that points outside the workspace', async () => {
    await symlink('../../secret', join(ws, 'dist/leak'));

    expect(await collectArtifactEntries(ws, ['dist'])).toEqual({ ok: false, error: "'dist/leak' is a symlink to '../../secret', outside the workspace" });
  });

  it('refuses a path that reaches outside through a linked folder', async () => {
    await symlink(tmp, join(ws, 'up'));

    expect(await collectArtifactEntries(ws, ['up/secret'])).toEqual({
      ok: false,
      error: `artifact path 'up/secret' leads outside the workspace (to ${join(tmp, 'secret')})`,
    });
  });

  it('refuses a folder link that loops back to a folder containing it', async () => {
    await symlink('..', join(ws, 'dist/assets/loop'));

    const result = await collectArtifactEntries(ws, ['dist']);
    expect(result).toEqual({ ok: false, error: "artifact path 'dist/assets/loop' is a symlink loop (it points to a folder that contains it)" });
  });

  it('refuses paths that escape by normalisation', async () => {
    expect(await collectArtifactEntries(ws, ['dist/../../secret'])).toEqual({ ok: false, error: "artifact path 'dist/../../secret' escapes the workspace" });
  });
});
