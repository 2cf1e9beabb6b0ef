// An agent killed in the middle of an activation, at the points the staged switch adds (see
// switch-current.ts): the restarted agent comes back to a consistent app, with real processes.
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRunSpec } from '../../core/protocol/messages.ts';
import { readProcInfo } from '../supervisor/proc-info.ts';
import { activateRelease } from './activate-release.ts';
import { useAppHost } from './app-host-fixture.ts';
import { readAppState } from './app-state.ts';
import { resumeApp } from './resume-app.ts';
import type { AppHostDeps } from './start-app.ts';
import { completeSwitch, stageSwitch } from './switch-current.ts';

const appSource = `
const http = require('node:http');
const fs = require('node:fs');
http.createServer((req, res) => res.end(fs.readFileSync('release.txt', 'utf8'))).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;
const run: AppRunSpec = { command: `exec "${process.execPath}" server.cjs`, port: 1, healthPath: '/', healthTimeoutMs: 10_000, stopTimeoutMs: 3_000 };
const first = { app: 'hello', version: '1-aaaaaaa', env: 'testing', run, runId: 'run-1', deploymentId: 'deployment-1', logs: [] };
const next = { version: '2-bbbbbbb', instance: 'switch-test-instance', run, env: 'testing', runId: 'run-2', deploymentId: 'deployment-2', logs: [] };

let root: string;
let port: number;
const strays: number[] = [];
const host = useAppHost('slipway-switch-crash-', { healthIntervalMs: 20 });

beforeEach(async () => {
  ({ root, port } = host());
  for (const version of ['1-aaaaaaa', '2-bbbbbbb']) {
    const dir = path.join(root, 'apps/hello/releases', version);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'server.cjs'), appSource);
    await writeFile(path.join(dir, 'release.txt'), version);
  }
});
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already, as the test expects
    }
  }
});

function deps(): AppHostDeps {
  return host().deps();
}

/** An agent that ran version 1, then died: its app is stopped (or left behind), its memory gone. */
async function agentThatDied(): Promise<void> {
  const before = deps();
  expect(await activateRelease(before, first)).toMatchObject({ ok: true });
  await before.apps.close();
}

describe('resuming after an activation cut short', () => {
  it('goes on with the old release when the agent died after staging the switch, before renaming current', async () => {
    await agentThatDied();
    expect(await stageSwitch(root, 'hello', next)).toMatchObject({ ok: true });

    expect(await resumeApp(deps(), 'hello')).toMatchObject({ ok: true, version: '1-aaaaaaa' });
    expect(await answer()).toBe('1-aaaaaaa');
    expect(readAppState(root, 'hello')).toMatchObject({ current: '1-aaaaaaa', previous: null, runId: 'run-1', deploymentId: 'deployment-1', switching: null });
    expect((await readdir(path.join(root, 'apps/hello'))).filter((name) => name.startsWith('.current-'))).toEqual([]);
  });

  it('finishes the switch, stopping the process it had started, when the agent died after renaming current', async () => {
    await agentThatDied();
    const staged = await stageSwitch(root, 'hello', next);
    if (!staged.ok) throw new Error(staged.error);
    expect(await completeSwitch(root, 'hello', staged)).toEqual({ ok: true, previous: '1-aaaaaaa' });
    // The new process started, and the agent died before writing its pid: only its marker tells it.
    const started = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore', env: { ...process.env, SLIPWAY_INSTANCE: next.instance } });
    strays.push(started.pid!);

    expect(await resumeApp(deps(), 'hello')).toMatchObject({ ok: true, version: '2-bbbbbbb' });
    expect(readProcInfo(started.pid!)?.state ?? 'gone').toMatch(/gone|Z/);
    expect(await answer()).toBe('2-bbbbbbb');
    const state = readAppState(root, 'hello');
    expect(state).toMatchObject({ current: '2-bbbbbbb', previous: '1-aaaaaaa', runId: 'run-2', deploymentId: 'deployment-2', switching: null });
    expect(state.history.map((h) => h.version)).toEqual(['1-aaaaaaa', '2-bbbbbbb']);
    expect((await readdir(path.join(root, 'apps/hello'))).filter((name) => name.startsWith('.current-'))).toEqual([]);
  });

  it('leaves no staged switch behind after an activation that completed', async () => {
    const d = deps();
    await activateRelease(d, first);
    expect(await activateRelease(d, { ...first, version: '2-bbbbbbb', runId: 'run-2' })).toMatchObject({ ok: true, previous: '1-aaaaaaa' });
    const state = readAppState(root, 'hello');
    expect(state).toMatchObject({ current: '2-bbbbbbb', previous: '1-aaaaaaa', runId: 'run-2', switching: null, pidInstance: expect.any(String) as string });
    expect(state.pid).toBe(readProcInfo(state.pid!)?.pgid);
  });
});

async function answer(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/`)).text();
}
