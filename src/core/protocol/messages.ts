// The agent ⇄ server protocol (DESIGN §5): JSON messages over one WebSocket that the agent dials.
// Every command carries an id and is idempotent, so a reconnect may replay it safely.
// zod/mini, not zod: every agent loads these schemas, and mini's functions (z.optional(x) for
// x.optional()) let the build leave out what they do not use; the agent's schemas below and in
// src/agent use it too, about 2.5 MB less resident memory per agent (/proc/<pid>/status, Node 20).
import * as z from 'zod/mini';
import { HAPROXY_NAME_PATTERN } from '../lb/lb-server-name.ts';
import { checkLogMessage, logMessageSchema } from './log-message.ts';

export { logLineInSchema, MAX_LOG_LINES_PER_MESSAGE, type LogLineIn } from './log-message.ts';

export const PROTOCOL_VERSION = 1;

/** App names become folder names on hosts: lowercase letters, digits and dashes, no dots or slashes. */
export const appNameSchema = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,62}$/));
/** Versions are `<run-number>-<sha7>`; anything else could name a path outside the releases folder. */
export const versionSchema = z.string().check(z.regex(/^[0-9]{1,9}-[0-9a-f]{7}$/));

export const appRunSpecSchema = z.object({
  command: z.string().check(z.minLength(1)),
  port: z.int().check(z.minimum(1), z.maximum(65535)),
  healthPath: z.string().check(z.startsWith('/')),
  healthTimeoutMs: z.int().check(z.positive()),
  stopTimeoutMs: z.int().check(z.positive()),
});
export type AppRunSpec = z.infer<typeof appRunSpecSchema>;

export const jobStepSchema = z.object({
  name: z.string(),
  run: z.string(),
  timeoutMs: z.int().check(z.positive()),
});
export type JobStep = z.infer<typeof jobStepSchema>;

export const jobSpecSchema = z.object({
  jobId: z.string(),
  /** The run and deployment the job belongs to (either may be null): the agent tags its lines with them. */
  runId: z.nullable(z.string()),
  deploymentId: z._default(z.nullable(z.string()), null),
  kind: z.enum(['build', 'verify', 'migrate']),
  project: z.string(),
  sha: z.string(),
  version: versionSchema,
  /** Path on the server of a tar.gz of the commit's tree (`git archive`). */
  sourcePath: z.string().check(z.startsWith('/')),
  steps: z.array(jobStepSchema),
  /** Build only: the paths to pack into the artifact. */
  artifactPaths: z._default(z.array(z.string()), []),
  env: z._default(z.record(z.string(), z.string()), {}),
});
export type JobSpec = z.infer<typeof jobSpecSchema>;

/** A HAProxy backend or server name: nothing in it can end a runtime API command (core/lb). */
export const haproxyNameSchema = z.string().check(z.regex(HAPROXY_NAME_PATTERN));

/** A server's admin state as Slipway sets it: in the pool, taking no new sessions, or out of it. */
export const lbStateSchema = z.enum(['ready', 'drain', 'maint']);
export type LbState = z.infer<typeof lbStateSchema>;

/** The most servers an LB agent reports for one backend: a fleet is at most a few thousand hosts. */
export const MAX_LB_SERVERS = 5000;

/** The longest unix socket path (sockaddr_un.sun_path on Linux, less its NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * `lb`: for an LB agent, its local HAProxy's runtime API on `socket`. It sets each server of `set`
 * to its state, in order, after checking that the backend has every one of them (none is set when
 * one is missing), then reads the backend back: the answer's `lb` is the backend after the changes.
 * `set: []` only reads. Setting a state a server already has changes nothing, so a replay is safe.
 */
export const lbCommandSchema = z.object({
  kind: z.literal('lb'),
  socket: z.string().check(z.startsWith('/'), z.maxLength(MAX_SOCKET_PATH), z.refine((path) => !path.includes('\0'))),
  backend: haproxyNameSchema,
  set: z.array(z.object({ server: haproxyNameSchema, state: lbStateSchema })).check(z.maxLength(MAX_LB_SERVERS)),
  /** The run and deployment the change belongs to: the agent tags its lines with them. */
  runId: z.optional(z.nullable(z.string())),
  deploymentId: z.optional(z.nullable(z.string())),
});
export type LbCommand = z.infer<typeof lbCommandSchema>;

