// Follows log files by polling, woken early by the kernel when a followed folder changes: the files
// a set of globs matches (new ones as they appear), across rotation (rename + new file,
// copytruncate) and truncation, resuming after a restart from the positions its sink stored with
// the lines.
import { readdirSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../base/errors.ts';
import { FolderWatches } from './folder-watches.ts';
import { FollowCadence } from './follow-cadence.ts';
import { FollowedFile, type FilePosition, type FollowedLine } from './followed-file.ts';
import { globFiles, hasWildcard } from './glob-files.ts';

export type { FilePosition, FollowedLine } from './followed-file.ts';

/** Where the lines go, and where positions are kept: the spool, in the agent. */
export interface FollowerSink {
  /** Lines of the file at `path`, in order; `key` is the position key of the file they came from. */
  lines(key: string, path: string, lines: FollowedLine[]): void;
  /** The stored position for `key` (the last line given, after a restart the last one kept). */
  position(key: string): FilePosition | undefined;
  /** Stores a position without a line; null forgets it. */
  setPosition(key: string, position: FilePosition | null): void;
  /** Resolves once everything given so far is stored for good. */
  settle(): Promise<void>;
}

export interface FileFollowerOptions {
  /** Absolute paths or globs (`*`, `?` within one folder level). */
  patterns: string[];
  sink: FollowerSink;
  /** Files read from their start when first seen with no position; others that exist at the first scan are read from their end. */
  fromStart?: (path: string) => boolean;
  /** Files (our own: the app's output) to empty once read, stored and larger than overBytes. */
  truncate?: { paths: string[]; overBytes: number };
  /**
   * Pause between polls (default 100 ms) while some folder that matters cannot be watched (too
   * many watches, some network filesystems) or a rotated file is being finished. Globs are
   * searched again at most every five pollMs.
   */
  pollMs?: number;
  /**
   * Pause between polls while the kernel watches every folder that matters (default 1 s): then a
   * change wakes the follower (wakeMs), and the timer's poll is only a safety net for a lost event.
   */
  watchedPollMs?: number;
  /**
   * After a change in a followed folder, the follower reads within this time (default 10 ms)
   * instead of at its next poll: a line reaches the central log without waiting for the timer.
   * Where the kernel cannot watch (too many watches, some network filesystems) polling remains.
   */
  wakeMs?: number;
  /** Polls with nothing new after which a rotated-away file is let go (default 20). */
  drainPolls?: number;
  onNote?: (message: string) => void;
}

/** The position key of a file that was rotated away from `path` and is still being read. */
export const rotatedKey = (p: string) => `${p} (rotated)`;

/**
 * Follows the files matching `patterns` from `start()` until `close()`. Each poll reads the new
 * whole lines of every file; a path whose file changed (device/inode) was rotated: the old file
 * is read to its end and kept open for a while (a writer may not have reopened yet), then the new
 * file is read from its start. A file that shrank was truncated and is read from its start. After
 * a restart, a file whose stored position names another file is looked for by identity in the
 * same folder (app.log.1) and finished first. Positions are stored with the lines, so lines are
 * neither repeated nor skipped across restarts.
 */
export class FileFollower {
  private readonly files = new Map<string, FollowedFile>();
  private readonly draining = new Map<string, { file: FollowedFile; idle: number }>();
  private polls = 0;
  private polling: Promise<void> = Promise.resolve();
  private busy = false;
  private closing = false;
  private closed = false;
  private readonly cadence: FollowCadence;
  /** A change in a followed folder wakes the follower before its next poll. */
  private readonly watches: FolderWatches;

  constructor(private readonly options: FileFollowerOptions) {
    this.cadence = new FollowCadence(
      { pollMs: options.pollMs, watchedPollMs: options.watchedPollMs, wakeMs: options.wakeMs, hasGlobs: options.patterns.some(hasWildcard) },
      (searchGlobs) => void this.poll(searchGlobs),
      () => this.busy,
    );
    this.watches = new FolderWatches(() => this.cadence.wake());
  }

  /** Reads what is there now, then keeps polling (follow-cadence.ts says when). */
  start(): void {
    void this.poll();
    this.cadence.start();
  }

  /**
   * One poll, after any running one: resolves when what the files hold now (new files matching
   * the globs included, unless `searchGlobs` is false) has been given to the sink.
   */
  poll(searchGlobs = true): Promise<void> {
    this.busy = true;
    const next = this.polling.then(() => this.pollOnce(searchGlobs)).catch((err: unknown) => this.options.onNote?.(`following log files failed: ${errorMessage(err)}`));
    this.polling = next;
    void next.then(() => {
      if (this.polling !== next) return;
      this.busy = false;
      this.cadence.pollEnded();
    });
    return next;
  }

  /** Reads what is left, then closes the files; positions stay stored for whoever follows next. */
  async close(): Promise<void> {
    this.closing = true;
    this.cadence.stop();
    await this.poll();
    this.watches.close();
    this.closed = true;
    for (const file of this.files.values()) file.close();
    for (const { file } of this.draining.values()) file.close();
    this.files.clear();
    this.draining.clear();
  }

  private async pollOnce(searchGlobs: boolean): Promise<void> {
    if (this.closed) return;
    if (searchGlobs) this.cadence.globsSearched();
    this.discover(this.polls === 0, searchGlobs);
    this.polls += 1;
    for (const [p, entry] of this.draining) this.readDraining(p, entry);
    for (const [p, file] of this.files) this.readCurrent(p, file);
    await this.truncateOwnFiles();
    this.watchFolders();
  }

  /**
   * Keeps a watch on each folder that holds a followed file or that a pattern names (a glob's, when
   * only its last level has wildcards), and only on those. Once all are watched and nothing is
   * being finished, the timer's polls slow down (follow-cadence.ts).
   */
  private watchFolders(): void {
    if (this.closing) return;
    const folders = [...this.files.keys(), ...this.draining.keys()].map((p) => path.dirname(p));
    // A followed symlink is written where it points: that folder's changes matter too.
    for (const file of this.files.values()) folders.push(file.realFolder);
    let coverable = this.draining.size === 0;
    for (const pattern of this.options.patterns) {
      const folder = path.dirname(pattern);
      if (hasWildcard(folder)) coverable = false;
      else folders.push(folder);
    }
    this.cadence.setWatched(this.watches.keepFor(folders) && coverable);
  }

  /** Opens files that match and are not followed yet; exact paths cost a stat and are looked at every time. */
  private discover(first: boolean, searchGlobs: boolean): void {
    for (const pattern of this.options.patterns) {
      if (this.files.has(pattern)) continue;
      const wildcard = hasWildcard(pattern);
      if (wildcard && !searchGlobs && !first) continue;
      const found = wildcard ? globFiles(pattern) : isFile(pattern) ? [pattern] : [];
      for (const p of found) if (!this.files.has(p)) this.openCurrent(p, first);
    }
  }

  /** Starts on a path: where its stored position says, else at its start (or its end, for a file found at the first scan). */
  private openCurrent(p: string, first: boolean): void {
    const { sink } = this.options;
    this.resumeRotated(p);
    const saved = sink.position(p);
    let finishOld: FilePosition | undefined;
    const file = FollowedFile.open(p, (now) => {
      if (saved && saved.dev === now.dev && saved.ino === now.ino) return now.size < saved.offset ? 0 : saved.offset;
      if (saved) finishOld = saved;
      return saved || !first || (this.options.fromStart?.(p) ?? false) ? 0 : now.size;
    });
    if (!file) return;
    // Rotated while the agent was away: the rest of the old file comes first.
    if (finishOld && !this.draining.has(p)) this.drainByIdentity(p, finishOld);
    this.files.set(p, file);
    sink.setPosition(p, file.position);
  }

  /** After a restart: a file that was being finished when the agent stopped is finished now. */
  private resumeRotated(p: string): void {
    const saved = this.options.sink.position(rotatedKey(p));
    if (saved && !this.draining.has(p)) this.drainByIdentity(p, saved);
  }

  private drainByIdentity(p: string, saved: FilePosition): void {
    const old = findByIdentity(path.dirname(p), saved);
    const file = old === undefined ? undefined : FollowedFile.open(old, () => saved.offset);
    if (!file) {
      this.options.sink.setPosition(rotatedKey(p), null);
      return;
    }
    this.draining.set(p, { file, idle: 0 });
    this.options.sink.setPosition(rotatedKey(p), file.position);
    this.readDraining(p, this.draining.get(p)!);
  }

  private readCurrent(p: string, file: FollowedFile): void {
    this.give(p, p, file);
    let now: { dev: string; ino: string } | undefined;
    try {
      const stats = statSync(p, { bigint: true });
      now = { dev: stats.dev.toString(), ino: stats.ino.toString() };
    } catch {
      now = undefined;
    }
    if (now && file.isSameFile(now)) return;
    // Renamed away (rotation) or removed: finish it as the rotated file; a new file at the path starts at 0.
    this.options.onNote?.(`${p} was ${now ? 'rotated' : 'removed'}`);
    this.files.delete(p);
    const before = this.draining.get(p);
    if (before) this.letGo(p, before.file);
    this.draining.set(p, { file, idle: 0 });
    this.options.sink.setPosition(rotatedKey(p), file.position);
    if (now) this.openCurrent(p, false);
    else this.options.sink.setPosition(p, null);
  }

  private readDraining(p: string, entry: { file: FollowedFile; idle: number }): void {
    const got = this.give(rotatedKey(p), p, entry.file);
    entry.idle = got > 0 ? 0 : entry.idle + 1;
    if (entry.idle >= (this.options.drainPolls ?? 20)) {
      this.draining.delete(p);
      this.letGo(p, entry.file);
    }
  }

  /** A rotated file is done: its unfinished last line goes too, and its position is forgotten. */
  private letGo(p: string, file: FollowedFile): void {
    const rest = file.rest();
    if (rest) this.options.sink.lines(rotatedKey(p), p, [rest]);
    file.close();
    this.options.sink.setPosition(rotatedKey(p), null);
  }

  private give(key: string, p: string, file: FollowedFile): number {
    const { lines, truncated } = file.read();
    if (truncated) {
      this.options.onNote?.(`${p} was truncated: reading it from its start`);
      if (lines.length === 0) this.options.sink.setPosition(key, file.position);
    }
    if (lines.length > 0) this.options.sink.lines(key, p, lines);
    return lines.length;
  }

  /**
   * Empties the app's output files once everything in them is stored and they passed their size.
   * The check and the truncation are back to back, so a line the app writes in between (a few
   * microseconds) is the only thing at risk; the app's O_APPEND writes then land at the new end.
   */
  private async truncateOwnFiles(): Promise<void> {
    const rule = this.options.truncate;
    if (!rule) return;
    const full = rule.paths.map((p) => this.files.get(p)).filter((f): f is FollowedFile => f !== undefined && f.offset > rule.overBytes && f.size() === f.offset);
    if (full.length === 0) return;
    await this.options.sink.settle();
    for (const file of full) {
      if (file.size() !== file.offset) continue;
      truncateSync(file.path, 0);
      file.offset = 0;
      this.options.sink.setPosition(file.path, file.position);
    }
    await this.options.sink.settle();
  }
}

function findByIdentity(dir: string, identity: { dev: string; ino: string }): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      const stats = statSync(path.join(dir, name), { bigint: true });
      if (stats.dev.toString() === identity.dev && stats.ino.toString() === identity.ino) return path.join(dir, name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
