// Reads the spool's log lines back in sequence order, from any point, for the shipper: it keeps
// its place between calls so that steady shipping reads each byte once.
import { open, type FileHandle } from 'node:fs/promises';
import type { LogLineIn } from '../../core/protocol/messages.ts';
import { parseRecord, type SegmentFile } from './spool-segments.ts';

const CHUNK_BYTES = 256 * 1024;

interface Cursor {
  /** Lines up to this seq have been returned. */
  afterSeq: number;
  segment: SegmentFile;
  offset: number;
}

/**
 * Reads lines with a seq above a given one from the segments the spool lists (oldest first; the
 * spool updates `bytes` only after a write is synced, so only durable lines are read). One read
 * at a time: the caller awaits each before the next.
 */
export class SpoolReader {
  private cursor: Cursor | undefined;
  private file: { path: string; handle: FileHandle } | undefined;

  constructor(private readonly segments: () => readonly SegmentFile[]) {}

  /**
   * Up to `maxLines` durable lines with seq > `afterSeq`, in order (their checkpoints left out).
   * Continues where the last read stopped when `afterSeq` is where it stopped; otherwise it looks
   * for the segment that holds `afterSeq + 1`. Lines the spool dropped are skipped over.
   */
  async read(afterSeq: number, maxLines: number): Promise<LogLineIn[]> {
    const out: LogLineIn[] = [];
    let cursor = this.cursor?.afterSeq === afterSeq && this.segments().includes(this.cursor.segment) ? this.cursor : this.seek(afterSeq);
    let chunkBytes = CHUNK_BYTES;
    while (cursor && out.length < maxLines) {
      const { segment } = cursor;
      if (cursor.offset >= segment.bytes) {
        const list = this.segments();
        const next = list[list.indexOf(segment) + 1];
        if (!next) break;
        cursor = { ...cursor, segment: next, offset: 0 };
        continue;
      }
      const data = await this.readAt(segment, cursor.offset, Math.min(chunkBytes, segment.bytes - cursor.offset));
      if (data === undefined) {
        // The segment was removed (acknowledged or dropped) while we were away: look again.
        cursor = this.seek(cursor.afterSeq);
        continue;
      }
      let start = 0;
      for (let newline = data.indexOf(10); newline !== -1 && out.length < maxLines; newline = data.indexOf(10, start)) {
        const record = parseRecord(data.toString('utf8', start, newline));
        start = newline + 1;
        if (!record || !('seq' in record) || record.seq <= cursor.afterSeq) continue;
        const { cp: _checkpoint, ...line } = record;
        out.push(line);
        cursor.afterSeq = record.seq;
      }
      if (start === 0) {
        // A short read holds no whole record: the file is not what the spool thinks; stop here.
        if (data.length < Math.min(chunkBytes, segment.bytes - cursor.offset)) break;
        // One record longer than the chunk: read a bigger one.
        chunkBytes *= 2;
        continue;
      }
      cursor.offset += start;
      chunkBytes = CHUNK_BYTES;
    }
    this.cursor = cursor;
    return out;
  }

  async close(): Promise<void> {
    await this.file?.handle.close();
    this.file = undefined;
  }

  private seek(afterSeq: number): Cursor | undefined {
    const list = this.segments();
    const holding = list.findLast((s) => s.firstSeq <= afterSeq + 1) ?? list[0];
    return holding ? { afterSeq, segment: holding, offset: 0 } : undefined;
  }

  private async readAt(segment: SegmentFile, offset: number, length: number): Promise<Buffer | undefined> {
    if (this.file?.path !== segment.path) {
      await this.close();
      try {
        this.file = { path: segment.path, handle: await open(segment.path, 'r') };
      } catch {
        return undefined;
      }
    }
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.file.handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }
}
