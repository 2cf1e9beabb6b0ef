// Turns a child's output bytes into log lines: split on newlines, the partial last line flushed at
// the end, and a runaway line cut at a limit so that one line cannot fill the agent's memory.

/** The longest line kept whole, in bytes; longer ones are cut and the rest of the line dropped. */
export const MAX_LINE_BYTES = 16 * 1024;

export interface LineSplitter {
  /** Feeds the next chunk of output; calls the sink once for every line it completes. */
  push(chunk: Buffer): void;
  /** Flushes the unfinished last line, if any. Call once when the stream has ended. */
  end(): void;
}

/**
 * Creates a splitter that calls `emit` with each line (without its "\n" or "\r\n"). A line longer
 * than `maxBytes` is emitted as soon as it passes the limit, cut to `maxBytes` (never in the middle
 * of a UTF-8 character) with a note saying so; the rest of that line is dropped.
 */
export function createLineSplitter(emit: (line: string) => void, maxBytes = MAX_LINE_BYTES): LineSplitter {
  let parts: Buffer[] = [];
  let size = 0;
  let cut = false;
  const limit = maxBytes % 1024 === 0 ? `${maxBytes / 1024} KiB` : `${maxBytes} bytes`;

  const take = (): Buffer => {
    const line = Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return line;
  };

  const append = (piece: Buffer): void => {
    if (cut || piece.length === 0) return;
    if (size + piece.length <= maxBytes) {
      parts.push(piece);
      size += piece.length;
      return;
    }
    const line = Buffer.concat([...parts, piece.subarray(0, maxBytes - size + 3)]);
    parts = [];
    size = 0;
    cut = true;
    let end = maxBytes;
    // Back off to the start of a character so that the cut line stays valid UTF-8.
    while (end > 0 && ((line[end] ?? 0) & 0xc0) === 0x80) end -= 1;
    emit(`${line.subarray(0, end).toString('utf8')} … [line cut at ${limit}]`);
  };

  const finishLine = (): void => {
    if (cut) {
      cut = false;
      return;
    }
    emit(take().toString('utf8').replace(/\r$/, ''));
  };

  return {
    push(chunk) {
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        append(chunk.subarray(start, nl));
        finishLine();
        start = nl + 1;
      }
      append(chunk.subarray(start));
    },
    end() {
      if (size > 0 && !cut) emit(take().toString('utf8').replace(/\r$/, ''));
      parts = [];
      size = 0;
      cut = false;
    },
  };
}
