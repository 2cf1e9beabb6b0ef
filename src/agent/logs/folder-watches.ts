// Kernel watches on the folders that hold followed log files: a change there wakes the follower
// before its next poll. Where the kernel cannot watch (too many watches, some network filesystems)
// polling alone remains.
import { statSync, watch, type FSWatcher } from 'node:fs';

export class FolderWatches {
  /** Each watched folder's watch, with the folder's identity (a folder made again needs a new one). */
  private readonly watchers = new Map<string, { watcher: FSWatcher; identity: string }>();

  /** `onChange` is called on every change the kernel reports in a watched folder. */
  constructor(private readonly onChange: () => void) {}

  /** Keeps a watch on each of `wanted` (folders), and only on those; answers whether every one is watched. */
  keepFor(wanted: string[]): boolean {
    const folders = new Map<string, string | undefined>();
    for (const folder of wanted) if (!folders.has(folder)) folders.set(folder, identityOf(folder));
    for (const [folder, { watcher, identity }] of this.watchers) {
      if (folders.get(folder) === identity) continue;
      watcher.close();
      this.watchers.delete(folder);
    }
    for (const [folder, identity] of folders) {
      if (this.watchers.has(folder) || identity === undefined) continue;
      try {
        const watcher = watch(folder, { persistent: false }, () => this.onChange());
        // A watch the kernel drops leaves polling in charge: the follower looks again at once.
        watcher.on('error', () => {
          watcher.close();
          if (this.watchers.get(folder)?.watcher === watcher) this.watchers.delete(folder);
          this.onChange();
        });
        this.watchers.set(folder, { watcher, identity });
      } catch {
        // No watch to be had (ENOSPC: the kernel's limit of watches): polling alone.
      }
    }
    return [...folders.keys()].every((folder) => this.watchers.has(folder));
  }

  close(): void {
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}

/**
 * What tells a folder from one made again at its path: device, inode and birth time (a file system
 * may give a folder made again at once the inode of the one removed; where it keeps no birth time,
 * device and inode alone).
 */
function identityOf(folder: string): string | undefined {
  try {
    const stats = statSync(folder);
    return `${stats.dev}:${stats.ino}:${stats.birthtimeMs}`;
  } catch {
    return undefined;
  }
}
