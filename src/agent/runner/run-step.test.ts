import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStep } from './run-step.ts';
import type { StepOptions } from './run-step.ts';

let dir: string;
let lines: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-step-'));
  lines = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function step(run: string, extra: Partial<StepOptions> = {}): Promise<Awaited<ReturnType<typeof runStep>>> {
  return runStep({ name: 'test', run, cwd: dir, env: { PATH: process.env.PATH }, timeoutMs: 30_000, killGraceMs: 5000, onLine: (l) => lines.push(l), ...extra });
}

async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

describe('runStep', () => {
  it('streams stdout and stderr lines, the unfinished last one included, then the exit line', async () => {
    const result = await step("echo out; echo err >&2; printf 'no newline'");

    expect(result.ok).toBe(true);
    expect(lines).toEqual(expect.arrayContaining(['out', 'err', 'no newline']));
    expect(lines.at(-1)).toMatch(/^exit 0 in \d+(ms|\.\ds)$/);
  });

  it('cuts a very long output line at 16 KiB', async () => {
    const result = await step("head -c 40000 /dev/zero | tr '\\0' a; echo; echo after");

    expect(result.ok).toBe(true);
    expect(lines[0]).toBe(`${'a'.repeat(16 * 1024)} … [line cut at 16 KiB]`);
    expect(lines[1]).toBe('after');
  });

  it('runs in the given folder with exactly the given environment', async () => {
    await step('pwd; echo "x=$ONLY_HERE"', { env: { PATH: process.env.PATH, ONLY_HERE: 'yes' } });

    expect(lines.slice(0, 2)).toEqual([dir, 'x=yes']);
  });

  it('stops what a step left running in the background when its shell exits', async () => {
    const result = await step('sleep 300 > /dev/null 2>&1 & echo $!');

    expect(result.ok).toBe(true);
    expect(await isRunning(Number(lines[0]))).toBe(false);
  });

  // A hostile step that leaves a process in a session of its own would outlive its group and, as
  // the job user every later job shares, read their secrets and change their artifacts.
  it.runIf(process.getuid?.() === 0)('stops what a step started in a session of its own, when it runs as the job user', async () => {
    const nobody = { uid: 65534, gid: 65534 };
    await chmod(dir, 0o777);
    // It waits until the process is in its own session (it says so in a file), as an attacker would.
    const result = await step("setsid sh -c 'touch escaped; exec sleep 300' > /dev/null 2>&1 & until [ -e escaped ]; do :; done; echo \"uid=$(id -u)\"", { user: nobody });

    expect(result.ok).toBe(true);
    expect(lines[0]).toBe('uid=65534');
    // The pid the step printed is one of its own pid namespace: find the sleep by what it runs, as nobody.
    const left = await sleepersOf(nobody.uid);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
  });

  it('reports a step killed by a signal it did not expect', async () => {
    const result = await step('kill -KILL $$');

    expect(result).toMatchObject({ ok: false, reason: 'signal', error: "step 'test' was killed by SIGKILL", exitCode: null });
  });

  it('reports a step that cannot start', async () => {
    const result = await step('true', { cwd: join(dir, 'missing') });

    expect(result).toMatchObject({ ok: false, reason: 'spawn' });
    expect(result.ok === false && result.error).toMatch(/^step 'test' could not start: /);
  });

  it('does not start a step whose signal has already aborted', async () => {
    const result = await step('echo should not print; sleep 300', { signal: AbortSignal.abort() });

    expect(result).toMatchObject({ ok: false, reason: 'cancelled', error: "step 'test' was cancelled" });
  });
});

/** The pids of processes of `uid` still running that run `sleep 300` (or a shell about to). */
async function sleepersOf(uid: number): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const [cmdline, status] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''), readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')]);
    const owner = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    if (cmdline.replaceAll('\u0000', ' ').includes('sleep 300') && owner === String(uid) && (await isRunning(Number(pid)))) found.push(Number(pid));
  }
  return found;
}
