// The current symlink, state.json bookkeeping and the status listing, on a real temp folder.
import { mkdir, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRunSpec } from '../../core/protocol/messages.ts';
import { readAppState, updateAppState, updateAppStateAsync } from './app-state.ts';
import { readCurrentVersion } from './current-version.ts';
import { listAppsOnHost } from './list-apps.ts';
import { completeSwitch, settleSwitch, stageSwitch, type SwitchOutcome, type SwitchPlan } from './switch-current.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'slipway-switch-'));
  for (const v of ['1-aaaaaaa', '2-bbbbbbb', '10-ccccccc']) await mkdir(path.join(root, 'apps/hello/releases', v), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const run: AppRunSpec = { command: 'exec ./serve', port: 8000, healthPath: '/healthz', healthTimeoutMs: 1000, stopTimeoutMs: 1000 };
const plan = (version: string, env = 'production'): SwitchPlan => ({ version, instance: `i-${version}`, run, env, runId: `run-${version}`, deploymentId: null, logs: [] });

/** A whole switch, as an activation does it with no process in between: stage, complete, settle. */
async function switchCurrent(root: string, app: string, version: string, now = Date.now()): Promise<SwitchOutcome> {
  const staged = await stageSwitch(root, app, plan(version));
  if (!staged.ok) return staged;
  const completed = await completeSwitch(root, app, staged);
  if (!completed.ok) return completed;
  const onDisk = readCurrentVersion(root, app);
  updateAppState(root, app, (s) => settleSwitch(s, onDisk, now));
  return completed;
}

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

describe('a switch cut short', () => {
  it('is dropped when current was not renamed yet: the old version stays with its own record', async () => {
    await switchCurrent(root, 'hello', '1-aaaaaaa', 1000);
    const staged = await stageSwitch(root, 'hello', plan('2-bbbbbbb', 'staging'));
    expect(staged).toMatchObject({ ok: true, previous: '1-aaaaaaa' });
    expect(readAppState(root, 'hello')).toMatchObject({ current: '1-aaaaaaa', switching: { version: '2-bbbbbbb', from: '1-aaaaaaa', instance: 'i-2-bbbbbbb' } });
    expect(readAppState(root, 'hello').runSpecs['2-bbbbbbb']).toEqual(run);

    const onDisk = readCurrentVersion(root, 'hello');
    const settled = updateAppState(root, 'hello', (s) => settleSwitch(s, onDisk, 3000));
    expect(onDisk).toBe('1-aaaaaaa');
    expect(settled).toMatchObject({ current: '1-aaaaaaa', previous: null, env: 'production', runId: 'run-1-aaaaaaa', switching: null });
    expect(settled.history).toHaveLength(1);
  });

  it('is completed when current was renamed: previous, history, environment and tags as the activation would have written them', async () => {
    await switchCurrent(root, 'hello', '1-aaaaaaa', 1000);
    const staged = await stageSwitch(root, 'hello', plan('2-bbbbbbb', 'staging'));
    if (!staged.ok) throw new Error(staged.error);
    expect(await completeSwitch(root, 'hello', staged)).toEqual({ ok: true, previous: '1-aaaaaaa' });
    expect(readAppState(root, 'hello').current).toBe('1-aaaaaaa');

    const onDisk = readCurrentVersion(root, 'hello');
    const settled = updateAppState(root, 'hello', (s) => settleSwitch(s, onDisk, 3000));
    expect(settled).toMatchObject({ current: '2-bbbbbbb', previous: '1-aaaaaaa', env: 'staging', runId: 'run-2-bbbbbbb', switching: null });
    expect(settled.history).toEqual([{ version: '1-aaaaaaa', at: 1000 }, { version: '2-bbbbbbb', at: 3000 }]);
  });
});

describe('updateAppStateAsync', () => {
  it('loses no update written while it waits for the disk', async () => {
    await switchCurrent(root, 'hello', '1-aaaaaaa', 1000);
    const writing = updateAppStateAsync(root, 'hello', (s) => (s.logs = ['app.log']));
    updateAppState(root, 'hello', (s) => (s.pid = 4242));
    await writing;
    expect(readAppState(root, 'hello')).toMatchObject({ logs: ['app.log'], pid: 4242, current: '1-aaaaaaa' });
    expect((await readdir(path.join(root, 'apps/hello'))).sort()).toEqual(['current', 'releases', 'state.json']);
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
