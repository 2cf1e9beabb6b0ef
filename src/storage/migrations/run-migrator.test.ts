import type { MigrationResultSet } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runMigrator } from './run-migrator.ts';

/** A migrator answering the given results in turn, counting the calls. */
function answering(...answers: MigrationResultSet[]) {
  const calls: string[] = [];
  const next = () => Promise.resolve(answers[Math.min(calls.length - 1, answers.length - 1)]!);
  return {
    calls,
    migrateToLatest: () => (calls.push('latest'), next()),
    migrateTo: (target: string) => (calls.push(target), next()),
  };
}

const schemaGone = Object.assign(new Error('schema "slipway_test_1" does not exist'), { code: '3F000' });
const done: MigrationResultSet = { results: [{ migrationName: '001-initial', direction: 'Up', status: 'Success' }] };

describe('runMigrator', () => {
  it('reads the catalog again when a schema vanished while it was read, before any migration ran', async () => {
    const migrator = answering({ error: schemaGone, results: [] }, done);
    expect(await runMigrator(migrator)).toBe(done);
    expect(migrator.calls).toEqual(['latest', 'latest']);
  });

  it('gives up after three tries and returns the error', async () => {
    const gone: MigrationResultSet = { error: schemaGone };
    const migrator = answering(gone);
    expect(await runMigrator(migrator, '002-log-search')).toBe(gone);
    expect(migrator.calls).toEqual(['002-log-search', '002-log-search', '002-log-search']);
  });

  it('does not run again after a migration itself failed, nor for another error', async () => {
    const failed: MigrationResultSet = { error: schemaGone, results: [{ migrationName: '019-log-line-chunks', direction: 'Up', status: 'Error' }] };
    const other: MigrationResultSet = { error: Object.assign(new Error('boom'), { code: '42P01' }), results: [] };
    for (const answer of [failed, other]) {
      const migrator = answering(answer);
      expect(await runMigrator(migrator)).toBe(answer);
      expect(migrator.calls).toHaveLength(1);
    }
  });
});