/**
 * One server of the backend as HAProxy reports it. `admin` is what Slipway sets (from
 * `srv_admin_state`: any of the maintenance bits FMAINT, IMAINT, RMAINT is maint, else any drain
 * bit FDRAIN, IDRAIN is drain, else ready; a server only `disabled` in the config and readied since
 * keeps CMAINT and is ready). `operational` is `srv_op_state` (what the health checks see: down,
 * starting, up, stopping). `status` is `show stat`'s word ("UP", "DOWN", "DRAIN", "MAINT",
 * "no check", "UP 1/3"...), `scur` its current sessions, `weight` the user weight (0 takes no new
 * sessions either).
 */
export const lbServerStateSchema = z.strictObject({
  server: haproxyNameSchema,
  admin: lbStateSchema,
  adminBits: z.int().check(z.minimum(0), z.maximum(0xffff)),
  operational: z.enum(['down', 'starting', 'up', 'stopping']),
  status: z.string().check(z.maxLength(64)),
  scur: z.int().check(z.minimum(0), z.maximum(1e9)),
  weight: z.int().check(z.minimum(0), z.maximum(256)),
});
export type LbServerState = z.infer<typeof lbServerStateSchema>;

/** A backend as an LB agent read it, every server of it, in HAProxy's order. */
export const lbBackendStateSchema = z.strictObject({
  backend: haproxyNameSchema,
  servers: z.array(lbServerStateSchema).check(z.maxLength(MAX_LB_SERVERS)),
});
export type LbBackendState = z.infer<typeof lbBackendStateSchema>;

export const commandSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('prepare'),
    app: appNameSchema,
    version: versionSchema,
    /** Path on the server to download the artifact from, with the agent's token. */
    artifactPath: z.string().check(z.startsWith('/')),
    sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    size: z.int().check(z.nonnegative()),
    /** The run and deployment the staging belongs to: the agent tags its deploy lines with them. */
    runId: z.optional(z.nullable(z.string())),
    deploymentId: z.optional(z.nullable(z.string())),
  }),
  z.object({
    kind: z.literal('activate'),
    app: appNameSchema,
    version: versionSchema,
    env: z.string(),
    deploymentId: z.nullable(z.string()),
    /** The run that built the version being deployed (null for a rollback by hand). */
    runId: z.optional(z.nullable(z.string())),
    run: appRunSpecSchema,
    /**
     * Log files to follow besides the app's output (slipway.yml `logs`): globs, relative ones
     * under <root>/apps/<app>/. The app's lines are tagged with this activation's run and deployment.
     */
    logs: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(50))),
  }),
  z.object({ kind: z.literal('deactivate'), app: appNameSchema }),
  /**
   * `migrate`: runs `run` (slipway.yml `migrate.run`) once with `sh -c` in the staged release
   * <root>/apps/<app>/releases/<version>, with the app's environment (PORT `port`, SLIPWAY_ENV…)
   * and the environment's secrets, killed after `timeoutMs`. Once means once, also across agent
   * restarts: an agent that finds it began this command before answers with what it recorded, or
   * SLIPWAY_MIGRATION_OUTCOME_UNKNOWN, and never runs it again.
   */
  z.object({
    kind: z.literal('migrate'),
    app: appNameSchema,
    version: versionSchema,
    env: z.string(),
    deploymentId: z.string(),
    runId: z.optional(z.nullable(z.string())),
    run: z.string().check(z.minLength(1)),
    timeoutMs: z.int().check(z.positive()),
    port: z.int().check(z.minimum(1), z.maximum(65535)),
  }),
  z.object({ kind: z.literal('job'), job: jobSpecSchema }),
  lbCommandSchema,
]);
export type Command = z.infer<typeof commandSchema>;

