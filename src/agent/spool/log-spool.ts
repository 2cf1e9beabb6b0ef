// The agent's on-disk log spool (DESIGN §5): every line gets the next sequence number of this
// agent, waits in segment files under <root>/spool until the server acknowledges it, and survives
// agent crashes, server restarts and lost connections. Its disk use is bounded.
import { open, rm, type FileHandle } from 'node:fs/promises';
import { errorMessage } from '../../base/errors.ts';
import type { LogLineIn } from '../../core/protocol/messages.ts';
import { SpoolReader } from './spool-reader.ts';
import { recoverSpool, saveAckedMark } from './recover-spool.ts';
import { applyCheckpoint, createSegment, type Checkpoint, type SegmentFile } from './spool-segments.ts';

export type { Checkpoint } from './spool-segments.ts';

/** A log line before the spool numbers it. */
export type LogLineDraft = Omit<LogLineIn, 'seq'>;

export interface LogSpoolOptions {
  /** The spool's folder, <root>/spool. */
  dir: string;
  /** Most bytes kept on disk (default 256 MiB); past it the oldest unacknowledged lines are dropped. */
  maxBytes?: number;
  /** Size at which a segment is closed and a new one begun (default 4 MiB, at most maxBytes / 4). */
  segmentBytes?: number;
  /** Longest a line waits in memory before it is written and synced (default 20 ms). */
  flushMs?: number;
  /** Buffered bytes that cause a write at once (default 1 MiB). */
  maxBufferBytes?: number;
  /** For the agent's own log: lines dropped, damage repaired, writes failing. */
  onWarning?: (message: string) => void;
  /** Masks secrets in a line's text before it is numbered and reaches the disk (default: none). */
  mask?: (text: string) => string;
}

interface Pending {
  json: string;
  seq: number | null;
  cp: Checkpoint | undefined;
}

const MAX_BUFFERED_RECORDS = 200_000;

/**
 * Open with `LogSpool.open`. `push` numbers a line and buffers it; within flushMs the buffer is
 * appended to the newest segment and synced (fdatasync), and only then can `read` return it: so
 * the server never holds a line a crash could take from the spool, and sequence numbers never
 * repeat. A SIGKILL loses only lines pushed in the last flushMs. Checkpoints pushed with lines are
 * replayed by `open`, so a follower resumes exactly after the last line that reached the disk.
 */
export class LogSpool {
  private readonly reader: SpoolReader;
  private readonly listeners = new Set<() => void>();
  /** Checkpoints as pushed (what followers ask for); `written` holds those on disk (for headers). */
  private readonly checkpoints: Map<string, unknown>;
  private readonly written: Map<string, unknown>;
  private buffer: Pending[] = [];
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private dropped = { lines: 0, first: 0, last: 0 };
  private closed = false;
  /** Highest seq written and synced: `read` returns nothing above it. */
  private writtenSeq: number;

  private constructor(
    private readonly options: Required<Omit<LogSpoolOptions, 'onWarning'>> & Pick<LogSpoolOptions, 'onWarning'>,
    private readonly segments: SegmentFile[],
    private active: FileHandle,
    private nextSeq: number,
    private ackedSeq: number,
    checkpoints: Map<string, unknown>,
  ) {
    this.writtenSeq = nextSeq - 1;
    this.checkpoints = new Map(checkpoints);
    this.written = new Map(checkpoints);
    this.reader = new SpoolReader(() => this.segments);
  }

  /**
   * Opens (or creates) the spool in `options.dir`, repairing what a crash left: a half-written last
   * record is cut off, fully acknowledged segments are removed. The next seq follows the last line
   * on disk (1 for a new spool).
   */
  static async open(options: LogSpoolOptions): Promise<LogSpool> {
    const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    const full = {
      dir: options.dir, maxBytes, flushMs: options.flushMs ?? 20, maxBufferBytes: options.maxBufferBytes ?? 1024 * 1024,
      segmentBytes: Math.max(4096, Math.min(options.segmentBytes ?? 4 * 1024 * 1024, Math.floor(maxBytes / 4))),
      onWarning: options.onWarning,
      mask: options.mask ?? ((text: string) => text),
    };
    const { segments, checkpoints, nextSeq, acked } = await recoverSpool(options.dir, options.onWarning);
    const active = await open(segments.at(-1)!.path, 'a');
    // What a crash left in the page cache is made durable before any of it is sent.
    await active.datasync();
    const spool = new LogSpool(full, segments, active, nextSeq, acked, checkpoints);
    await spool.removeAcknowledged();
    return spool;
  }

