// The InstanceLock of a SQLite server: one server per data dir. An exclusive SQLite transaction
// on the lock file <dataDir>/server.lock, open for the life of the process: the operating system
// gives the file lock up when the process dies, however it dies, so a restarted server takes it
// at once and a second one started on the same data dir beside a live one is refused.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { SlipwayError, errorMessage } from '../../base/errors.ts';
import { instanceRunningError, type InstanceLock } from '../instance-lock.ts';

export const SQLITE_LOCK_FILE = 'server.lock';

export class SqliteInstanceLock implements InstanceLock {
  private constructor(private readonly connection: SqliteDatabase.Database) {}

  /**
   * Takes the lock of `dataDir` (creating the folder if missing). Throws ConflictError
   * (SLIPWAY_INSTANCE_RUNNING) when another server holds it, SlipwayError (SLIPWAY_STORAGE_OPEN_FAILED)
   * when the lock file cannot be opened.
   */
  static async take(dataDir: string, options: { nativeBinding?: object } = {}): Promise<SqliteInstanceLock> {
    const file = join(dataDir, SQLITE_LOCK_FILE);
    let connection: SqliteDatabase.Database;
    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      // timeout 0: a live server's lock refuses at once instead of after a wait.
      connection = new SqliteDatabase(file, { timeout: 0, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding as unknown as string } : {}) });
    } catch (err) {
      throw new SlipwayError('SLIPWAY_STORAGE_OPEN_FAILED', `cannot open the lock file ${file}: ${errorMessage(err)}`, { cause: err });
    }
    try {
      connection.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      connection.close();
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw instanceRunningError(`the server of the data dir ${dataDir}`);
      throw new SlipwayError('SLIPWAY_STORAGE_OPEN_FAILED', `cannot lock ${file}: ${errorMessage(err)}`, { cause: err });
    }
    return new SqliteInstanceLock(connection);
  }

  /** A file lock is never lost while the process lives. */
  held(): boolean {
    return this.connection.open;
  }

  release(): Promise<void> {
    if (this.connection.open) this.connection.close();
    return Promise.resolve();
  }
}
