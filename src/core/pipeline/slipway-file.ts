// The schema of slipway.yml, version 1 (DESIGN §7), as written in the file: what a project declares
// about its build, how its app runs on a host, and the environments a version goes through.
// Everything else reads the normalized SlipwayConfig (slipway-config.ts) that normalizeConfig makes of it.
import { z } from 'zod';
import { parseDuration } from '../../base/duration.ts';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lowercase name of letters, digits and "-", starting with a letter');

const duration = z.string().refine((text) => parseDuration(text) !== undefined, {
  message: 'expected a duration like "500ms", "20s", "5m" or "1h"',
});

const step = z.strictObject({
  name: z.string().min(1).optional(),
  run: z.string().min(1, 'expected a shell command'),
  timeout: duration.optional(),
});

const batch = z.union([
  z.number().int().min(1, 'expected at least 1 host, or a percentage like "25%"'),
  z.string().regex(/^(100|[1-9]\d?)%$/, 'expected a percentage from 1% to 100%'),
], { error: 'expected a number of hosts or a percentage like "25%"' });

/** `auto`, `manual` (one approval), or how many different people must approve and whether the commit's author may be one. */
const approval = z.union([
  z.enum(['auto', 'manual']),
  z.strictObject({
    required: z.number().int().min(1, 'expected at least 1 approval').max(10, 'expected at most 10 approvals'),
    notAuthor: z.boolean().optional(),
  }),
], { error: 'expected "auto", "manual" or { required: 2, notAuthor: true }' });

const environment = z.strictObject({
  hosts: z.record(z.string().min(1), z.string().min(1)).refine((s) => Object.keys(s).length > 0, {
    message: 'expected at least one label, e.g. { env: testing }',
  }),
  batch: batch.optional(),
  after: name.optional(),
  approval: approval.optional(),
  verify: z.array(step).optional(),
});

/**
 * A log file the agents follow beside the app's output: a path or a glob (`*` and `?` within one
 * folder level), absolute, or relative to the app's folder on the host (<root>/apps/<app>/).
 */
const logGlob = z
  .string()
  .min(1, 'expected a path or a glob like "shared/log/*.log"')
  .refine((glob) => !glob.includes('**'), { message: 'expected "*" within one folder level ("**" is not supported), e.g. "shared/log/*.log"' })
  .refine((glob) => !glob.endsWith('/'), { message: 'expected a file or a glob of files, not a folder: add "/*.log"' })
  .refine((glob) => glob.startsWith('/') || !glob.split('/').includes('..'), { message: 'expected a path inside the app\'s folder: ".." is not allowed in a relative path' })
  .refine((glob) => !glob.includes('\0'), { message: 'expected a path without NUL characters' });

export const slipwayFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  app: name,
  build: z.strictObject({
    steps: z.array(step).min(1, 'expected at least one step'),
    artifact: z.array(z.string().min(1)).min(1, 'expected at least one path to pack'),
  }),
  run: z.strictObject({
    command: z.string().min(1, 'expected the command that starts the app'),
    port: z.number().int().min(1).max(65535).optional(),
    health: z.strictObject({
      http: z.string().startsWith('/', 'expected a path starting with "/", e.g. /healthz'),
      timeout: duration.optional(),
    }),
    stop_timeout: duration.optional(),
  }),
  /** Log files the app writes (or others write for it), followed on every host; see logGlob. */
  logs: z.array(logGlob).max(50, 'expected at most 50 log paths').optional(),
  environments: z.record(name, environment).refine((envs) => Object.keys(envs).length > 0, {
    message: 'expected at least one environment',
  }),
});

/** A slipway.yml as the file says it: durations as text, and no defaults (normalizeConfig applies them). */
export type SlipwayFile = z.infer<typeof slipwayFileSchema>;
export type StepFile = z.infer<typeof step>;
export type EnvironmentFile = z.infer<typeof environment>;
export type BatchSize = z.infer<typeof batch>;
