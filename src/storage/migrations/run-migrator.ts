// Kysely's migrator first looks its bookkeeping tables up in PostgreSQL's catalog, through
// has_schema_privilege(<schema name>) for every schema it sees. A schema dropped by someone else
// while that read runs (another test run dropping its own schema, an administrator) makes the read
// fail with "schema does not exist" (3F000) before any migration ran: that read is tried again.
// Slipway's own stores read the catalog through CurrentSchemaPostgresDialect, which does not lose
// that race; this stays for a migrator over Kysely's own dialect.
import type { MigrationResultSet, Migrator } from 'kysely';

/** Tries at most this many times in all. */
const ATTEMPTS = 3;

/** Runs `migrator` to the latest migration (or to `target`), again when the catalog read lost a race with a dropped schema. */
export async function runMigrator(migrator: Pick<Migrator, 'migrateToLatest' | 'migrateTo'>, target?: string): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt++) {
    const result = await (target === undefined ? migrator.migrateToLatest() : migrator.migrateTo(target));
    if (attempt === ATTEMPTS || !lostCatalogRace(result)) return result;
  }
}

/** The migrator failed reading the catalog, before running a migration, because a schema vanished. */
function lostCatalogRace(result: MigrationResultSet): boolean {
  const { error, results } = result;
  if (error === undefined || (results ?? []).some((r) => r.status === 'Error')) return false;
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '3F000';
}