  /**
   * Numbers `line` with the next seq and buffers it for the disk; returns the seq. With a
   * checkpoint, `checkpoint(key)` answers its value from now on, and after a restart once the
   * line reached the disk.
   */
  push(line: LogLineDraft, checkpoint?: Checkpoint): number {
    const seq = this.nextSeq++;
    const record: LogLineIn & { cp?: { k: string; v: unknown } } = { seq, ...line, text: this.options.mask(line.text) };
    if (checkpoint) record.cp = { k: checkpoint.key, v: checkpoint.value };
    this.enqueue({ json: `${JSON.stringify(record)}\n`, seq, cp: checkpoint });
    return seq;
  }

  /** Records a checkpoint with no line (e.g. a file truncated to 0); null forgets the key. */
  setCheckpoint(key: string, value: unknown): void {
    this.enqueue({ json: `${JSON.stringify({ cp: { k: key, v: value } })}\n`, seq: null, cp: { key, value } });
  }

  /** The last value pushed for `key` (after a restart: the last that reached the disk). */
  checkpoint(key: string): unknown {
    return this.checkpoints.get(key);
  }

  /** The highest seq the server acknowledged. */
  get acked(): number {
    return this.ackedSeq;
  }

  /** The highest seq on disk and synced. */
  get durableSeq(): number {
    return this.writtenSeq;
  }

  /** Calls `listener` after each write that made lines or checkpoints durable. */
  onDurable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Up to `maxLines` durable lines with seq > afterSeq, in order. One read at a time. */
  read(afterSeq: number, maxLines: number): Promise<LogLineIn[]> {
    return this.reader.read(afterSeq, maxLines);
  }

