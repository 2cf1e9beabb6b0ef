// The `log` message: an agent's batch of log lines, the one message that comes by the thousand per
// second. Its rules are written once, in LOG_LINE_RULES: the zod schema (what the protocol's
// types and every other message use) and checkLogMessage (a plain loop, what the server runs on
// every batch) are both built from them. zod's object parse copies every line and runs a chain of
// checks per field; on a 1,000-line batch the plain loop does the same checks in a small part of
// the time and copies nothing (log-message.test.ts checks that both agree).
import * as z from 'zod/mini';

/** The most lines one `log` message may carry. */
export const MAX_LOG_LINES_PER_MESSAGE = 10_000;

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
