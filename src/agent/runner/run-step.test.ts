import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
