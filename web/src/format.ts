// Times and durations as the UI shows them.
import { formatDuration } from '../../src/base/duration.ts';

/** "14:03:22.117" in the browser's time zone: log lines. */
export function clockTime(at: number): string {
  const d = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "just now", "42s ago", "5 min ago", "3 h ago", else the date. */
export function timeAgo(at: number, now = Date.now()): string {
  const ms = Math.max(0, now - at);
  if (ms < 5_000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return new Date(at).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** How long something took, or has taken so far. */
export function elapsed(start: number | null, end: number | null, now = Date.now()): string {
  if (start === null) return '';
  return formatDuration(Math.max(0, (end ?? now) - start));
}

/** The full date and time, for tooltips. */
export function fullTime(at: number): string {
  return new Date(at).toLocaleString();
}
