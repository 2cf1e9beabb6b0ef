// What a deployment's migration means to whoever shows it: the words for its state, how far its
// bar is, and whether it needs a person. The web UI and the terminal both read it from here, so
// that "outcome unknown" reads the same in both; each keeps only its own look.
import { formatDuration } from '../../base/duration.ts';
import type { Deployment, DeploymentMigration, MigrationState } from '../model.ts';

export interface MigrationView {
  state: MigrationState;
  /** The state in a word or two, for a status column: "migrating", "migrated", "outcome unknown". */
  word: string;
  /** What follows the word beside it: "on web-1…", "in 1.2s", "on web-1"; may be empty. */
  detail: string;
  /**
   * The state as a phrase of its own: "migrating on web-1…", "migrated in 1.2s", "migration failed
   * on web-1", "outcome unknown — a person must check the database".
   */
  text: string;
  /** How far its bar is, 0 to 1; null while it runs (its length cannot be told). */
  fraction: number | null;
  /** It failed, or nobody can say whether it finished: the deployment stopped before any host changed. */
  failed: boolean;
}

/** How the migration reads now. */
export function migrationView(migration: DeploymentMigration): MigrationView {
  const on = migration.host ? `on ${migration.host}` : '';
  switch (migration.state) {
    case 'pending':
      return view(migration.state, 'waiting to migrate', '', 0, false);
    case 'running':
      return view(migration.state, 'migrating', `${on}…`, null, false);
    case 'succeeded': {
      const took = migration.sentAt !== null && migration.finishedAt !== null ? `in ${formatDuration(Math.max(0, migration.finishedAt - migration.sentAt))}` : '';
      return view(migration.state, 'migrated', took, 1, false);
    }
    case 'failed':
      return view(migration.state, 'migration failed', on, 1, true);
    case 'unknown':
      // The host was lost or restarted while the migration ran: it may have committed, half-run or
      // not started, and only a look at the database tells which.
      return { ...view(migration.state, 'outcome unknown', on, 1, true), text: 'outcome unknown — a person must check the database' };
  }
}

/**
 * The line a `failed_migration` deployment reads as: "migration failed: <error>", the error being
 * the migration's own, else the cause's or the deployment's; for an unknown outcome without an
 * error, that a person must check.
 */
export function failedMigrationText(deployment: Pick<Deployment, 'migration' | 'cause' | 'error'>): string {
  const { migration, cause } = deployment;
  const error = migration?.error ?? (cause?.step === 'migrate' ? cause.error : null) ?? deployment.error;
  if (error) return `migration failed: ${error}`;
  return migration?.state === 'unknown' ? `migration failed: ${migrationView(migration).text}` : 'migration failed';
}

/** The migration's last log lines: its own, else those of the deployment's cause when the migration caused it. */
export function migrationLogTail(deployment: Pick<Deployment, 'migration' | 'cause'>): string[] {
  const own = deployment.migration?.logTail ?? [];
  if (own.length > 0 || deployment.cause?.step !== 'migrate') return own;
  return deployment.cause.logTail;
}

function view(state: MigrationState, word: string, detail: string, fraction: number | null, failed: boolean): MigrationView {
  const text = !detail ? word : detail.startsWith('…') ? `${word}${detail}` : `${word} ${detail}`;
  return { state, word, detail, text, fraction, failed };
}
