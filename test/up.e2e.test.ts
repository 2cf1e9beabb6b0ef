// `npm start` runs `slipway up`: the whole demo comes up, builds the sample project to the
// production gate, stops every process it started on Ctrl-C, and comes up again in the same place.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killProcessesUnder, processesUnder, slipwayBin } from './support/slipway-processes.ts';
import { waitFor } from './support/wait-for.ts';

function startUp(dir: string, port: number): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [slipwayBin, 'up', '--dir', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  return exited;
}

describe('slipway up', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'slipway-up-')), 'demo');
  // Run as root, the runner's steps run as nobody, who must pass through to its work dir.
  chmodSync(join(dir, '..'), 0o711);
  afterAll(() => {
    killProcessesUnder(dir);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('brings up a server, a runner and five agents, builds the sample to the production gate, and stops everything on Ctrl-C', async () => {
    const port = await freePort();
    const up = startUp(dir, port);
    await waitFor('the first run to reach the production gate', () => up.output().includes('approve with:'), { timeoutMs: 120_000, intervalMs: 200 });
    expect(up.output()).toContain(`Slipway is up at http://127.0.0.1:${port}`);
    expect(up.output()).toMatch(/testing-1\s+healthy/);
    expect(up.output()).toMatch(/testing-2\s+healthy/);
    const answer = await (await fetch(`http://127.0.0.1:${port + 101}/`)).text();
    expect(answer).toMatch(/^hello from testing-1, running version 1-[0-9a-f]{7}/);
    // The server, six agents and the two testing apps all work inside the demo folder.
    expect(processesUnder(dir).length).toBeGreaterThanOrEqual(9);

    expect(await interrupt(up.child)).toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });

  it('comes up again in the same place, with the same project and its history', async () => {
    const port = await freePort();
    const up = startUp(dir, port);
    await waitFor('the demo to be up again', () => up.output().includes('Press Ctrl-C'), { timeoutMs: 60_000, intervalMs: 200 });
    await waitFor('the run to be shown', () => up.output().includes('run #1'), { timeoutMs: 30_000, intervalMs: 200 });
    expect(up.output()).not.toContain('run #2');
    expect(await interrupt(up.child)).toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });
});
