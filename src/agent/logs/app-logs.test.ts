// The apps' lines as they reach the spool: streams, levels and the activation's tags, and a next
// activation (or a restarted agent) going on after the last stored line.
import { appendFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLineIn } from '../../core/protocol/messages.ts';
import { appPaths } from '../releases/app-paths.ts';
import { LogSpool } from '../spool/log-spool.ts';
import { AppLogs, type AppLogSpec } from './app-logs.ts';

let root: string;
let spool: LogSpool;
let logs: AppLogs;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'slipway-app-logs-'));
  spool = await LogSpool.open({ dir: path.join(root, 'spool') });
  logs = new AppLogs({ root, spool, pollMs: 60_000, clock: () => 5000 });
  mkdirSync(paths().logsDir, { recursive: true });
  mkdirSync(path.join(paths().shared, 'log'), { recursive: true });
});
afterEach(async () => {
  await logs.close();
  await spool.close();
  await rm(root, { recursive: true, force: true });
});

const paths = () => appPaths(root, 'hello');
const spec = (deploymentId: string): AppLogSpec => ({ app: 'hello', env: 'production', runId: 'run-7', deploymentId, logs: ['shared/log/*.log'] });

async function stored(): Promise<LogLineIn[]> {
  await spool.flush();
  return spool.read(0, 1000);
}

describe('AppLogs', () => {
  it('tags stdout, stderr and declared log files with the activation, with levels, stderr lines stating none as errors', async () => {
    await logs.follow(spec('dep-1'));
    appendFileSync(paths().stdoutLog, 'listening\n{"level":40,"msg":"slow"}\n');
    appendFileSync(paths().stderrLog, 'TypeError: x is undefined\nWARN: deprecated\n');
    appendFileSync(path.join(paths().shared, 'log', 'access.log'), 'GET / 200\n');
    await logs.unfollow('hello');
    const tags = { at: 5000, app: 'hello', env: 'production', runId: 'run-7', deploymentId: 'dep-1' };
    expect((await stored()).map(({ seq: _seq, ...line }) => line)).toEqual([
      { ...tags, stream: 'app', level: null, text: 'listening' },
      { ...tags, stream: 'app', level: 'warn', text: '{"level":40,"msg":"slow"}' },
      { ...tags, stream: 'app', level: 'error', text: 'TypeError: x is undefined' },
      { ...tags, stream: 'app', level: 'warn', text: 'WARN: deprecated' },
      { ...tags, stream: path.join(paths().shared, 'log', 'access.log'), level: null, text: 'GET / 200' },
    ]);
  });

  it('goes on after the last stored line with the next activation, whose tags the new lines get', async () => {
    await logs.follow(spec('dep-1'));
    appendFileSync(paths().stdoutLog, 'one\n');
    await logs.unfollow('hello');
    appendFileSync(paths().stdoutLog, 'two\n');
    await logs.follow(spec('dep-2'));
    await logs.unfollow('hello');
    expect((await stored()).map((l) => `${l.text} ${l.deploymentId}`)).toEqual(['one dep-1', 'two dep-2']);
  });

  it('resumes after an agent restart from the positions in the spool', async () => {
    await logs.follow(spec('dep-1'));
    appendFileSync(paths().stdoutLog, 'before\n');
    await logs.close();
    await spool.close();
    appendFileSync(paths().stdoutLog, 'while the agent was down\n');

    spool = await LogSpool.open({ dir: path.join(root, 'spool') });
    logs = new AppLogs({ root, spool, pollMs: 60_000 });
    await logs.follow(spec('dep-1'));
    logs.note('hello', '[slipway] hello exited with code 1');
    expect((await stored()).map((l) => `${l.text} (${l.level})`)).toEqual(['before (null)', 'while the agent was down (null)', '[slipway] hello exited with code 1 (warn)']);
  });
});
