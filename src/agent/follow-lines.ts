// Reads a child's output pipe line by line, and knows when to stop waiting for it: a process that
// left the child's group may hold the pipe open long after the child itself has ended.
import type { Readable } from 'node:stream';
import { createLineSplitter } from './line-splitter.ts';

/** How long output may keep coming after the child is gone (default of followLines). */
export const DRAIN_MS = 1000;

/**
 * Streams `stream` to `onLine` line by line; the returned function waits for the pipe to close (at
 * most `drainMs`, after which a pipe still held open elsewhere is dropped) and flushes the last line.
 * Call it once the child has exited.
 */
export function followLines(stream: Readable, onLine: (text: string) => void, drainMs = DRAIN_MS): () => Promise<void> {
  const splitter = createLineSplitter(onLine);
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  const closed = new Promise<void>((resolve) => stream.once('close', resolve));
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        stream.destroy();
        resolve();
      }, drainMs);
    });
    await Promise.race([closed, late]);
    clearTimeout(timer);
    splitter.end();
  };
}
