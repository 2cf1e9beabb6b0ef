// The lines a log view holds: kept in time order (lines of many hosts interleaved by when they
// were written, ties by id), each line once however often it arrives, and about `capacity`
// lines at most (the oldest go first, a tenth at a time, so a full buffer stays cheap to fill).
import type { LogLine } from '../../../src/core/model.ts';

export class LogBuffer {
  private lines: LogLine[] = [];
  private readonly ids = new Set<number>();
  private maxId = 0;

  constructor(readonly capacity = 1_000_000) {}

  get length(): number {
    return this.lines.length;
  }

  at(index: number): LogLine | undefined {
    return this.lines[index];
  }

  /** The highest id held: where a live tail resumes. */
  get lastId(): number {
    return this.maxId;
  }

  /** The lowest id held: where paging back to older lines continues. */
  get firstId(): number | undefined {
    let min: number | undefined;
    for (const id of this.ids) if (min === undefined || id < min) min = id;
    return min;
  }

  /**
   * Adds lines in any order; returns how many were new. A batch that goes after the last line or
   * before the first (a live tail, a page of older lines) is added in one go; others are placed
   * one by one with a binary search.
   */
  add(lines: readonly LogLine[]): number {
    const fresh: LogLine[] = [];
    for (const line of lines) {
      if (this.ids.has(line.id)) continue;
      this.ids.add(line.id);
      if (line.id > this.maxId) this.maxId = line.id;
      fresh.push(line);
    }
    if (fresh.length === 0) return 0;
    fresh.sort((a, b) => (before(a, b) ? -1 : 1));
    const first = this.lines[0];
    const last = this.lines[this.lines.length - 1];
    if (!last || !before(fresh[0]!, last)) {
      for (const line of fresh) this.lines.push(line);
    } else if (first && before(fresh[fresh.length - 1]!, first)) {
      this.lines = fresh.concat(this.lines);
    } else {
      for (const line of fresh) this.lines.splice(this.insertionIndex(line), 0, line);
    }
    if (this.lines.length > this.capacity) {
      const excess = this.lines.length - this.capacity + Math.floor(this.capacity / 10);
      for (const dropped of this.lines.splice(0, excess)) this.ids.delete(dropped.id);
    }
    return fresh.length;
  }

  clear(): void {
    this.lines = [];
    this.ids.clear();
    this.maxId = 0;
  }

  toArray(): readonly LogLine[] {
    return this.lines;
  }

  private insertionIndex(line: LogLine): number {
    const last = this.lines[this.lines.length - 1];
    if (!last || !before(line, last)) return this.lines.length;
    let low = 0;
    let high = this.lines.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.lines[mid]!, line)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function before(a: LogLine, b: LogLine): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}
