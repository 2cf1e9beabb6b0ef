import { describe, expect, it } from 'vitest';
import type { DeploymentMigration } from '../model.ts';
import { failedMigrationText, migrationLogTail, migrationView } from './migration-view.ts';

const migration = (state: DeploymentMigration['state'], patch: Partial<DeploymentMigration> = {}): DeploymentMigration => ({
  state, agentId: 'agent-web-1', host: 'web-1', commandId: 'c1', sentAt: 10_000, finishedAt: null, error: null, logTail: [], ...patch,
});

describe('migrationView', () => {
  it('reads "migrating on web-1…" while it runs, with a bar whose length cannot be told', () => {
    expect(migrationView(migration('running'))).toMatchObject({ text: 'migrating on web-1…', word: 'migrating', fraction: null, failed: false });
    expect(migrationView(migration('running', { host: null })).text).toBe('migrating…');
  });

  it('reads "migrated in 1.2s" once it succeeded', () => {
    expect(migrationView(migration('succeeded', { finishedAt: 11_200 }))).toMatchObject({ text: 'migrated in 1.2s', fraction: 1, failed: false });
  });

  it('says a person must check the database when nobody can tell whether it finished', () => {
    const unknown = migrationView(migration('unknown'));
    expect(unknown.text).toBe('outcome unknown — a person must check the database');
    expect(unknown.word).toBe('outcome unknown');
    expect(unknown.detail).toBe('on web-1');
    expect(unknown.failed).toBe(true);
  });

  it('reads "migration failed" on its host, and waits before it is sent', () => {
    expect(migrationView(migration('failed'))).toMatchObject({ text: 'migration failed on web-1', failed: true });
    expect(migrationView(migration('pending', { host: null, sentAt: null }))).toMatchObject({ text: 'waiting to migrate', fraction: 0 });
  });
});

describe('failedMigrationText', () => {
  it('reads "migration failed: <error>" with the migration\'s error, else the cause\'s', () => {
    expect(failedMigrationText({ migration: migration('failed', { error: 'exited with code 3' }), cause: null, error: null })).toBe('migration failed: exited with code 3');
    const cause = { host: 'web-1', step: 'migrate' as const, error: 'timed out after 10m', logTail: ['ALTER TABLE'] };
    expect(failedMigrationText({ migration: migration('failed'), cause, error: null })).toBe('migration failed: timed out after 10m');
    expect(failedMigrationText({ migration: migration('unknown'), cause: null, error: null })).toBe('migration failed: outcome unknown — a person must check the database');
  });
});

describe('migrationLogTail', () => {
  it('takes the migration\'s own lines, else those of a cause at the migrate step', () => {
    const cause = { host: 'web-1', step: 'migrate' as const, error: 'boom', logTail: ['from cause'] };
    expect(migrationLogTail({ migration: migration('failed', { logTail: ['own'] }), cause })).toEqual(['own']);
    expect(migrationLogTail({ migration: migration('failed'), cause })).toEqual(['from cause']);
    expect(migrationLogTail({ migration: migration('failed'), cause: { ...cause, step: 'health' } })).toEqual([]);
  });
});
