// The schema of slipway.yml, version 1 (DESIGN §7), as written in the file: what a project declares
// about its build, how its app runs on a host, and the environments a version goes through.
// Everything else reads the normalized SlipwayConfig (slipway-config.ts) that normalizeConfig makes of it.
import { z } from 'zod';
import { parseDuration } from '../../base/duration.ts';
import { HAPROXY_NAME_PATTERN, isServerTemplate } from '../lb/lb-server-name.ts';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lowercase name of letters, digits and "-", starting with a letter');

const duration = z.string().refine((text) => parseDuration(text) !== undefined, {
  message: 'expected a duration like "500ms", "20s", "5m" or "1h"',
  abort: true,
});

/** A time limit a command runs under: 0 would be a command no agent takes (its protocol says positive). */
const timeLimit = duration.refine((text) => (parseDuration(text) ?? 0) > 0, {
  message: 'expected a duration longer than 0, like "500ms", "20s", "5m" or "1h"',
  abort: true,
});

const step = z.strictObject({
  name: z.string().min(1).optional(),
  run: z.string().min(1, 'expected a shell command'),
  timeout: timeLimit.optional(),
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

/** A unix socket's path must fit sockaddr_un.sun_path (108 bytes with its NUL) on Linux. */
export const MAX_SOCKET_PATH_BYTES = 107;

const labelSelector = (example: string) => z.record(z.string().min(1), z.string().min(1)).refine((s) => Object.keys(s).length > 0, {
  message: `expected at least one label, e.g. ${example}`,
});

/**
 * HAProxy, driven through its runtime API by the agents `on` selects (the ones next to it), on
 * their local stats socket. `server` names a host's server in `backend`; `drain` is the longest
 * wait for its sessions to end.
 */
const haproxy = z.strictObject({
  on: labelSelector('{ role: lb }'),
  socket: z.string()
    .startsWith('/', 'expected the absolute path of HAProxy\'s stats socket, e.g. /run/haproxy/admin.sock')
    .refine((path) => !path.includes('\0'), { message: 'expected a path without NUL characters' })
    .refine((path) => new TextEncoder().encode(path).length <= MAX_SOCKET_PATH_BYTES, { message: `expected a socket path of at most ${MAX_SOCKET_PATH_BYTES} bytes (the limit of a unix socket's path)` }),
  backend: z.string().regex(HAPROXY_NAME_PATTERN, 'expected a HAProxy backend name: up to 100 letters, digits, "-", "_", "." and ":"'),
  server: z.string().refine(isServerTemplate, {
    message: 'expected a server name of letters, digits, "-", "_", "." and ":", with {host} for the Slipway host name, e.g. "{host}" or "app-{host}"',
  }).optional(),
  drain: duration.optional(),
});

/** One load balancer per environment; `haproxy` is the only kind Slipway drives. */
export const loadBalancerKinds = ['haproxy'] as const;

const loadBalancer = z.strictObject({ haproxy: haproxy.optional() }).refine((lb) => lb.haproxy !== undefined, {
  message: 'expected a load balancer: haproxy: { on, socket, backend }',
  // An unknown kind is said already ("unknown load balancer"); saying that none is given too would mislead.
  when: (payload) => payload.issues.length === 0,
});

const environment = z.strictObject({
  hosts: labelSelector('{ env: testing }'),
  batch: batch.optional(),
  after: name.optional(),
  approval: approval.optional(),
  verify: z.array(step).optional(),
  loadBalancer: loadBalancer.optional(),
  /** After a migration, put the previous release back on one host and check it still works (default: where `after` is not set). */
  rehearseRollback: z.boolean().optional(),
});

/** The database change a deployment runs once, on one host, in the staged release, before any host switches. */
/**
 * The longest `migrate.timeout`: an agent keeps its record that it began a migration for 30 days
 * (agent/migrate/migration-marker.ts), and the server may re-deliver the command until the time
 * limit and a margin have passed; a limit well inside that keeps a re-delivery from running it again.
 */
export const MAX_MIGRATE_TIMEOUT_MS = 7 * 86_400_000;

const migrate = z.strictObject({
  run: z.string().min(1, 'expected a shell command, e.g. "./migrate.sh up"'),
  timeout: timeLimit.refine((text) => (parseDuration(text) ?? 0) <= MAX_MIGRATE_TIMEOUT_MS, {
    message: 'expected at most 7d: an agent remembers that it began a migration for 30 days, and a longer migration could outlive that',
  }).optional(),
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
  migrate: migrate.optional(),
  environments: z.record(name, environment).refine((envs) => Object.keys(envs).length > 0, {
    message: 'expected at least one environment',
  }),
});

/** A slipway.yml as the file says it: durations as text, and no defaults (normalizeConfig applies them). */
export type SlipwayFile = z.infer<typeof slipwayFileSchema>;
export type StepFile = z.infer<typeof step>;
export type EnvironmentFile = z.infer<typeof environment>;
export type BatchSize = z.infer<typeof batch>;
