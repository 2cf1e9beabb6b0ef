// Brings a database to the newest schema when a store opens. The migrations are a fixed list of
// imports (no folder scanning), so the same code runs from source, from a bundle or from a test.
import { Migrator } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { SlipwayError, errorMessage } from '../../base/errors.ts';
import type { SqlDialectName } from '../kysely/tables.ts';
import { initialMigration } from './001-initial.ts';
import { logSearchMigration } from './002-log-search.ts';
import { jobOwnerMigration } from './003-job-owner.ts';
import { principalsMigration } from './004-principals.ts';
import { projectPollErrorMigration } from './005-project-poll-error.ts';
import { hostFailedStepMigration } from './006-host-failed-step.ts';
import { cancelOrphanCommandsMigration } from './007-cancel-orphan-commands.ts';
import { agentTrustMigration } from './008-agent-trust.ts';
import { secretsMigration } from './009-secrets.ts';
import { peopleMigration } from './010-people.ts';
import { auditMigration } from './011-audit.ts';
import { agentScopesMigration } from './012-agent-scopes.ts';
import { signInSessionsMigration } from './013-sign-in-sessions.ts';
import { deploymentLbCommandsMigration } from './014-deployment-lb-commands.ts';
import { migrationsAndRehearsalsMigration } from './015-migrations-and-rehearsals.ts';
import { instancesMigration } from './016-instances.ts';
import { oneRunPerCommitMigration } from './017-one-run-per-commit.ts';
import { logSearchBehindMigration } from './018-log-search-behind.ts';
import { logLineChunksMigration } from './019-log-line-chunks.ts';
import { logSeqMarksMigration } from './020-log-seq-marks.ts';
import { logWordsByServerMigration } from './021-log-words-by-server.ts';
import { runMigrator } from './run-migrator.ts';

/** Every migration by name; names sort in the order they must run. */
export function migrations(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '001-initial': initialMigration(dialect),
    '002-log-search': logSearchMigration(dialect),
    '003-job-owner': jobOwnerMigration(dialect),
    '004-principals': principalsMigration(),
    '005-project-poll-error': projectPollErrorMigration(),
    '006-host-failed-step': hostFailedStepMigration(),
    '007-cancel-orphan-commands': cancelOrphanCommandsMigration(),
    '008-agent-trust': agentTrustMigration(),
    '009-secrets': secretsMigration(),
    '010-people': peopleMigration(),
    '011-audit': auditMigration(),
    '012-agent-scopes': agentScopesMigration(),
    '013-sign-in-sessions': signInSessionsMigration(),
    '014-deployment-lb-commands': deploymentLbCommandsMigration(),
    '015-migrations-and-rehearsals': migrationsAndRehearsalsMigration(),
    '016-instances': instancesMigration(),
    '017-one-run-per-commit': oneRunPerCommitMigration(),
    '018-log-search-behind': logSearchBehindMigration(dialect),
    '019-log-line-chunks': logLineChunksMigration(dialect),
    '020-log-seq-marks': logSeqMarksMigration(),
    '021-log-words-by-server': logWordsByServerMigration(dialect),
  };
}

/**
 * Runs every migration not yet applied, in order. Kysely's migrator takes a lock, so several
 * server instances starting at once apply each migration once. `schema` names where the
 * migrator's bookkeeping tables live (PostgreSQL: the current schema; without it, Kysely would
 * take another schema's tables for its own). Throws SlipwayError (SLIPWAY_STORAGE_MIGRATION_FAILED)
 * naming the migration that failed.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: SqlDialectName, schema?: string): Promise<void> {
  const all = migrations(dialect);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(all) },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await runMigrator(migrator);
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
  throw new SlipwayError(
    'SLIPWAY_STORAGE_MIGRATION_FAILED',
    `database migration ${failed} failed: ${errorMessage(error)}`,
    { cause: error },
  );
}