export const commandResultSchema = z.object({
  ok: z.boolean(),
  error: z.optional(z.string()),
  /** The app's version on the host before the command: prepare and activate report it. */
  previous: z.optional(z.nullable(z.string())),
  /** The last lines the app or job wrote, for a failure's cause. */
  logTail: z.optional(z.array(z.string())),
  /** Where it failed: stage, activate, health or migrate. */
  step: z.optional(z.enum(['stage', 'activate', 'health', 'migrate'])),
  artifact: z.optional(z.object({ sha256: z.string(), size: z.number() })),
  exitCode: z.optional(z.nullable(z.number())),
  /** A failure's stable code where the agent has one (docs/errors.md), e.g. SLIPWAY_LB_NO_SUCH_SERVER. */
  errorCode: z.optional(z.string().check(z.regex(/^SLIPWAY_[A-Z0-9_]{1,60}$/))),
  /** `lb`: the backend after the command's changes. */
  lb: z.optional(lbBackendStateSchema),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

export const appOnHostSchema = z.object({
  app: z.string(),
  current: z.nullable(z.string()),
  releases: z.array(z.string()),
});

/** Longest address (a host name or an IP address) an agent may give where its apps are reached. */
export const MAX_ADDRESS_CHARS = 253;

export const agentMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number(),
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    address: z.string().check(z.maxLength(MAX_ADDRESS_CHARS)),
    port: z.nullable(z.int()),
    apps: z.array(appOnHostSchema),
    /** Commands the agent is still working on (e.g. after the server restarted). */
    running: z.array(z.string()),
  }),
  z.object({ type: z.literal('status'), apps: z.array(appOnHostSchema) }),
  z.object({ type: z.literal('heartbeat') }),
  z.object({ type: z.literal('progress'), commandId: z.string(), message: z.string() }),
  z.object({ type: z.literal('result'), commandId: z.string(), result: commandResultSchema }),
  logMessageSchema,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('command'),
    id: z.string(),
    command: commandSchema,
    /**
     * The secrets the process the command starts gets, by name (an app, a job). Added by the
     * gateway as it sends the command, so their values are never stored with it.
     */
    secrets: z.optional(z.record(z.string(), z.string())),
    /**
     * A build job's one-time upload token: its artifact is recorded only when uploaded with it
     * (header X-Slipway-Upload-Token), by this runner, for this job. Added by the gateway as it
     * sends the command; the server keeps only its hash.
     */
    uploadToken: z.optional(z.string()),
  }),
  /** Every log line up to and including `seq` is stored: the agent may forget them. */
  z.object({ type: z.literal('log_ack'), seq: z.number() }),
  z.object({ type: z.literal('heartbeat_ack') }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/**
 * Parses one frame: the message, or what is wrong with it (its first few problems, each with
 * where it is). A `log` message is checked by checkLogMessage (the same rules as its schema,
 * far cheaper on thousands of lines); every other message by agentMessageSchema.
 */
export function readAgentMessage(text: string): { message: AgentMessage } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'log') {
    return checkLogMessage(value as { type: 'log' });
  }
  const parsed = agentMessageSchema.safeParse(value);
  if (parsed.success) return { message: parsed.data };
  return { problem: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ').slice(0, 500) };
}

/**
 * A `result` message whose result does not parse (an agent of another version, or a broken one):
 * its command id and what is wrong, so that the command fails with that at once rather than
 * waiting for its time-out under a misleading reason. Undefined for anything else.
 */
export function unreadableResult(text: string): { commandId: string; problem: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const shape = z.object({ type: z.literal('result'), commandId: z.string().check(z.minLength(1), z.maxLength(100)), result: z.unknown() }).safeParse(value);
  if (!shape.success) return undefined;
  const parsed = commandResultSchema.safeParse(shape.data.result);
  if (parsed.success) return undefined;
  const problem = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'result'}: ${i.message}`).join('; ');
  return { commandId: shape.data.commandId, problem: problem.slice(0, 500) };
}

export function parseServerMessage(text: string): ServerMessage | undefined {
  return parseJson(text, serverMessageSchema);
}

function parseJson<T>(text: string, schema: z.ZodMiniType<T>): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
