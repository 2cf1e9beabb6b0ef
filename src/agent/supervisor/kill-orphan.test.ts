// Orphan cleanup after a real agent process is SIGKILLed, and safety against reused pids.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAppState, updateAppState } from '../releases/app-state.ts';
import { signalGroup } from '../process-signals.ts';
import { killOrphan } from './kill-orphan.ts';
import { listGroupMembers, readProcInfo } from './proc-info.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
let root: string;
const leftovers: number[] = [];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'slipway-orphan-'));
});
afterEach(async () => {
  for (const pid of leftovers.splice(0)) signalGroup(pid, 'SIGKILL');
  await rm(root, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The app's pid once the agent has written it down: the app may print before that (the agent
 * syncs state.json to disk), and a pid read too early is null.
 */
async function recordedPid(): Promise<number> {
  await until('the agent records the app\'s pid', () => readAppState(root, 'hello').pid !== null);
  return readAppState(root, 'hello').pid!;
}

function isRunning(pid: number): boolean {
  const info = readProcInfo(pid);
  return info !== undefined && info.state !== 'Z';
}

/** A real agent process (node + tsx) that supervises an app, then can be SIGKILLed. */
function startAgent(command: string): { agent: ChildProcess; output: () => string } {
  const script = `
    import { AppSupervisor } from ${JSON.stringify(path.join(here, 'app-supervisor.ts'))};
    const s = new AppSupervisor({ root: ${JSON.stringify(root)}, app: 'hello', version: '1-abcdef0', env: 'testing',
      host: 'web-1', command: ${JSON.stringify(command)}, port: 4999, stopTimeoutMs: 5000, cwd: ${JSON.stringify(root)},
      onNote: (text) => console.log(text) });
    s.start();`;
  const agent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: path.resolve(here, '../../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The app writes to its output file, not to the agent.
  return { agent, output: () => readFileOr(path.join(root, 'apps/hello/logs/stdout.log')) };
}

function readFileOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

describe('killOrphan', () => {
  it('stops the app group an agent killed with SIGKILL left behind', async () => {
    const { agent, output } = startAgent('sleep 1000 & echo ready; wait');
    await until('the app is ready', () => output().includes('ready'));
    const pid = await recordedPid();
    leftovers.push(pid);
    agent.kill('SIGKILL');
    await until('the agent is dead', () => agent.exitCode !== null || agent.signalCode !== null);
    expect(listGroupMembers(pid)).toHaveLength(2);

    const outcome = await killOrphan(root, 'hello', { timeoutMs: 2_000 });
    expect(outcome).toMatchObject({ killed: true });
    expect(outcome.pids).toContain(pid);
    expect(listGroupMembers(pid)).toEqual([]);
    expect(readAppState(root, 'hello').pid).toBeNull();
  });

  it('lets the app go on writing its output while its agent is dead, as no pipe to the agent breaks', async () => {
    const { agent, output } = startAgent('i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.01; done');
    await until('the app writes', () => output().includes('tick 3\n'));
    const pid = await recordedPid();
    leftovers.push(pid);
    agent.kill('SIGKILL');
    await until('the agent is dead', () => agent.exitCode !== null || agent.signalCode !== null);
    const ticksAt = (text: string) => text.split('\n').filter((l) => l.startsWith('tick ')).length;
    const atDeath = ticksAt(output());
    await until('the app wrote 20 more lines', () => ticksAt(output()) >= atDeath + 20);
    expect(isRunning(pid)).toBe(true);
    expect(await killOrphan(root, 'hello', { timeoutMs: 2_000 })).toMatchObject({ killed: true });
  });

  it('leaves alone an unrelated process that reused the recorded pid', async () => {
    const stranger = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    const pid = stranger.pid!;
    leftovers.push(pid);
    updateAppState(root, 'hello', (s) => {
      s.pid = pid;
      s.pidStartTime = '1';
      s.pidInstance = 'the-instance-that-was';
    });
    const outcome = await killOrphan(root, 'hello', { timeoutMs: 500 });
    expect(outcome).toEqual({ killed: false, pids: [], reason: `nothing to stop: pid ${pid} now belongs to another process` });
    expect(isRunning(pid)).toBe(true);
    expect(readAppState(root, 'hello').pid).toBeNull();
  });

  it('finds the rest of the app by its instance marker when the group leader is gone', async () => {
    const spawnGroup = (instance: string) => {
      const leader = spawn('sh', ['-c', 'sleep 1000 & echo $!'], {
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { PATH: process.env.PATH, SLIPWAY_INSTANCE: instance },
      });
      leftovers.push(leader.pid!);
      return new Promise<{ leader: number; sleeper: number }>((resolve) =>
        leader.stdout.once('data', (chunk: Buffer) => resolve({ leader: leader.pid!, sleeper: Number(chunk.toString().trim()) })),
      );
    };
    const ours = await spawnGroup('ours');
    const theirs = await spawnGroup('theirs');
    await until('both leaders exited', () => !isRunning(ours.leader) && !isRunning(theirs.leader));
    updateAppState(root, 'hello', (s) => {
      s.pid = ours.leader;
      s.pidStartTime = '1';
      s.pidInstance = 'ours';
    });
    const outcome = await killOrphan(root, 'hello', { timeoutMs: 2_000 });
    expect(outcome).toMatchObject({ killed: true, pids: [ours.sleeper] });
    expect(isRunning(ours.sleeper)).toBe(false);

    updateAppState(root, 'hello', (s) => {
      s.pid = theirs.leader;
      s.pidInstance = 'ours';
    });
    expect((await killOrphan(root, 'hello')).killed).toBe(false);
    expect(isRunning(theirs.sleeper)).toBe(true);
  });

  it('finds an app by its marker when the agent died before writing its pid down', async () => {
    const unique = `marker-${process.pid}-${Date.now()}`;
    const app = spawn('sh', ['-c', 'sleep 1000'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, SLIPWAY_INSTANCE: unique } });
    const stranger = spawn('sh', ['-c', 'sleep 1000'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, SLIPWAY_INSTANCE: `${unique}-other` } });
    leftovers.push(app.pid!, stranger.pid!);
    await until('both have started', () => isRunning(app.pid!) && isRunning(stranger.pid!));
    // What the supervisor writes before it starts the app; the pid would have followed.
    updateAppState(root, 'hello', (s) => {
      s.pid = null;
      s.pidStartTime = null;
      s.pidInstance = unique;
    });
    const outcome = await killOrphan(root, 'hello', { timeoutMs: 2_000 });
    expect(outcome.killed).toBe(true);
    expect(outcome.pids).toContain(app.pid);
    await until('the app is gone', () => !isRunning(app.pid!));
    expect(isRunning(stranger.pid!)).toBe(true);
    expect(readAppState(root, 'hello').pidInstance).toBeNull();
  });

  it('does nothing when no app process was recorded', async () => {
    expect(await killOrphan(root, 'hello')).toEqual({ killed: false, pids: [], reason: 'no app process recorded' });
  });
});
