// Contract tests of JobStore: the queue of builds and verifies that runners claim.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { addProjectWithRun, enrollAgent, jobSpec, useStore } from './fixtures.ts';

export function describeJobStoreContract(open: () => Promise<Store>): void {
  describe('jobs', () => {
    const store = useStore(open);

    async function queueJobs(count: number) {
      const { run, stages } = await addProjectWithRun(store());
      const jobs = [];
      for (let i = 0; i < count; i++) {
        jobs.push(await store().jobs.create({ runId: run.id, stageId: stages[0]!.id, kind: 'build', spec: jobSpec(`job-${i}`, run.id) }, 100));
      }
      return { run, stages, jobs };
    }

    it('queues a job under its spec\'s id and reads it back with the spec', async () => {
      const { run, stages, jobs } = await queueJobs(1);
      expect(jobs[0]).toEqual({
        id: 'job-0', runId: run.id, stageId: stages[0]!.id, kind: 'build', status: 'queued', agentId: null,
        commandId: null, error: null, createdAt: 100, startedAt: null, finishedAt: null,
      });
      expect(await store().jobs.get('job-0')).toEqual({ ...jobs[0], spec: jobSpec('job-0', run.id) });
      expect(await store().jobs.get('nope')).toBeUndefined();
    });

    it('gives the oldest queued job to the claiming agent and marks it running', async () => {
      await queueJobs(3);
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      const claimed = await store().jobs.claimNext(runner.id, 'cmd-1', 500);
      expect(claimed).toMatchObject({ id: 'job-0', status: 'running', agentId: runner.id, commandId: 'cmd-1', startedAt: 500 });
      expect(claimed?.spec.jobId).toBe('job-0');
      expect((await store().jobs.claimNext(runner.id, 'cmd-2', 501))?.id).toBe('job-1');
      expect((await store().jobs.get('job-0'))?.status).toBe('running');
    });

    it('answers undefined when no job is queued', async () => {
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      expect(await store().jobs.claimNext(runner.id, 'cmd-1', 1)).toBeUndefined();
      await queueJobs(1);
      await store().jobs.claimNext(runner.id, 'cmd-2', 2);
      expect(await store().jobs.claimNext(runner.id, 'cmd-3', 3)).toBeUndefined();
    });

    it('never gives the same job to two runners claiming at once', async () => {
      await queueJobs(5);
      const runners = await Promise.all(Array.from({ length: 8 }, (_, i) => enrollAgent(store(), `runner-${i}`, { role: 'runner' })));
      const claims = await Promise.all(runners.map((r, i) => store().jobs.claimNext(r.id, `cmd-${i}`, 10)));
      const ids = claims.flatMap((c) => (c === undefined ? [] : [c.id]));
      expect(ids.sort()).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4']);
      expect(claims.filter((c) => c === undefined)).toHaveLength(3);
    });

    it('lists a run\'s jobs in the order they were queued, and the ones not yet ended', async () => {
      const { run } = await queueJobs(3);
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      await store().jobs.claimNext(runner.id, 'cmd-1', 1);
      expect((await store().jobs.listByRun(run.id)).map((j) => j.id)).toEqual(['job-0', 'job-1', 'job-2']);
      await store().jobs.update('job-1', { status: 'failed', finishedAt: 2 });
      expect((await store().jobs.listActive()).map((j) => [j.id, j.status])).toEqual([['job-0', 'running'], ['job-2', 'queued']]);
    });

    it('changes only the fields a job update names', async () => {
      const { jobs } = await queueJobs(1);
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      await store().jobs.update('job-0', { status: 'running', agentId: runner.id, commandId: 'c', startedAt: 7 });
      await store().jobs.update('job-0', { status: 'failed', error: 'exit 1', finishedAt: 9 });
      const { spec: _spec, ...job } = (await store().jobs.get('job-0'))!;
      expect(job).toEqual({ ...jobs[0], status: 'failed', agentId: runner.id, commandId: 'c', startedAt: 7, error: 'exit 1', finishedAt: 9 });
      await store().jobs.update('job-0', { status: 'queued', agentId: null, commandId: null, startedAt: null });
      expect(await store().jobs.get('job-0')).toMatchObject({ status: 'queued', agentId: null, commandId: null, startedAt: null });
    });
  });
}
