// The last lines an app wrote to its stdout and stderr files, read from the files themselves, for
// the cause of a failure: independent of the log shipping, and cheap because it reads only the end.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const MAX_READ_BYTES = 64 * 1024;

/**
 * Remembers where each output file ended at `mark()` and, on `collect()`, returns the whole lines
 * written since then (stdout's, then stderr's), at most the last 64 KiB of each. A file that shrank
 * (the agent emptied it after shipping it) is read from its start.
 */
export class OutputTail {
  private readonly offsets = new Map<string, number>();

  constructor(private readonly files: string[]) {}

  /** From now on: what the files hold is old. */
  mark(): void {
    for (const file of this.files) this.offsets.set(file, sizeOf(file));
  }

  /** The lines written since the last mark or collect. */
  collect(): string[] {
    const lines: string[] = [];
    for (const file of this.files) {
      const from = this.offsets.get(file) ?? 0;
      const { text, end } = readFrom(file, from);
      this.offsets.set(file, end);
      lines.push(...text);
    }
    return lines;
  }
}

function sizeOf(file: string): number {
  try {
    const fd = openSync(file, 'r');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** Whole lines from `from` (or from the start, if the file shrank) and the offset after the last one. */
function readFrom(file: string, from: number): { text: string[]; end: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: [], end: from };
  }
  try {
    const size = fstatSync(fd).size;
    let start = size < from ? 0 : from;
    const skipFirst = size - start > MAX_READ_BYTES;
    if (skipFirst) start = size - MAX_READ_BYTES;
    const buffer = Buffer.alloc(size - start);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    const data = buffer.subarray(0, read);
    const lastNewline = data.lastIndexOf(10);
    if (lastNewline === -1) return { text: [], end: start };
    const text = data.toString('utf8', 0, lastNewline).split('\n').map((l) => l.replace(/\r$/, ''));
    // Reading began in the middle of a line: that piece is not a line.
    if (skipFirst) text.shift();
    return { text, end: start + lastNewline + 1 };
  } finally {
    closeSync(fd);
  }
}
