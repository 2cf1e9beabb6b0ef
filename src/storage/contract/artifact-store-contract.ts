// Contract tests of ArtifactStore: built versions and their quarantine.
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../base/errors.ts';
import type { Store } from '../store.ts';
import { addProjectWithRun } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeArtifactStoreContract(open: () => Promise<Store>): void {
  describe('artifacts', () => {
    const store = useStore(open);

    const artifact = (projectId: string, runId: string, version: string, sha256 = 'a'.repeat(64)) =>
      ({ projectId, runId, version, sha256, size: 5_000_000_000 });

    it('records a version and reads it back, not quarantined', async () => {
      const { project, run } = await addProjectWithRun(store());
      const created = await store().artifacts.create(artifact(project.id, run.id, run.version), 300);
      expect(created).toEqual({
        projectId: project.id, runId: run.id, version: run.version, sha256: 'a'.repeat(64), size: 5_000_000_000,
        createdAt: 300, quarantinedAt: null, quarantineReason: null, rollbackSafety: null,
      });
      expect(await store().artifacts.get(project.id, run.version)).toEqual(created);
      expect(await store().artifacts.get(project.id, '9-fffffff')).toBeUndefined();
    });

    it('records what a rollback rehearsal found, the newest finding replacing the one before', async () => {
      const { project, run } = await addProjectWithRun(store());
      await store().artifacts.create(artifact(project.id, run.id, run.version), 300);
      const unsafe = { safe: false, deploymentId: 'd1', host: 'web-1', previousVersion: '1-0000000', reason: 'health: column "name" does not exist', logTail: ['ERROR'], at: 400 };
      await store().artifacts.setRollbackSafety(project.id, run.version, unsafe);
      expect((await store().artifacts.get(project.id, run.version))?.rollbackSafety).toEqual(unsafe);
      const safe = { ...unsafe, safe: true, deploymentId: 'd2', reason: null, logTail: [], at: 500 };
      await store().artifacts.setRollbackSafety(project.id, run.version, safe);
      expect((await store().artifacts.get(project.id, run.version))?.rollbackSafety).toEqual(safe);
    });

    it('refuses a version the project already has', async () => {
      const { project, run } = await addProjectWithRun(store());
      await store().artifacts.create(artifact(project.id, run.id, run.version), 300);
      const again = store().artifacts.create(artifact(project.id, run.id, run.version, 'b'.repeat(64)), 301);
      await expect(again).rejects.toBeInstanceOf(ConflictError);
      await expect(again).rejects.toMatchObject({ code: 'SLIPWAY_VERSION_EXISTS' });
    });

    it('allows the same version string in another project', async () => {
      const first = await addProjectWithRun(store(), 'one');
      const second = await addProjectWithRun(store(), 'two');
      await store().artifacts.create(artifact(first.project.id, first.run.id, '1-0123456'), 1);
      await store().artifacts.create(artifact(second.project.id, second.run.id, '1-0123456'), 2);
      expect(await store().artifacts.get(second.project.id, '1-0123456')).toMatchObject({ runId: second.run.id });
    });

    it('knows whether any version has a given content hash', async () => {
      const { project, run } = await addProjectWithRun(store());
      await store().artifacts.create(artifact(project.id, run.id, run.version, 'c'.repeat(64)), 1);
      expect(await store().artifacts.hasSha256('c'.repeat(64))).toBe(true);
      expect(await store().artifacts.hasSha256('d'.repeat(64))).toBe(false);
    });

    it('lists a project\'s versions newest first, up to the limit', async () => {
      const { project, run } = await addProjectWithRun(store());
      for (let i = 1; i <= 4; i++) await store().artifacts.create(artifact(project.id, run.id, `${i}-0123456`), i * 10);
      expect((await store().artifacts.list(project.id, 3)).map((a) => a.version)).toEqual(['4-0123456', '3-0123456', '2-0123456']);
    });

    it('quarantines a version and keeps the first reason', async () => {
      const { project, run } = await addProjectWithRun(store());
      await store().artifacts.create(artifact(project.id, run.id, run.version), 1);
      await store().artifacts.quarantine(project.id, run.version, 'health check failed on web-2', 50);
      await store().artifacts.quarantine(project.id, run.version, 'a later reason', 60);
      expect(await store().artifacts.get(project.id, run.version)).toMatchObject({
        quarantinedAt: 50, quarantineReason: 'health check failed on web-2',
      });
    });
  });
}
