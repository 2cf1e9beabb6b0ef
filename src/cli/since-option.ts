// `--since` of the commands that list by time: a time ago ("15m", "1h", "2d") or an ISO time.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../base/duration.ts';

/** Commander's check of the option's text. */
export function checkSince(text: string): string {
  if (parseDuration(text) === undefined && Number.isNaN(Date.parse(text))) {
    throw new InvalidArgumentError('expected a time ago like "15m", "1h" or "2d", or an ISO time like 2026-05-01T12:00');
  }
  return text;
}

/** The time in ms since the epoch that a checked `--since` names, counting back from `now`. */
export function sinceTime(text: string, now = Date.now()): number {
  const ago = parseDuration(text);
  return ago === undefined ? Date.parse(text) : now - ago;
}
