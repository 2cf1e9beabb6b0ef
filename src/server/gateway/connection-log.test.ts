import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { ConnectionLog } from './connection-log.ts';

describe('the log lines of agents connecting', () => {
  const logs: ConnectionLog[] = [];
  afterEach(() => {
    for (const log of logs.splice(0)) log.close();
  });

  /** A ConnectionLog writing to a real pino logger at `level`, and the lines it wrote, parsed. */
  function connectionLog(level: 'info' | 'debug', windowMs: number) {
    const lines: { level: number; msg: string; agent?: string; agents?: number }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    const log = new ConnectionLog({ log: pino({ level }, sink), windowMs });
    logs.push(log);
    return { log, lines };
  }

  it('logs an agent that connects alone on its own line', async () => {
    const { log, lines } = connectionLog('info', 20);
    log.connected('web-1', { running: 2 });
    await waitFor('the line', () => lines.length === 1);
    expect(lines[0]).toMatchObject({ msg: 'agent connected', agent: 'web-1', running: 2 });
    // The window passes with nobody else: the next one is on its own line too.
    await waitFor('the window to pass', () => !log.windowOpen, { intervalMs: 5 });
    log.connected('web-2', { running: 0 });
    await waitFor('the second line', () => lines.length === 2);
    expect(lines.map((l) => l.msg)).toEqual(['agent connected', 'agent connected']);
  });

  it('sums up a fleet connecting at once in one line per window, each agent still at debug', async () => {
    const { log, lines } = connectionLog('info', 50);
    for (let i = 1; i <= 1000; i++) log.connected(`web-${i}`, { running: 1 });
    await waitFor('the summary', () => lines.some((l) => l.agents !== undefined), { timeoutMs: 5000, intervalMs: 10 });
    expect(lines.map((l) => l.msg)).toEqual(['agent connected', '999 agents connected (web-2, web-3, web-4, web-5, web-6 and 994 more)']);

    const { log: verbose, lines: debugLines } = connectionLog('debug', 50);
    for (let i = 1; i <= 3; i++) verbose.connected(`web-${i}`, { running: 1 });
    expect(debugLines.filter((l) => l.msg === 'agent connected').map((l) => l.agent)).toEqual(['web-1', 'web-2', 'web-3']);
  });

  it('logs what a window holds when the server closes', () => {
    const { log, lines } = connectionLog('info', 60_000);
    log.connected('web-1', {});
    log.connected('web-2', {});
    log.close();
    expect(lines.map((l) => l.msg)).toEqual(['agent connected', '1 agent connected (web-2)']);
  });
});
