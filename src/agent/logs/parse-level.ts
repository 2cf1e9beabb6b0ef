// The level a log line states about itself: a JSON `level` (pino's numbers too), or a leading
// ERROR/WARN/INFO/... word, so the central log can be filtered by level.

/** The levels of the central log, from least to most severe. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const NAMES: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  panic: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
};

/** The words a plain-text line may start with, spelled in capitals when bare. */
const WORDS = 'TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC';

/** A timestamp before the level, as most text loggers write: "2024-05-01 12:00:00,123 ", "12:00:01.5 ". */
const TIMESTAMP = String.raw`(?:\d[\d:.,\-/+TZ]*\s+){0,2}`;
/** "[error] ...", "[WARN] ...", "<error> ...": any case inside brackets. */
const BRACKETED = new RegExp(String.raw`^${TIMESTAMP}[[(<]\s*(${WORDS})\s*[\])>]`, 'i');
/** "ERROR something", "WARN: ...", "INFO\t...": a bare word in capitals, ended by a space, ":" or the end. */
const BARE = new RegExp(String.raw`^${TIMESTAMP}(${WORDS})(?=[\s:|]|$)`);
/** "error: ...", "Warning: ...": any case when followed by a colon (compilers, Python's logging). */
const COLON = new RegExp(String.raw`^${TIMESTAMP}(${WORDS}):`, 'i');

/**
 * The level `text` states, or null when it states none. A JSON object line is read for `level`
 * (a name, or pino's numbers: 10 trace … 60 fatal) or `severity`; a text line for a leading level
 * word after an optional timestamp: bare in capitals (`ERROR …`, `WARN: …`), in brackets in any
 * case (`[warn] …`), or in any case before a colon (`warning: …`). Names are normalised to
 * LogLevel (warning → warn, critical → fatal, notice → info). Pure; the patterns are anchored at
 * the start, so a long line costs no more than a short one unless it is JSON.
 */
export function parseLevel(text: string): LogLevel | null {
  const start = text.trimStart();
  if (start.startsWith('{')) return jsonLevel(start);
  const match = BARE.exec(start) ?? BRACKETED.exec(start) ?? COLON.exec(start);
  return match ? (NAMES[match[1]!.toLowerCase()] ?? null) : null;
}

function jsonLevel(text: string): LogLevel | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  return levelOf(record.level) ?? levelOf(record.severity) ?? levelOf(record.lvl);
}

function levelOf(value: unknown): LogLevel | null {
  if (typeof value === 'number') return pinoLevel(value);
  if (typeof value !== 'string') return null;
  const name = value.trim().toLowerCase();
  if (/^\d+$/.test(name)) return pinoLevel(Number(name));
  return NAMES[name] ?? null;
}

/** pino (and bunyan): 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal; custom levels round down. */
function pinoLevel(n: number): LogLevel | null {
  if (!Number.isFinite(n) || n < 10) return null;
  if (n >= 60) return 'fatal';
  return (['trace', 'debug', 'info', 'warn', 'error'] as const)[Math.floor(n / 10) - 1]!;
}
