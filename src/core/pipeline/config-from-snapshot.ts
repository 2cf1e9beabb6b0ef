// Reads the slipway.yml snapshot a run keeps (runs.config). Runs created before the config was
// normalized stored the file's form (durations as text like "20s", step names and logs optional);
// newer runs store the SlipwayConfig itself. Both read back as a SlipwayConfig.
import { z } from 'zod';
import { SlipwayError } from '../../base/errors.ts';
import { normalizeApproval, normalizeConfig } from './normalize-config.ts';
import type { SlipwayConfig } from './slipway-config.ts';
import { slipwayFileSchema } from './slipway-file.ts';

const ms = z.number().int().min(0);
const step = z.object({ name: z.string(), run: z.string(), timeoutMs: ms });

/** The stored form of a SlipwayConfig: checked on read, because the database is not our memory. */
const storedConfigSchema = z.object({
  version: z.literal(1),
  app: z.string(),
  build: z.object({ steps: z.array(step), artifact: z.array(z.string()) }),
  run: z.object({
    command: z.string(),
    port: z.number().int(),
    health: z.object({ http: z.string(), timeoutMs: ms }),
    stopTimeoutMs: ms,
  }),
  logs: z.array(z.string()),
  environments: z.record(z.string(), z.object({
    hosts: z.record(z.string(), z.string()),
    batch: z.union([z.number().int(), z.string()]),
    after: z.string().nullable(),
    // Runs stored before approvals could be counted keep `manual`: one approval.
    approval: z.union([
      z.enum(['auto', 'manual']).transform(normalizeApproval),
      z.object({ required: z.number().int().min(1), notAuthor: z.boolean() }),
    ]),
    verify: z.array(step),
    // Runs stored before load balancers were declared have none.
    loadBalancer: z.object({
      kind: z.literal('haproxy'),
      on: z.record(z.string(), z.string()),
      socket: z.string(),
      backend: z.string(),
      server: z.string(),
      drainMs: ms,
    }).nullable().default(null),
    // Runs stored before migrations had nothing to rehearse.
    rehearseRollback: z.boolean().default(false),
  })),
  migrate: z.object({ run: z.string(), timeoutMs: ms }).nullable().default(null),
}) satisfies z.ZodType<SlipwayConfig>;

/**
 * The SlipwayConfig of a stored snapshot, in either form (the old file form is normalized here,
 * exactly as parsing a file would). Pure. Throws SlipwayError (SLIPWAY_CONFIG_INVALID) for
 * anything else: a damaged row, not a user's mistake.
 */
export function configFromSnapshot(json: unknown): SlipwayConfig {
  if (isStoredForm(json)) {
    const stored = storedConfigSchema.safeParse(json);
    if (stored.success) return stored.data;
    throw invalid(stored.error);
  }
  const file = slipwayFileSchema.safeParse(json);
  if (file.success) return normalizeConfig(file.data);
  throw invalid(file.error);
}

/** The stored form is told by its normalized durations; the file form has `stop_timeout` text or nothing. */
function isStoredForm(json: unknown): boolean {
  const run = (json as { run?: unknown } | null)?.run;
  return typeof run === 'object' && run !== null && 'stopTimeoutMs' in run;
}

function invalid(error: z.ZodError): SlipwayError {
  const first = error.issues[0];
  const where = first ? `${first.path.map(String).join('.')}: ${first.message}` : 'unknown shape';
  return new SlipwayError('SLIPWAY_CONFIG_INVALID', `a stored slipway.yml snapshot cannot be read (${where})`, { cause: error });
}
