// The agent's record that it began a migration, kept on disk so that "once means once" survives an
// agent restart: the server re-delivers an unanswered command to a reconnecting agent, and the
// executor's memory of what it ran dies with the process. <root>/migrations/<commandId>.json.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { errorMessage } from '../../base/errors.ts';
import { commandResultSchema, type CommandResult } from '../../core/protocol/messages.ts';

/** What a marker holds: written before the migration starts, `result` added when it ends. */
export interface MigrationMarker {
  commandId: string;
  deploymentId: string;
  app: string;
  version: string;
  /** ISO time the migration was begun. */
  startedAt: string;
  result?: CommandResult;
}

export type MigrationClaim =
  /** No marker was there: this call made it, the migration may run. */
  | { claimed: true }
  /** A marker was there: the migration was begun before, it must not run again. */
  | { claimed: false; marker: MigrationMarker | null; startedAt: string };

/** Markers older than this are removed when the agent starts: no server re-delivers a command that old. */
export const MARKER_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/** Command ids are UUIDs; anything else could not safely be a file name. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** <root>/migrations */
export function migrationsDir(root: string): string {
  return join(root, 'migrations');
}

/**
 * Creates the marker of `marker.commandId` with O_EXCL (mode 0600, its folder 0700) and syncs it
 * to disk before returning `{ claimed: true }`: only then may the migration start. When the marker
 * exists already, returns what it holds (`marker` null when it cannot be read: a marker is written
 * before the migration starts, so one that cannot be read still means it may have run;
 * `startedAt` is then the file's time). Throws when the marker can be neither made nor read (a
 * full disk, a bad command id): the caller must not run the migration then.
 */
export async function claimMigration(root: string, marker: Omit<MigrationMarker, 'result'>): Promise<MigrationClaim> {
  const file = markerFile(root, marker.commandId);
  await mkdir(migrationsDir(root), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { claimed: false, ...(await readMarker(file)) };
  }
  try {
    await handle.writeFile(`${JSON.stringify(marker)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDir(migrationsDir(root));
  return { claimed: true };
}

/**
 * Records the migration's result in its marker, atomically (a temporary file renamed over it), so
 * that a restarted agent answers the same result instead of "outcome unknown". Throws when it
 * cannot be written; the marker then stays as it was.
 */
export async function recordMigrationResult(root: string, marker: MigrationMarker, result: CommandResult): Promise<void> {
  const file = markerFile(root, marker.commandId);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ ...marker, result })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(migrationsDir(root));
}

/** Removes the marker of a migration that was claimed and then not run after all (the agent stopping first). */
export async function removeMigrationMarker(root: string, commandId: string): Promise<void> {
  await rm(markerFile(root, commandId), { force: true });
  await syncDir(migrationsDir(root));
}

/**
 * Removes the markers (and temporary files a crash left) last written more than `maxAgeMs`
 * before `now`. Returns the names removed. A missing folder is nothing to do.
 */
export async function pruneMigrationMarkers(root: string, now: number, maxAgeMs = MARKER_MAX_AGE_MS): Promise<string[]> {
  const dir = migrationsDir(root);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || now - info.mtimeMs <= maxAgeMs) continue;
    await rm(path, { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * The marker of `commandId` as claimMigration would find it, or null when there is none. Throws
 * when it exists and cannot be read.
 */
export async function readMigrationMarker(root: string, commandId: string): Promise<{ marker: MigrationMarker | null; startedAt: string } | null> {
  try {
    return await readMarker(markerFile(root, commandId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function markerFile(root: string, commandId: string): string {
  if (!SAFE_ID.test(commandId)) throw new Error(`command id ${JSON.stringify(commandId)} cannot name a migration marker`);
  return join(migrationsDir(root), `${commandId}.json`);
}

async function readMarker(file: string): Promise<{ marker: MigrationMarker | null; startedAt: string }> {
  const text = await readFile(file, 'utf8');
  const marker = parseMarker(text);
  if (marker) return { marker, startedAt: marker.startedAt };
  return { marker: null, startedAt: (await stat(file)).mtime.toISOString() };
}

const markerSchema = z.object({
  commandId: z.string(), deploymentId: z.string(), app: z.string(), version: z.string(), startedAt: z.string(), result: z.optional(z.unknown()),
});

function parseMarker(text: string): MigrationMarker | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = markerSchema.safeParse(json);
  if (!parsed.success) return null;
  const { result: stored, ...marker } = parsed.data;
  if (stored === undefined) return marker;
  // A result this agent cannot read back is no result: the migration's outcome is then unknown.
  const result = commandResultSchema.safeParse(stored);
  return result.success ? { ...marker, result: result.data } : marker;
}

/** Makes a new or renamed entry of `dir` durable; a file system that cannot sync a folder is left as it is. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    if (!['EINVAL', 'EISDIR', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw new Error(`syncing ${dir}: ${errorMessage(err)}`, { cause: err });
  } finally {
    await handle.close();
  }
}