  /**
   * The server stored every line up to `seq`: segments holding only such lines are deleted and
   * the mark is saved (lazily: a lost mark only means some lines are sent, and ignored, again).
   */
  acknowledge(seq: number): void {
    if (seq <= this.ackedSeq) return;
    if (seq >= this.nextSeq) {
      this.options.onWarning?.(`log spool: the server acknowledged seq ${seq}, beyond the last one this spool gave (${this.nextSeq - 1}); numbering continues after it`);
      this.nextSeq = seq + 1;
    }
    this.ackedSeq = seq;
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      void this.saveAcked();
    }, 200).unref();
    void this.removeAcknowledged();
  }

  /** Writes and syncs everything buffered; resolves when it is durable. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A write that has not begun yet takes everything buffered by the time it begins.
    if (this.queued) return this.queued;
    const next = this.flushing.then(() => {
      this.queued = undefined;
      return this.writeBuffer();
    }).catch((err: unknown) => {
      this.options.onWarning?.(`log spool: ${errorMessage(err)}`);
    });
    this.queued = next;
    this.flushing = next;
    return next;
  }

  /** Bytes on disk and lines waiting in memory. */
  stats(): { bytes: number; segments: number; buffered: number } {
    return { bytes: this.segments.reduce((sum, s) => sum + s.bytes, 0), segments: this.segments.length, buffered: this.buffer.length };
  }

  /** Flushes, saves the acknowledged mark and closes the files. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    clearTimeout(this.ackTimer);
    await this.saveAcked();
    await this.reader.close();
    await this.active.close();
  }

  private enqueue(pending: Pending): void {
    if (this.closed) return;
    if (this.buffer.length >= MAX_BUFFERED_RECORDS) this.dropBuffered();
    this.buffer.push(pending);
    if (pending.cp) applyCheckpoint(this.checkpoints, pending.cp.key, pending.cp.value);
    this.bufferBytes += pending.json.length;
    if (this.bufferBytes >= this.options.maxBufferBytes) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs);
  }

  private async writeBuffer(): Promise<void> {
    if (this.buffer.length === 0 || this.closed) return;
    const batch = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    const segment = this.segments.at(-1)!;
    const data = Buffer.from(batch.map((p) => p.json).join(''));
    try {
      await writeAll(this.active, data);
      await this.active.datasync();
    } catch (err) {
      await this.active.truncate(segment.bytes).catch(() => undefined);
      this.buffer = [...batch, ...this.buffer];
      this.bufferBytes += data.length;
      this.options.onWarning?.(`log spool: could not write ${batch.length} records (kept in memory, retrying): ${errorMessage(err)}`);
      this.timer ??= setTimeout(() => void this.flush(), 1000);
      return;
    }
    segment.bytes += data.length;
    for (const p of batch) {
      if (p.seq !== null) this.writtenSeq = p.seq;
      if (p.cp) applyCheckpoint(this.written, p.cp.key, p.cp.value);
    }
    if (segment.bytes >= this.options.segmentBytes && this.writtenSeq >= segment.firstSeq) await this.roll();
    await this.enforceLimit();
    for (const listener of this.listeners) listener();
  }

  private async roll(): Promise<void> {
    const segment = await createSegment(this.options.dir, this.writtenSeq + 1, this.written);
    const previous = this.active;
    this.active = await open(segment.path, 'a');
    this.segments.push(segment);
    await previous.close();
  }

  /** Past maxBytes, deletes the oldest segments and says how many unacknowledged lines went with them. */
  private async enforceLimit(): Promise<void> {
    let total = this.segments.reduce((sum, s) => sum + s.bytes, 0);
    while (total > this.options.maxBytes && this.segments.length > 1) {
      const [oldest, next] = this.segments as [SegmentFile, SegmentFile];
      this.segments.shift();
      total -= oldest.bytes;
      await rm(oldest.path, { force: true });
      const first = Math.max(oldest.firstSeq, this.ackedSeq + 1);
      const last = next.firstSeq - 1;
      if (last < first) continue;
      if (this.dropped.lines === 0) this.dropped.first = first;
      this.dropped.lines += last - first + 1;
      this.dropped.last = last;
    }
    if (this.dropped.lines > 0) this.reportDropped(`the spool reached its limit of ${formatBytes(this.options.maxBytes)} while the server did not acknowledge them`);
  }

  private dropBuffered(): void {
    const gone = this.buffer.splice(0, Math.ceil(MAX_BUFFERED_RECORDS / 10));
    for (const p of gone) {
      this.bufferBytes -= p.json.length;
      if (p.seq === null) continue;
      if (this.dropped.lines === 0) this.dropped.first = p.seq;
      this.dropped.lines += 1;
      this.dropped.last = p.seq;
    }
    this.reportDropped('the disk did not take them');
  }

  private reportDropped(why: string): void {
    const { lines, first, last } = this.dropped;
    this.dropped = { lines: 0, first: 0, last: 0 };
    const text = `[slipway] ${lines} log lines were dropped (seq ${first}-${last}): ${why}`;
    this.options.onWarning?.(text);
    this.push({ at: Date.now(), stream: 'agent', level: 'warn', text });
  }

  private async removeAcknowledged(): Promise<void> {
    while (this.segments.length > 1 && this.segments[1]!.firstSeq - 1 <= this.ackedSeq) {
      const [done] = this.segments.splice(0, 1);
      await rm(done!.path, { force: true });
    }
  }

  private async saveAcked(): Promise<void> {
    try {
      await saveAckedMark(this.options.dir, this.ackedSeq);
    } catch (err) {
      this.options.onWarning?.(`log spool: could not save the acknowledged mark: ${errorMessage(err)}`);
    }
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

async function writeAll(file: FileHandle, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length;) {
    const { bytesWritten } = await file.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}
