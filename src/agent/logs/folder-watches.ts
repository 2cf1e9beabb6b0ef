// Kernel watches on the folders that hold followed log files: a change there wakes the follower
// before its next poll. Where the kernel cannot watch (too many watches, some network filesystems)
// polling alone remains.
import { statSync, watch, type FSWatcher } from 'node:fs';

export class FolderWatches {
  /** Each watched folder's watch, with the folder's identity (a folder made again needs a new one). */
  private readonly watchers = new Map<string, { watcher: FSWatcher; ino: number }>();

  /** `onChange` is called on every change the kernel reports in a watched folder. */
  constructor(private readonly onChange: () => void) {}

  /** Keeps a watch on each of `wanted` (folders), and only on those; answers whether every one is watched. */
  keepFor(wanted: string[]): boolean {
    const folders = new Map<string, number | undefined>();
    for (const folder of wanted) if (!folders.has(folder)) folders.set(folder, inodeOf(folder));
    for (const [folder, { watcher, ino }] of this.watchers) {
      if (folders.get(folder) === ino) continue;
      watcher.close();
      this.watchers.delete(folder);
    }
    for (const [folder, ino] of folders) {
      if (this.watchers.has(folder) || ino === undefined) continue;
      try {
        const watcher = watch(folder, { persistent: false }, () => this.onChange());
        // A watch the kernel drops leaves polling in charge until the folder is looked at again.
        watcher.on('error', () => {
          watcher.close();
          if (this.watchers.get(folder)?.watcher === watcher) this.watchers.delete(folder);
        });
        this.watchers.set(folder, { watcher, ino });
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

function inodeOf(folder: string): number | undefined {
  try {
    return statSync(folder).ino;
  } catch {
    return undefined;
  }
}
