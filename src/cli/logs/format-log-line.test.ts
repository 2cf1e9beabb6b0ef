import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../core/model.ts';
import { formatLogLine } from './format-log-line.ts';

const line: LogLine = {
  id: 1, at: Date.UTC(2026, 4, 1, 12, 0, 0, 123), source: 'a', seq: 1, host: 'web-1', app: 'hello', env: 'testing',
  stream: 'app', level: 'error', runId: null, deploymentId: null, text: 'connection refused',
};

describe('formatLogLine', () => {
  it('prints time, host, stream, level in brackets and text', () => {
    expect(formatLogLine(line, false)).toBe('2026-05-01T12:00:00.123Z web-1 app [error] connection refused');
  });

  it('leaves the level out when the line states none', () => {
    expect(formatLogLine({ ...line, level: null, stream: '/var/log/x.log' }, false)).toBe('2026-05-01T12:00:00.123Z web-1 /var/log/x.log connection refused');
  });

  it('drops control characters, and colours unless asked to keep them', () => {
    const text = 'a\x1b[31mred\x1b[0m\x1b]0;title\x07 b\r\x1b[2Jc\tz';
    expect(formatLogLine({ ...line, level: null, text }, false)).toBe('2026-05-01T12:00:00.123Z web-1 app ared]0;title b[2Jc\tz');
    expect(formatLogLine({ ...line, level: null, text }, true)).toBe('2026-05-01T12:00:00.123Z web-1 app a\x1b[31mred\x1b[0m]0;title b[2Jc\tz\x1b[0m');
  });
});
