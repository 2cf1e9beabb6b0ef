// The LogStore of a PostgreSQL store: the central log as chunks of lines (migration 019), appended,
// read, indexed and trimmed by the files beside this one.
import type { Kysely } from 'kysely';
import { createLogSeqMarks } from '../kysely/log-seq-marks.ts';
import type { Database } from '../kysely/tables.ts';
import type { LogStore } from '../store.ts';
import { createPostgresLogAppend } from './postgres-log-append.ts';
import { chunkIdOf } from './postgres-log-chunk-rows.ts';
import { indexPendingChunks } from './postgres-log-index.ts';
import { createPostgresLogRead } from './postgres-log-read.ts';
import { createPostgresLogRetention } from './postgres-log-retention.ts';

/** The LogStore over `db`, the database or a transaction. */
export function createPostgresLogStore(db: Kysely<Database>): LogStore {
  return {
    append: createPostgresLogAppend(db),
    ...createPostgresLogRead(db),
    indexPending: (maxIds) => indexPendingChunks(db, maxIds),
    commitUnitOf: chunkIdOf,
    ...createPostgresLogRetention(db),
    ...createLogSeqMarks(db),
  };
}
