// The supervisor with real sh processes: env, output files, log tail, crash restarts, process-group stop.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAppState, updateAppState } from '../releases/app-state.ts';
import { newAppInstance } from './app-pid-record.ts';
import { AppSupervisor, type AppSupervisorOptions } from './app-supervisor.ts';
import { listGroupMembers } from './proc-info.ts';

let root: string;
const supervisors: AppSupervisor[] = [];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'slipway-supervisor-'));
});
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
});

/** What the app wrote to its output files so far, each line prefixed with the file's stream. */
async function outputOf(): Promise<string[]> {
  const read = async (stream: string) => (await readFile(path.join(root, 'apps/hello/logs', `${stream}.log`), 'utf8').catch(() => ''))
    .split('\n').filter((l) => l !== '').map((l) => `${stream}: ${l}`);
  return [...(await read('stdout')), ...(await read('stderr'))];
}

function supervise(command: string, extra: Partial<AppSupervisorOptions> = {}) {
  const notes: string[] = [];
  const supervisor = new AppSupervisor({
    root,
    app: 'hello',
    version: '7-abcdef0',
    env: 'testing',
    host: 'web-1',
    command,
    port: 4123,
    stopTimeoutMs: 5_000,
    cwd: root,
    baseEnv: { PATH: process.env.PATH, SLIPWAY_TOKEN: 'agent-secret' },
    onNote: (text) => notes.push(text),
    ...extra,
  });
  supervisors.push(supervisor);
  supervisor.start();
  return { supervisor, notes };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('AppSupervisor', () => {
  it('runs the command in the release folder with PORT and the SLIPWAY_* variables, its output in files, and keeps the last 50 lines', async () => {
    const { supervisor } = supervise(
      'echo "cwd=$(pwd) port=$PORT app=$SLIPWAY_APP version=$SLIPWAY_VERSION env=$SLIPWAY_ENV host=$SLIPWAY_HOST token=${SLIPWAY_TOKEN:-none}"; ' +
        'for i in $(seq 1 60); do echo "line $i"; done; echo oops >&2; exec sleep 1000',
    );
    let lines: string[] = [];
    await until('the app wrote everything', async () => {
      lines = await outputOf();
      return lines.includes('stdout: line 60') && lines.includes('stderr: oops');
    });
    expect(lines[0]).toBe(`stdout: cwd=${root} port=4123 app=hello version=7-abcdef0 env=testing host=web-1 token=none`);
    expect(supervisor.logTail()).toHaveLength(50);
    expect(supervisor.logTail()).toContain('line 60');
    expect(supervisor.status()).toMatchObject({ state: 'running', starts: 1, crashes: 0 });
  });

  it('restarts a crashing app with growing pauses, each start appending to the same output files', async () => {
    const { supervisor, notes } = supervise('echo started >> starts.log; echo "dying now" >&2; exit 1', {
      backoff: { initialMs: 20, maxMs: 80 },
    });
    await until('it started four times', async () => (await readFile(path.join(root, 'starts.log'), 'utf8').catch(() => '')).split('\n').length > 4);
    const status = supervisor.status();
    expect(status.crashes).toBeGreaterThanOrEqual(3);
    expect(status.lastExit).toMatchObject({ code: 1, signal: null });
    const noted = supervisor.logTail().filter((l) => l.startsWith('[slipway]'));
    expect(noted.slice(0, 4)).toEqual([20, 40, 80, 80].map((ms) => `[slipway] hello 7-abcdef0 exited with code 1; restarting in ${ms}ms`));
    expect(supervisor.logTail()).toContain('dying now');
    expect(notes.slice(0, 2)).toEqual([20, 40].map((ms) => `[slipway] hello 7-abcdef0 exited with code 1; restarting in ${ms}ms`));
    expect((await outputOf()).filter((l) => l === 'stderr: dying now').length).toBeGreaterThanOrEqual(3);
  });

  it('keeps in its tail only what its own app wrote, not what the files held before it started', async () => {
    await mkdir(path.join(root, 'apps/hello/logs'), { recursive: true });
    await writeFile(path.join(root, 'apps/hello/logs/stdout.log'), 'from an earlier version\n');
    const { supervisor } = supervise('echo "from this one"; exec sleep 1000');
    await until('the app wrote its line', async () => (await outputOf()).includes('stdout: from this one'));
    expect(supervisor.logTail()).toEqual(['from this one']);
  });

  it('stops the whole process group, children included, and does not restart it', async () => {
    const { supervisor } = supervise('sleep 1000 & sleep 1000 & echo ready; wait');
    const pid = supervisor.status().pid!;
    await until('the children run', () => listGroupMembers(pid).length === 3);
    await supervisor.stop();
    expect(listGroupMembers(pid)).toEqual([]);
    expect(supervisor.status()).toMatchObject({ state: 'stopped', starts: 1, crashes: 0, pid: null });
  });

  it('notes when the stopped app was gone, as info, for how long an app takes to stop', async () => {
    const notes: [string, string | undefined][] = [];
    const { supervisor } = supervise('exec sleep 1000', { onNote: (text, level) => notes.push([text, level]) });
    await until('the app runs', () => supervisor.status().pid !== null);
    await supervisor.stop();
    expect(notes).toHaveLength(1);
    expect(notes[0]![0]).toMatch(/^\[slipway\] hello 7-abcdef0 stopped \d+ ms after SIGTERM$/);
    expect(notes[0]![1]).toBe('info');
  });

  it('kills an app that ignores SIGTERM once the stop timeout has passed', async () => {
    const { supervisor } = supervise('trap "" TERM; sleep 1000 & echo ready; wait', { stopTimeoutMs: 300 });
    const pid = supervisor.status().pid!;
    await until('the app is ready', async () => (await outputOf()).includes('stdout: ready'));
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(listGroupMembers(pid)).toEqual([]);
    expect(supervisor.logTail()).toContain('[slipway] hello 7-abcdef0 ignored SIGTERM for 300ms: killed');
  });

  it('records its process group in state.json while it runs and clears it when stopped', async () => {
    const { supervisor } = supervise('exec sleep 1000');
    const pid = supervisor.status().pid;
    expect(readAppState(root, 'hello')).toMatchObject({ pid, pidStartTime: expect.any(String) as string });
    await supervisor.stop();
    expect(readAppState(root, 'hello')).toMatchObject({ pid: null, pidStartTime: null, pidInstance: null });
  });

  it('leaves its record in state.json for the next process to replace when stopped with keepRecord', async () => {
    const { supervisor } = supervise('exec sleep 1000', { stopTimeoutMs: 60_000 });
    const pid = supervisor.status().pid;
    const recorded = readAppState(root, 'hello');
    const started = Date.now();
    await supervisor.stop({ keepRecord: true });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(listGroupMembers(pid!)).toEqual([]);
    expect(readAppState(root, 'hello')).toMatchObject({ pid, pidStartTime: recorded.pidStartTime, pidInstance: recorded.pidInstance });
  });

  it('runs its processes with the marker the caller recorded before the start', async () => {
    const instance = newAppInstance();
    updateAppState(root, 'hello', (s) => {
      s.pidInstance = instance;
      s.current = '7-abcdef0';
    });
    const { supervisor } = supervise('exec sleep 1000', { instance });
    const pid = supervisor.status().pid;
    expect(readAppState(root, 'hello')).toMatchObject({ current: '7-abcdef0', pid, pidInstance: instance });
    await until('the app runs with its marker', async () =>
      (await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).split('\0').includes(`SLIPWAY_INSTANCE=${instance}`));
  });
});
