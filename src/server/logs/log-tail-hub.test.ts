import { describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import type { LogLine } from '../../core/model.ts';
import { logLine } from '../../storage/contract/fixtures.ts';
import { LogTailHub } from './log-tail-hub.ts';

const stored = (id: number, overrides: Partial<LogLine> = {}): LogLine => ({ ...logLine('a', id), id, ...overrides });

describe('LogTailHub', () => {
  it('hands each subscriber the lines its filter matches, and nothing when none does', () => {
    const hub = new LogTailHub();
    const web2: number[] = [];
    const errors: number[][] = [];
    hub.subscribe({ host: 'web-2' }, (lines) => web2.push(...lines.map((l) => l.id)));
    hub.subscribe({ query: parseLogQuery('refused') }, (lines) => errors.push(lines.map((l) => l.id)));
    hub.publish([stored(1), stored(2, { host: 'web-2' }), stored(3, { text: 'connection refused', host: 'web-2' })]);
    hub.publish([stored(4)]);
    expect(web2).toEqual([2, 3]);
    expect(errors).toEqual([[3]]);
  });

  it('stops handing lines to a subscriber that unsubscribed', () => {
    const hub = new LogTailHub();
    const seen: number[] = [];
    const stop = hub.subscribe({}, (lines) => seen.push(...lines.map((l) => l.id)));
    hub.publish([stored(1)]);
    stop();
    hub.publish([stored(2)]);
    expect(seen).toEqual([1]);
    expect(hub.size).toBe(0);
  });
});
