// One open log file read line by line from an offset: whole lines only (a partly written last line
// waits for its end), each with the position after it, so that a restart resumes exactly there.
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { MAX_LINE_BYTES } from '../line-splitter.ts';

/** Where the next unread line of a file begins; the file is told by its device and inode. */
export interface FilePosition {
  dev: string;
  ino: string;
  offset: number;
}

export interface FollowedLine {
  text: string;
  /** The position just after this line. */
  position: FilePosition;
}

const CHUNK_BYTES = 256 * 1024;

/**
 * A file held open by descriptor, so it can still be read after it was renamed (rotation). `read`
 * takes the whole lines between the offset and the end of the file; a file found shorter than the
 * offset was truncated (copytruncate, or the agent's own truncation) and is read again from its
 * start. A line longer than MAX_LINE_BYTES is cut there, with a note, and its rest skipped.
 */
export class FollowedFile {
  private skipping = false;

  private constructor(
    readonly path: string,
    /** The folder the file is in, symlinks resolved: where it is written (for a watch on it). */
    readonly realFolder: string,
    private readonly fd: number,
    readonly dev: string,
    readonly ino: string,
    public offset: number,
  ) {}

  /**
   * Opens `path` for reading; `offsetFor` picks the starting offset from the file's identity and
   * size. Undefined when the file cannot be opened (gone, or not readable).
   */
  static open(path: string, offsetFor: (identity: { dev: string; ino: string; size: number }) => number): FollowedFile | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return undefined;
    }
    const stats = fstatSync(fd, { bigint: true });
    const identity = { dev: stats.dev.toString(), ino: stats.ino.toString(), size: Number(stats.size) };
    return new FollowedFile(path, realFolderOf(path), fd, identity.dev, identity.ino, offsetFor(identity));
  }

  get position(): FilePosition {
    return { dev: this.dev, ino: this.ino, offset: this.offset };
  }

  /** The file's size now. */
  size(): number {
    return fstatSync(this.fd).size;
  }

  /** Whether `other` names this same file (device and inode). */
  isSameFile(other: { dev: string; ino: string }): boolean {
    return other.dev === this.dev && other.ino === this.ino;
  }

  /** The whole lines after the offset, at most about `maxBytes` of them; `truncated` when the file had shrunk. */
  read(maxBytes = 8 * 1024 * 1024): { lines: FollowedLine[]; truncated: boolean } {
    const size = this.size();
    let truncated = false;
    if (size < this.offset) {
      this.offset = 0;
      this.skipping = false;
      truncated = true;
    }
    const lines: FollowedLine[] = [];
    const until = Math.min(size, this.offset + maxBytes);
    while (this.offset < until) {
      const chunk = this.readAt(this.offset, Math.min(CHUNK_BYTES, size - this.offset));
      if (chunk.length === 0) break;
      const consumed = this.take(chunk, lines);
      if (consumed === 0) break;
      this.offset += consumed;
    }
    return { lines, truncated };
  }

  /** The unfinished last line, for a file that is being let go; the offset moves past it. */
  rest(): FollowedLine | undefined {
    const size = this.size();
    if (size <= this.offset) return undefined;
    const chunk = this.readAt(this.offset, Math.min(size - this.offset, MAX_LINE_BYTES));
    this.offset = size;
    if (this.skipping || chunk.length === 0) return undefined;
    return { text: chunk.toString('utf8').replace(/\r$/, ''), position: this.position };
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Takes the whole lines of `chunk` (read at the offset); returns how many bytes they used. */
  private take(chunk: Buffer, lines: FollowedLine[]): number {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      const skipped = this.skipping;
      this.skipping = false;
      const text = skipped ? undefined : lineText(chunk, start, newline);
      start = newline + 1;
      if (text !== undefined) lines.push({ text, position: { dev: this.dev, ino: this.ino, offset: this.offset + start } });
    }
    const rest = chunk.length - start;
    if (this.skipping) return chunk.length;
    if (rest < MAX_LINE_BYTES) return start;
    // A runaway line: keep its first MAX_LINE_BYTES, skip the rest up to its newline.
    const end = utf8Boundary(chunk, start + MAX_LINE_BYTES);
    lines.push({ text: `${chunk.toString('utf8', start, end)} … [line cut at ${MAX_LINE_BYTES / 1024} KiB]`, position: { dev: this.dev, ino: this.ino, offset: this.offset + chunk.length } });
    this.skipping = true;
    return chunk.length;
  }

  private readAt(offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    const read = readSync(this.fd, buffer, 0, length, offset);
    return buffer.subarray(0, read);
  }
}

function lineText(chunk: Buffer, start: number, newline: number): string {
  const end = newline - start > MAX_LINE_BYTES ? utf8Boundary(chunk, start + MAX_LINE_BYTES) : newline;
  const text = chunk.toString('utf8', start, end).replace(/\r$/, '');
  return end === newline ? text : `${text} … [line cut at ${MAX_LINE_BYTES / 1024} KiB]`;
}

/** Backs off from `end` to the start of a UTF-8 character, so a cut line stays valid text. */
function utf8Boundary(chunk: Buffer, end: number): number {
  let at = end;
  while (at > 0 && ((chunk[at] ?? 0) & 0xc0) === 0x80) at -= 1;
  return at;
}

/** The folder `p` is in once symlinks are resolved (`p`'s own folder when it cannot be resolved). */
function realFolderOf(p: string): string {
  try {
    return dirname(realpathSync.native(p));
  } catch {
    return dirname(p);
  }
}
