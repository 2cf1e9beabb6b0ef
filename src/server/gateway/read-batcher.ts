// What thousands of agents' hellos read after a server restart (each one's row, the highest seq of
// its log lines stored, its unanswered commands), gathered for a few milliseconds and read in one
// query per batch, not one query each: on SQLite's one connection, one query per hello queued them
// all behind each other, and each query's own cost was most of the hello's CPU.

export interface ReadBatcherDeps<Key, Value> {
  /** Reads the values of these keys (distinct) in a few queries; a key without a value is left out. */
  read: (keys: readonly Key[]) => Promise<Map<Key, Value>>;
  /** How long after the first key of a batch it is read. */
  everyMs: number;
}

interface Waiting<Value> {
  done: (value: Value | undefined) => void;
  failed: (err: unknown) => void;
}

export class ReadBatcher<Key, Value> {
  private waiting = new Map<Key, Waiting<Value>[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ReadBatcherDeps<Key, Value>) {}

  /**
   * Resolves with the value of `key` as read after this call (never by a read already under way),
   * or undefined when there is none; rejects when the read failed.
   */
  get(key: Key): Promise<Value | undefined> {
    return new Promise<Value | undefined>((done, failed) => {
      const forKey = this.waiting.get(key);
      if (forKey) forKey.push({ done, failed });
      else this.waiting.set(key, [{ done, failed }]);
      this.timer ??= setTimeout(() => void this.readAll(), this.deps.everyMs);
    });
  }

  /** Reads what is asked now, without waiting for the timer. */
  async flush(): Promise<void> {
    await this.readAll();
  }

  private async readAll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = new Map();
    if (batch.size === 0) return;
    try {
      const values = await this.deps.read([...batch.keys()]);
      for (const [key, waiting] of batch) for (const w of waiting) w.done(values.get(key));
    } catch (err) {
      // Each caller hears of it, as it would have of its own query.
      for (const waiting of batch.values()) for (const w of waiting) w.failed(err);
    }
  }
}
