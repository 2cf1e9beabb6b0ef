// Request bodies and parameters are parsed with zod; every problem comes back in one InputError.
import type { z } from 'zod';
import { InputError } from '../../base/errors.ts';

export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
  throw new InputError('SLIPWAY_INVALID_REQUEST', `invalid ${what}: ${problems.join('; ')}`, { details: problems });
}
