// Contract tests of UploadStore: a build job's one-time upload token and the one upload it allows.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { addProjectWithRun, enrollAgent, jobSpec } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeUploadStoreContract(open: () => Promise<Store>): void {
  describe('uploads', () => {
    const store = useStore(open);

    async function buildJob() {
      const { run, stages } = await addProjectWithRun(store());
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      await store().jobs.create({ owner: { kind: 'stage', runId: run.id, stageId: stages[0]!.id }, kind: 'build', spec: jobSpec('job-1', run.id) }, 100);
      return { runner };
    }

    it('records a job\'s token hash for its runner and finds it by the hash and by the job', async () => {
      const { runner } = await buildJob();
      const grant = await store().uploads.issue({ jobId: 'job-1', agentId: runner.id, tokenHash: 'h1' }, 200);
      expect(grant).toEqual({ jobId: 'job-1', agentId: runner.id, tokenHash: 'h1', upload: null, createdAt: 200, uploadedAt: null });
      expect(await store().uploads.getByTokenHash('h1')).toEqual(grant);
      expect(await store().uploads.getByJob('job-1')).toEqual(grant);
      expect(await store().uploads.getByTokenHash('h2')).toBeUndefined();
      expect(await store().uploads.getByJob('job-2')).toBeUndefined();
    });

    it('gives a job one token only, and none to a job it does not know', async () => {
      const { runner } = await buildJob();
      await store().uploads.issue({ jobId: 'job-1', agentId: runner.id, tokenHash: 'h1' }, 200);
      await expect(store().uploads.issue({ jobId: 'job-1', agentId: runner.id, tokenHash: 'h2' }, 201)).rejects.toThrow();
      await expect(store().uploads.issue({ jobId: 'nope', agentId: runner.id, tokenHash: 'h3' }, 201)).rejects.toThrow();
    });

    it('records the first upload only, also of two at once', async () => {
      const { runner } = await buildJob();
      await store().uploads.issue({ jobId: 'job-1', agentId: runner.id, tokenHash: 'h1' }, 200);
      const outcomes = await Promise.all([
        store().uploads.record('job-1', { sha256: 'a'.repeat(64), size: 10 }, 300),
        store().uploads.record('job-1', { sha256: 'b'.repeat(64), size: 20 }, 300),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const recorded = (await store().uploads.getByJob('job-1'))!;
      expect([{ sha256: 'a'.repeat(64), size: 10 }, { sha256: 'b'.repeat(64), size: 20 }]).toContainEqual(recorded.upload);
      expect(recorded.uploadedAt).toBe(300);
      expect(await store().uploads.record('job-1', { sha256: 'c'.repeat(64), size: 30 }, 400)).toBe(false);
      expect(await store().uploads.record('nope', { sha256: 'c'.repeat(64), size: 30 }, 400)).toBe(false);
    });
  });
}
