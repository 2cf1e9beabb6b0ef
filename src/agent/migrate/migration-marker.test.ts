import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MIGRATE_TIMEOUT_MS } from '../../core/pipeline/slipway-file.ts';
import { claimMigration, MARKER_MAX_AGE_MS, migrationsDir, pruneMigrationMarkers, readMigrationMarker, recordMigrationResult } from './migration-marker.ts';

const marker = { commandId: '6f1c0c1e-2f7a-4d7e-9a51-0b4f7d2c9e11', deploymentId: 'dep-1', app: 'shop', version: '12-abc1234', startedAt: '2026-11-30T10:00:00.000Z' };

describe('migration markers', () => {
  let root = '';
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'slipway-marker-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lets a command id be claimed once, in a private file, and shows the second claimer what the first recorded', async () => {
    expect(await claimMigration(root, marker)).toEqual({ claimed: true });
    const file = join(migrationsDir(root), `${marker.commandId}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(migrationsDir(root)).mode & 0o777).toBe(0o700);
    expect(await claimMigration(root, { ...marker, startedAt: '2026-12-01T00:00:00.000Z' })).toEqual({ claimed: false, marker, startedAt: marker.startedAt });

    await recordMigrationResult(root, marker, { ok: false, step: 'migrate', exitCode: 3, error: 'the migration exited with code 3', logTail: ['boom'] });
    expect(await claimMigration(root, marker)).toMatchObject({ claimed: false, marker: { result: { ok: false, exitCode: 3, logTail: ['boom'] } } });
    expect(readdirSync(migrationsDir(root))).toEqual([`${marker.commandId}.json`]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('counts a marker it cannot read as begun, at the time the file was written', async () => {
    await claimMigration(root, marker);
    const file = join(migrationsDir(root), `${marker.commandId}.json`);
    writeFileSync(file, '');
    const claim = await claimMigration(root, marker);
    expect(claim).toEqual({ claimed: false, marker: null, startedAt: statSync(file).mtime.toISOString() });
  });

  it('reads no marker for a command it never began', async () => {
    expect(await readMigrationMarker(root, marker.commandId)).toBeNull();
  });

  it('refuses a command id that could name a file outside the markers folder', async () => {
    await expect(claimMigration(root, { ...marker, commandId: '../agent' })).rejects.toThrow(/cannot name a migration marker/);
  });

  it('removes markers last written more than 30 days ago and keeps the others', async () => {
    await claimMigration(root, marker);
    await claimMigration(root, { ...marker, commandId: 'old-one' });
    const now = Date.now();
    const old = (now - MARKER_MAX_AGE_MS - 60_000) / 1000;
    utimesSync(join(migrationsDir(root), 'old-one.json'), old, old);
    expect(await pruneMigrationMarkers(root, now)).toEqual(['old-one.json']);
    expect(readdirSync(migrationsDir(root))).toEqual([`${marker.commandId}.json`]);
    expect(JSON.parse(readFileSync(join(migrationsDir(root), `${marker.commandId}.json`), 'utf8'))).toEqual(marker);
  });

  it('has nothing to remove when no migration ever ran on the host', async () => {
    expect(await pruneMigrationMarkers(join(root, 'fresh'), Date.now())).toEqual([]);
  });

  it('keeps a marker far longer than the longest migration slipway.yml allows, so no re-delivery outlives it', () => {
    expect(MARKER_MAX_AGE_MS).toBeGreaterThanOrEqual(4 * MAX_MIGRATE_TIMEOUT_MS);
  });
});
