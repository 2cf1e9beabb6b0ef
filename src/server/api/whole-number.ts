// Ids, counts and times that a request gives as text (a query parameter, a Last-Event-ID header):
// decimal digits only, and no more than JavaScript and a bigint column both hold exactly. Anything
// else is the caller's mistake, answered with a 400 that names the parameter, never passed on to
// the database (PostgreSQL refuses "1e+30" or "1.5" for a bigint: a 500).
import { z } from 'zod';

/** What a whole-number parameter must look like, for error messages. */
export const WHOLE_NUMBER = `a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`;

/** The number `text` spells in decimal digits (surrounding blanks allowed), or undefined when it is not one or is above 2^53 − 1. */
export function parseWholeNumber(text: string): number | undefined {
  const digits = text.trim();
  if (!/^\d{1,16}$/.test(digits)) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A query parameter that must be a whole number; `what` says what it stands for ("an id"). */
export function wholeNumberParameter(what: string) {
  return z.string().transform((text, ctx) => {
    const value = parseWholeNumber(text);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${what}: ${WHOLE_NUMBER}` });
      return z.NEVER;
    }
    return value;
  });
}
