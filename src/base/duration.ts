// Durations as people write them in slipway.yml and on the command line: "500ms", "10s", "5m", "2h", "1d".

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration into milliseconds, or returns undefined when the text is not one. Digits
 * enough make Infinity, which a stored config (JSON: null) could not be read back with: not one.
 */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  const ms = Math.round(Number(amount) * (units[unit!] ?? 0));
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Formats milliseconds the short way a person reads them: "850ms", "12.3s", "4m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/**
 * Writes a limit the way slipway.yml does ("10m", "90s", "1h"): in the largest whole unit that
 * divides it; anything else as formatDuration does. For messages like "timed out after 10m".
 */
export function formatLimit(ms: number): string {
  const limitUnits: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [unit, size] of limitUnits) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return formatDuration(ms);
}
