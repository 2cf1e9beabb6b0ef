// The current symlink, state.json bookkeeping and the status listing, on a real temp folder.
import { mkdir, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAppState } from './app-state.ts';
import { listAppsOnHost } from './list-apps.ts';
import { switchCurrent } from './switch-current.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'slipway-switch-'));
  for (const v of ['1-aaaaaaa', '2-bbbbbbb', '10-ccccccc']) await mkdir(path.join(root, 'apps/hello/releases', v), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('switchCurrent', () => {
  it('points current at the release and records previous and history', async () => {
    expect(await switchCurrent(root, 'hello', '1-aaaaaaa', 1000)).toEqual({ ok: true, previous: null });
    expect(await switchCurrent(root, 'hello', '2-bbbbbbb', 2000)).toEqual({ ok: true, previous: '1-aaaaaaa' });
    expect(await readlink(path.join(root, 'apps/hello/current'))).toBe('releases/2-bbbbbbb');
    expect(readAppState(root, 'hello')).toMatchObject({
      current: '2-bbbbbbb',
      previous: '1-aaaaaaa',
      history: [{ version: '1-aaaaaaa', at: 1000 }, { version: '2-bbbbbbb', at: 2000 }],
    });
  });

  it('gives the same answer when the switch is replayed, leaving no temp files behind', async () => {
    await switchCurrent(root, 'hello', '1-aaaaaaa');
    await switchCurrent(root, 'hello', '2-bbbbbbb');
    expect(await switchCurrent(root, 'hello', '2-bbbbbbb')).toEqual({ ok: true, previous: '1-aaaaaaa' });
    expect(readAppState(root, 'hello').history).toHaveLength(2);
    expect((await readdir(path.join(root, 'apps/hello'))).sort()).toEqual(['current', 'releases', 'state.json']);
    expect(JSON.parse(await readFile(path.join(root, 'apps/hello/state.json'), 'utf8'))).toMatchObject({ current: '2-bbbbbbb' });
  });

  it('refuses a release that is not there, leaving current alone', async () => {
    await switchCurrent(root, 'hello', '1-aaaaaaa');
    const outcome = await switchCurrent(root, 'hello', '3-ddddddd');
    expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining('release 3-ddddddd of hello is not prepared') as string });
    expect(await readlink(path.join(root, 'apps/hello/current'))).toBe('releases/1-aaaaaaa');
  });
});

describe('listAppsOnHost', () => {
  it('lists complete releases in run order with the current one, ignoring unfinished folders', async () => {
    await mkdir(path.join(root, 'apps/hello/.incoming-x1'));
    await mkdir(path.join(root, 'apps/hello/releases/not-a-version'));
    await switchCurrent(root, 'hello', '2-bbbbbbb');
    expect(await listAppsOnHost(root)).toEqual([{ app: 'hello', current: '2-bbbbbbb', releases: ['1-aaaaaaa', '2-bbbbbbb', '10-ccccccc'] }]);
    expect(await listAppsOnHost(path.join(root, 'missing'))).toEqual([]);
  });
});
