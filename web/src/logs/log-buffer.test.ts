import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../src/core/model.ts';
import { LogBuffer } from './log-buffer.ts';

const line = (id: number, at: number, host = 'web-1'): LogLine => ({
  id, at, host, source: host, seq: id, app: 'hello', env: 'testing', stream: 'app', level: null, runId: null, deploymentId: null, text: `line ${id}`,
});

describe('LogBuffer', () => {
  it('interleaves lines of several hosts by the time they were written', () => {
    const buffer = new LogBuffer();
    buffer.add([line(1, 100, 'a'), line(2, 300, 'a')]);
    buffer.add([line(3, 200, 'b'), line(4, 400, 'b')]);
    expect(buffer.toArray().map((l) => l.id)).toEqual([1, 3, 2, 4]);
  });

  it('orders lines written in the same millisecond by id', () => {
    const buffer = new LogBuffer();
    buffer.add([line(5, 100), line(4, 100), line(6, 100)]);
    expect(buffer.toArray().map((l) => l.id)).toEqual([4, 5, 6]);
  });

  it('keeps each line once when a tail repeats what a page already gave', () => {
    const buffer = new LogBuffer();
    expect(buffer.add([line(1, 1), line(2, 2)])).toBe(2);
    expect(buffer.add([line(2, 2), line(3, 3)])).toBe(1);
    expect(buffer.length).toBe(3);
  });

  it('drops the oldest lines past its capacity, a tenth of it at a time', () => {
    const buffer = new LogBuffer(10);
    buffer.add([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => line(i, i)));
    expect(buffer.toArray().map((l) => l.id)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(buffer.firstId).toBe(3);
    expect(buffer.lastId).toBe(11);
    buffer.add([line(2, 2)]);
    expect(buffer.length).toBe(10);
  });

  it('says where a tail resumes and where paging back continues', () => {
    const buffer = new LogBuffer();
    expect(buffer.lastId).toBe(0);
    expect(buffer.firstId).toBeUndefined();
    buffer.add([line(10, 5), line(7, 9)]);
    expect(buffer.lastId).toBe(10);
    expect(buffer.firstId).toBe(7);
  });
});
