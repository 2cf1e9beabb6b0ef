// An app's state.json: current and previous version, activation history, run specs and the app's
// process, written atomically (temp file + rename) so a crash never leaves half a file.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import * as z from 'zod/mini';
import { appRunSpecSchema } from '../../core/protocol/messages.ts';
import { appPaths } from './app-paths.ts';

const HISTORY_LIMIT = 20;

const appStateSchema = z.object({
  current: z._default(z.nullable(z.string()), null),
  previous: z._default(z.nullable(z.string()), null),
  /** Activations and deactivations (version null), oldest first, the last HISTORY_LIMIT kept. */
  history: z._default(z.array(z.object({ version: z.nullable(z.string()), at: z.number() })), []),
  /** How each version in the history was run, so an agent restart can start `current` again. */
  runSpecs: z._default(z.record(z.string(), appRunSpecSchema), {}),
  /** The environment the app was activated for (its SLIPWAY_ENV). */
  env: z._default(z.nullable(z.string()), null),
  /** The run and deployment of the activation that started `current`: its log lines carry them. */
  runId: z._default(z.nullable(z.string()), null),
  deploymentId: z._default(z.nullable(z.string()), null),
  /** The log files `current` declares in slipway.yml (globs), followed while it is current. */
  logs: z._default(z.array(z.string()), []),
  /** The app's process group (its leader's pid), while the agent runs it. */
  pid: z._default(z.nullable(z.int().check(z.positive())), null),
  /** The leader's start time (/proc/<pid>/stat field 22): tells our process from one that reused the pid. */
  pidStartTime: z._default(z.nullable(z.string()), null),
  /** Marker in the app's environment (SLIPWAY_INSTANCE) that identifies every process of the group. */
  pidInstance: z._default(z.nullable(z.string()), null),
  /**
   * An activation under way, written before the old process stops: the version it switches to,
   * the marker of the process it will start, and how that version runs. Settled (into `current`,
   * env, runId, … or dropped) by the new process's first record, or by resumeApp after a crash,
   * depending on where the `current` symlink points (see switch-current.ts).
   */
  switching: z._default(
    z.nullable(z.object({
      version: z.string(),
      /** What `current` pointed to when the switch was staged. */
      from: z.nullable(z.string()),
      instance: z.string(),
      env: z.string(),
      runId: z.nullable(z.string()),
      deploymentId: z.nullable(z.string()),
      logs: z.array(z.string()),
    })),
    null,
  ),
});
export type AppState = z.infer<typeof appStateSchema>;

/**
 * Reads `<root>/apps/<app>/state.json`. A missing or unreadable file reads as the empty state
 * (nothing current): the `current` symlink and the releases folder stay the truth for those. A
 * field that does not read (damaged, or written by another version of the agent) reads as its
 * default, and so does a run spec that does not: the rest is kept, above all the run spec that
 * lets a restart start `current` again.
 */
export function readAppState(root: string, app: string): AppState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(appPaths(root, app).stateFile, 'utf8'));
  } catch {
    raw = {};
  }
  const parsed = appStateSchema.safeParse(raw);
  return parsed.success ? parsed.data : readableFields(raw);
}

/** The state made of the fields of `raw` that read, each run spec on its own; defaults for the others. */
function readableFields(raw: unknown): AppState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return appStateSchema.parse({});
  const fields: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(appStateSchema.shape)) {
    const value = (raw as Record<string, unknown>)[key];
    if (key === 'runSpecs' && typeof value === 'object' && value !== null) {
      fields[key] = Object.fromEntries(Object.entries(value).filter(([, spec]) => appRunSpecSchema.safeParse(spec).success));
      continue;
    }
    const field = schema.safeParse(value);
    if (field.success) fields[key] = field.data;
  }
  return appStateSchema.parse(fields);
}

/**
 * Applies `change` to the app's state and writes the result atomically; returns it. Synchronous on
 * purpose: read, change and write happen in one turn of the event loop, so two callers in the
 * agent (the supervisor recording a pid, an activation switching versions) never lose each
 * other's update. The file is tiny. Runs specs of versions that left the history are dropped.
 */
export function updateAppState(root: string, app: string, change: (state: AppState) => void): AppState {
  const paths = appPaths(root, app);
  const state = changed(readAppState(root, app), change);
  mkdirSync(paths.appDir, { recursive: true, mode: 0o700 });
  const temp = tempName(paths.stateFile);
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, paths.stateFile);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  return state;
}

/**
 * updateAppState whose wait for the disk (write + fsync on libuv's pool) leaves the event loop
 * free, so an activation can let it overlap the old process's stop. Not atomic with other updates:
 * the file is read again just before the rename, in the same turn of the event loop; if anyone
 * wrote it meanwhile, the temp file is dropped and `change` applied again synchronously
 * (updateAppState), so no update is ever lost.
 */
export async function updateAppStateAsync(root: string, app: string, change: (state: AppState) => void): Promise<AppState> {
  const paths = appPaths(root, app);
  const before = readRaw(paths.stateFile);
  const state = changed(readAppState(root, app), change);
  mkdirSync(paths.appDir, { recursive: true, mode: 0o700 });
  const temp = tempName(paths.stateFile);
  try {
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(state, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  if (readRaw(paths.stateFile) !== before) {
    rmSync(temp, { force: true });
    return updateAppState(root, app, change);
  }
  renameSync(temp, paths.stateFile);
  return state;
}

/** Applies `change`, then keeps the last HISTORY_LIMIT entries and the run specs still needed. */
function changed(state: AppState, change: (state: AppState) => void): AppState {
  change(state);
  state.history = state.history.slice(-HISTORY_LIMIT);
  const keep = new Set([state.current, state.previous, state.switching?.version, ...state.history.map((h) => h.version)]);
  state.runSpecs = Object.fromEntries(Object.entries(state.runSpecs).filter(([version]) => keep.has(version)));
  return state;
}

function tempName(stateFile: string): string {
  return `${stateFile}.tmp-${randomBytes(6).toString('hex')}`;
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
