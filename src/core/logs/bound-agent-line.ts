// What the server makes of a log line an agent sent before storing it: its time within the
// server's clock ± a bound (a line dated in 2100 would sort after everything for ever), and its
// text at most 64 KiB (a single 15 MiB line would fill the log), cut with a visible mark; its
// stream, level, app and env names at most MAX_NAME_CHARS (else the same 15 MiB comes back in one
// of them). Pure.

/** Longest text kept, in UTF-8 bytes. */
export const MAX_LINE_BYTES = 65_536;

/** How far an agent's clock may be off the server's before its times are clamped. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The time within the bound, in whole milliseconds (the stores keep integers: a fraction made PostgreSQL refuse the batch). */
export function clampLineTime(at: number, now: number): number {
  return Math.round(Math.min(Math.max(at, now - MAX_CLOCK_SKEW_MS), now + MAX_CLOCK_SKEW_MS));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** The text, or its first MAX_LINE_BYTES bytes (never half a character) with " … [cut at 65536 bytes]". */
export function cutLongLine(text: string): string {
  // Three bytes at most per UTF-16 unit: a shorter string cannot be too long.
  if (text.length * 3 <= MAX_LINE_BYTES) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= MAX_LINE_BYTES) return text;
  const kept = decoder.decode(bytes.subarray(0, MAX_LINE_BYTES)).replace(/\uFFFD+$/, '');
  return `${kept} … [cut at ${MAX_LINE_BYTES} bytes]`;
}

/** Longest stream, level, app or env name kept, in characters: names, never text. */
export const MAX_NAME_CHARS = 200;

/**
 * The name, or its first MAX_NAME_CHARS characters (never half a surrogate pair: a file's path with
 * an emoji at the cut is a stream name); null and undefined as they are.
 */
export function cutName<T extends string | null | undefined>(name: T): T {
  if (typeof name !== 'string' || name.length <= MAX_NAME_CHARS) return name;
  const last = name.charCodeAt(MAX_NAME_CHARS - 1);
  const splitsPair = last >= 0xd800 && last <= 0xdbff;
  return name.slice(0, splitsPair ? MAX_NAME_CHARS - 1 : MAX_NAME_CHARS) as T;
}
