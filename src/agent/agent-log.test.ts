// The agent's JSON log: pino's shape, levels below the threshold dropped.
import { describe, expect, it } from 'vitest';
import { createJsonLog } from './agent-log.ts';

function logAt(level: 'debug' | 'info') {
  const lines: string[] = [];
  const log = createJsonLog({ level, write: (line) => lines.push(line), pid: 42, hostname: 'web-1', now: () => 1_700_000_000_000 });
  return { log, lines };
}

describe('createJsonLog', () => {
  it('writes one JSON line in pino\'s shape: level number, time, pid, hostname, the fields, msg', () => {
    const { log, lines } = logAt('info');
    log.info({ server: 'http://s:7700', detail: 'ws://s:7700/api/v1/agent' }, 'connected to the server');
    expect(lines).toEqual([
      '{"level":30,"time":1700000000000,"pid":42,"hostname":"web-1","server":"http://s:7700","detail":"ws://s:7700/api/v1/agent","msg":"connected to the server"}\n',
    ]);
  });

  it('takes a message alone, and gives warn and error pino\'s 40 and 50', () => {
    const { log, lines } = logAt('info');
    log.warn('the server does not know this agent any more: enrolling again');
    log.error({ err: 'boom' }, 'enrolling again failed');
    expect(lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: string })).toEqual([
      { level: 40, time: 1_700_000_000_000, pid: 42, hostname: 'web-1', msg: 'the server does not know this agent any more: enrolling again' },
      { level: 50, time: 1_700_000_000_000, pid: 42, hostname: 'web-1', err: 'boom', msg: 'enrolling again failed' },
    ]);
  });

  it('drops debug lines at level info and writes them at level debug', () => {
    const info = logAt('info');
    info.log.debug('following /var/log/app.log');
    expect(info.lines).toEqual([]);
    const debug = logAt('debug');
    debug.log.debug('following /var/log/app.log');
    expect(debug.lines).toHaveLength(1);
    expect(JSON.parse(debug.lines[0]!)).toMatchObject({ level: 20, msg: 'following /var/log/app.log' });
  });
});
