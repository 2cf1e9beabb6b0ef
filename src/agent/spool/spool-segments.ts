// The spool's files: segments of JSON lines named by the first sequence number they hold, created
// whole (temp file + rename) and recovered after a crash by cutting a partly written last record.
import { open, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLineIn } from '../../core/protocol/messages.ts';

/** Where a source stands (e.g. a file and the offset after the line), stored with the line. */
export interface Checkpoint {
  key: string;
  /** Any JSON value; null forgets the key. */
  value: unknown;
}

/**
 * One line of a segment file. The first line of every segment is a header holding every checkpoint
 * as it stood when the segment began; then come log lines (a LogLineIn, with the checkpoint of
 * its source when it has one) and checkpoint-only records.
 */
export type SegmentRecord =
  | { h: 1; cps: Record<string, unknown> }
  | (LogLineIn & { cp?: { k: string; v: unknown } })
  | { cp: { k: string; v: unknown } };

export interface SegmentFile {
  /** No line in this segment has a lower seq; the next segment's firstSeq bounds it above. */
  firstSeq: number;
  path: string;
  /** Bytes written and synced: everything before this offset is whole records. */
  bytes: number;
}

const NAME = /^(\d{16})\.seg$/;

export function segmentPath(dir: string, firstSeq: number): string {
  return join(dir, `${String(firstSeq).padStart(16, '0')}.seg`);
}

/** The segments in `dir`, oldest first, with their sizes; unfinished temp files are removed. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    if (name.startsWith('.tmp-')) {
      await rm(join(dir, name), { force: true });
      continue;
    }
    const match = NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    segments.push({ firstSeq: Number(match[1]), path, bytes: (await stat(path)).size });
  }
  return segments.sort((a, b) => a.firstSeq - b.firstSeq);
}

/**
 * Creates the segment that starts at `firstSeq` with its header, atomically: it is written and
 * synced under a temp name, then renamed, so a segment file never lacks its header. Returns it.
 */
export async function createSegment(dir: string, firstSeq: number, checkpoints: Map<string, unknown>): Promise<SegmentFile> {
  const path = segmentPath(dir, firstSeq);
  const temp = join(dir, `.tmp-${firstSeq}`);
  const header = `${JSON.stringify({ h: 1, cps: Object.fromEntries(checkpoints) } satisfies SegmentRecord)}\n`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(header);
    await file.datasync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncDir(dir);
  return { firstSeq, path, bytes: Buffer.byteLength(header) };
}

export interface RecoveredSegment {
  /** The highest seq of a whole line record, or null when it holds none. */
  lastSeq: number | null;
  /** The checkpoints as of the end of the segment (header, then every record in order). */
  checkpoints: Map<string, unknown>;
  /** Bytes of whole records kept. */
  bytes: number;
  /** Bytes cut from the end: a record the crash left half written. */
  cutBytes: number;
  /** Records in the middle that did not parse (skipped when read). */
  damaged: number;
}

/**
 * Reads the newest segment after a restart: replays its header and records into the checkpoints
 * and finds its last seq. A last record without its newline, or that does not parse, is what a
 * crash in the middle of a write leaves: the file is cut back to the end of the record before it.
 */
export async function recoverSegment(segment: SegmentFile): Promise<RecoveredSegment> {
  const data = await readFile(segment.path);
  const checkpoints = new Map<string, unknown>();
  let lastSeq: number | null = null;
  let damaged = 0;
  let good = 0;
  for (let start = 0; start < data.length;) {
    const newline = data.indexOf(10, start);
    const end = newline === -1 ? data.length : newline + 1;
    const record = parseRecord(data.toString('utf8', start, newline === -1 ? data.length : newline));
    if (newline === -1 || (record === undefined && end === data.length)) break;
    if (record === undefined) damaged += 1;
    else if ('h' in record) for (const [key, value] of Object.entries(record.cps)) checkpoints.set(key, value);
    else {
      if ('seq' in record) lastSeq = record.seq;
      if (record.cp) applyCheckpoint(checkpoints, record.cp.k, record.cp.v);
    }
    good = end;
    start = end;
  }
  if (good < data.length) await truncate(segment.path, good);
  return { lastSeq, checkpoints, bytes: good, cutBytes: data.length - good, damaged };
}

/** One record, or undefined when the text is not one (damage). */
export function parseRecord(text: string): SegmentRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.h === 1) return typeof record.cps === 'object' && record.cps !== null ? (record as SegmentRecord) : undefined;
  if ('seq' in record) return typeof record.seq === 'number' && typeof record.text === 'string' ? (record as SegmentRecord) : undefined;
  return typeof record.cp === 'object' && record.cp !== null ? (record as SegmentRecord) : undefined;
}

export function applyCheckpoint(checkpoints: Map<string, unknown>, key: string, value: unknown): void {
  if (value === null) checkpoints.delete(key);
  else checkpoints.set(key, value);
}

/** Makes a rename or a new file in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems cannot sync a directory; the rename is then as durable as they make it.
  } finally {
    await handle.close();
  }
}
