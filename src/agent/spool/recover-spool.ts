// What a spool holds when the agent starts: its segments (the newest repaired after a crash), the
// checkpoints as of its last record, the next sequence number and the server's last acknowledgement.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSegment, listSegments, recoverSegment, type SegmentFile } from './spool-segments.ts';

export interface RecoveredSpool {
  /** Oldest first; the last one is where new records go. */
  segments: SegmentFile[];
  checkpoints: Map<string, unknown>;
  nextSeq: number;
  acked: number;
}

/**
 * Opens the spool folder `dir` (created if missing): lists its segments, repairs the newest (a
 * record a crash left half written is cut, with a warning) and replays its checkpoints. The next
 * seq follows the last line on disk and the acknowledged mark, 1 for a new spool, which gets its
 * first segment.
 */
export async function recoverSpool(dir: string, onWarning?: (message: string) => void): Promise<RecoveredSpool> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const acked = await readAckedMark(dir);
  const segments = await listSegments(dir);
  const newest = segments.at(-1);
  if (!newest) {
    const checkpoints = new Map<string, unknown>();
    return { segments: [await createSegment(dir, acked + 1, checkpoints)], checkpoints, nextSeq: acked + 1, acked };
  }
  const recovered = await recoverSegment(newest);
  newest.bytes = recovered.bytes;
  if (recovered.cutBytes > 0) onWarning?.(`log spool: cut ${recovered.cutBytes} bytes of a record a crash left half written in ${newest.path}`);
  if (recovered.damaged > 0) onWarning?.(`log spool: skipping ${recovered.damaged} damaged records in ${newest.path}`);
  const nextSeq = Math.max(acked + 1, newest.firstSeq, (recovered.lastSeq ?? 0) + 1);
  return { segments, checkpoints: recovered.checkpoints, nextSeq, acked };
}

/** The highest seq the server acknowledged, as last saved (0 if never). */
export async function readAckedMark(dir: string): Promise<number> {
  try {
    const value = Number((await readFile(join(dir, 'acked'), 'utf8')).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0;
  }
}

/** Saves the acknowledged mark (replaced whole; not synced: a lost mark only means lines sent again). */
export async function saveAckedMark(dir: string, seq: number): Promise<void> {
  const file = join(dir, 'acked');
  await writeFile(`${file}.tmp`, `${seq}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
