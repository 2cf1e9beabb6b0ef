// The `log` message: an agent's batch of log lines, the one message that comes by the thousand per
// second. Its rules are written once, in LOG_LINE_RULES: the zod schema (what the protocol's
// types and every other message use) and checkLogMessage (a plain loop, what the server runs on
// every batch) are both built from them. zod's object parse copies every line and runs a chain of
// checks per field; on a 1,000-line batch the plain loop does the same checks in a small part of
// the time and copies nothing (log-message.test.ts checks that both agree).
import * as z from 'zod/mini';

/** The most lines one `log` message may carry. */
export const MAX_LOG_LINES_PER_MESSAGE = 10_000;

/**
 * About how many characters of JSON an agent puts in one `log` message. A string over V8's
 * large-object limit (128 KiB; a message with one character past Latin-1 takes two bytes a
 * character) is allocated in pages of its own, mapped and unmapped each time: on this project's
 * 2-core VM, decoding a 140 KB message took 4 ms and a 120 KB one 0.1 ms, and the server decodes
 * every message an agent sends (so does the agent's JSON.stringify). Measured with
 * `npx tsx bench/log-ingest.bench.ts`: ~0.4 s less server CPU per 100,000 lines than 1,000-line
 * (160 KB) messages.
 */
export const LOG_MESSAGE_TARGET_CHARS = 60_000;

/** What JSON adds to a line beside its strings' characters: keys, quotes, numbers (an estimate). */
const LINE_OVERHEAD_CHARS = 100;

/**
 * `lines` cut, in order, into runs that each make a `log` message of about LOG_MESSAGE_TARGET_CHARS
 * at most (estimated from the strings' lengths, not by serializing them twice; text that JSON
 * escapes heavily can go over). A line longer than the target makes a message of its own. At
 * LINE_OVERHEAD_CHARS a line, no message gets near MAX_LOG_LINES_PER_MESSAGE lines.
 */
export function splitForMessages<L extends LogLineIn>(lines: readonly L[]): L[][] {
  const messages: L[][] = [];
  let current: L[] = [];
  let chars = 0;
  for (const line of lines) {
    const size = LINE_OVERHEAD_CHARS + line.text.length + line.stream.length + (line.level?.length ?? 0) + (line.app?.length ?? 0)
      + (line.env?.length ?? 0) + (line.runId?.length ?? 0) + (line.deploymentId?.length ?? 0);
    if (current.length > 0 && chars + size > LOG_MESSAGE_TARGET_CHARS) {
      messages.push(current);
      current = [];
      chars = 0;
    }
    current.push(line);
    chars += size;
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

const ruleSchemas = {
  count: z.int().check(z.nonnegative()),
  number: z.number(),
  string: z.string(),
  optionalString: z.optional(z.nullable(z.string())),
};
type Rule = keyof typeof ruleSchemas;

/** Each field of a log line and what it must hold. Fields not named here are ignored. */
export const LOG_LINE_RULES = {
  seq: 'count',
  at: 'number',
  stream: 'string',
  text: 'string',
  level: 'optionalString',
  app: 'optionalString',
  env: 'optionalString',
  runId: 'optionalString',
  deploymentId: 'optionalString',
} as const satisfies Record<string, Rule>;

type LogLineShape = { -readonly [K in keyof typeof LOG_LINE_RULES]: (typeof ruleSchemas)[(typeof LOG_LINE_RULES)[K]] };

export const logLineInSchema = z.object(
  Object.fromEntries(Object.entries(LOG_LINE_RULES).map(([field, rule]) => [field, ruleSchemas[rule]])) as LogLineShape,
);
export type LogLineIn = z.infer<typeof logLineInSchema>;

export const logMessageSchema = z.object({ type: z.literal('log'), lines: z.array(logLineInSchema).check(z.maxLength(MAX_LOG_LINES_PER_MESSAGE)) });
export type LogMessage = z.infer<typeof logMessageSchema>;

/** The same rules as ruleSchemas, as plain tests (JSON has no NaN or Infinity, but a test may pass them). */
const ruleChecks: Record<Rule, { holds: (value: unknown) => boolean; expected: string }> = {
  count: { holds: (v) => Number.isSafeInteger(v) && (v as number) >= 0, expected: 'a non-negative integer' },
  number: { holds: (v) => typeof v === 'number' && Number.isFinite(v), expected: 'a number' },
  string: { holds: (v) => typeof v === 'string', expected: 'a string' },
  optionalString: { holds: (v) => v === undefined || v === null || typeof v === 'string', expected: 'a string or null' },
};
const fieldChecks = Object.entries(LOG_LINE_RULES).map(([field, rule]) => ({ field, ...ruleChecks[rule] }));

/** Problems reported at most for one message: a broken agent breaks every line the same way. */
const MAX_PROBLEMS = 3;

/**
 * Checks a parsed `log` message (`value.type` is 'log') against LOG_LINE_RULES without copying it:
 * the message returned is `value` itself, so its lines may hold fields the rules do not name,
 * which whoever reads them must leave alone (LogIngest.fromAgent takes only the named ones).
 * Otherwise the first few problems, each with where it is (`lines.3.seq: expected a non-negative
 * integer, got a string`).
 */
export function checkLogMessage(value: { type: 'log'; lines?: unknown }): { message: LogMessage } | { problem: string } {
  const { lines } = value;
  if (!Array.isArray(lines)) return { problem: `lines: expected an array, got ${kindOf(lines)}` };
  if (lines.length > MAX_LOG_LINES_PER_MESSAGE) return { problem: `lines: at most ${MAX_LOG_LINES_PER_MESSAGE} lines in one message, got ${lines.length}` };
  const problems: string[] = [];
  for (let i = 0; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const line: unknown = lines[i];
    if (typeof line !== 'object' || line === null || Array.isArray(line)) {
      problems.push(`lines.${i}: expected an object, got ${kindOf(line)}`);
      continue;
    }
    for (const { field, holds, expected } of fieldChecks) {
      const v = (line as Record<string, unknown>)[field];
      if (!holds(v)) problems.push(`lines.${i}.${field}: expected ${expected}, got ${kindOf(v)}`);
    }
  }
  if (problems.length > 0) return { problem: problems.slice(0, MAX_PROBLEMS).join('; ') };
  return { message: value as LogMessage };
}

/** What a value is, in words: a number as it is, never a string (it may be a megabyte long, or a secret). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  // A number is short and says what is wrong with it (-1, 1.5, 1e+300).
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
