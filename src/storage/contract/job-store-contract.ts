// Contract tests of JobStore: the queue of builds, verifies and migrations that runners claim,
// each owned by a run's stage or by a deployment.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { addProjectWithDeployment, addProjectWithRun, enrollAgent, jobSpec } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeJobStoreContract(open: () => Promise<Store>): void {
  describe('jobs', () => {
    const store = useStore(open);

    async function queueJobs(count: number) {
      const { run, stages } = await addProjectWithRun(store());
      const jobs = [];
      for (let i = 0; i < count; i++) {
        const owner = { kind: 'stage', runId: run.id, stageId: stages[0]!.id } as const;
        jobs.push(await store().jobs.create({ owner, kind: 'build', spec: jobSpec(`job-${i}`, run.id) }, 100));
      }
      return { run, stages, jobs };
    }

    it('queues a job under its spec\'s id and reads it back with the spec', async () => {
      const { run, stages, jobs } = await queueJobs(1);
      expect(jobs[0]).toEqual({
        id: 'job-0', owner: { kind: 'stage', runId: run.id, stageId: stages[0]!.id }, kind: 'build', status: 'queued', agentId: null,
        commandId: null, error: null, createdAt: 100, startedAt: null, finishedAt: null,
      });
      expect(await store().jobs.get('job-0')).toEqual({ ...jobs[0], spec: jobSpec('job-0', run.id) });
      expect(await store().jobs.get('nope')).toBeUndefined();
    });

    it('gives a queued job to the runner that claims it, and to nobody else', async () => {
      await queueJobs(2);
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      expect(await store().jobs.claim('job-1', runner.id, 'cmd-1', 500)).toBe(true);
      expect(await store().jobs.get('job-1')).toMatchObject({ status: 'running', agentId: runner.id, commandId: 'cmd-1', startedAt: 500 });
      expect(await store().jobs.claim('job-1', runner.id, 'cmd-2', 501)).toBe(false);
      expect((await store().jobs.get('job-0'))?.status).toBe('queued');
    });

    it('gives no job that has ended or is unknown', async () => {
      await queueJobs(1);
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      await store().jobs.update('job-0', { status: 'failed', finishedAt: 2 });
      expect(await store().jobs.claim('job-0', runner.id, 'cmd-1', 3)).toBe(false);
      expect(await store().jobs.claim('no-such-job', runner.id, 'cmd-2', 3)).toBe(false);
    });

    it('never gives one job to two runners claiming it at once', async () => {
      await queueJobs(1);
      const runners = await Promise.all(Array.from({ length: 8 }, (_, i) => enrollAgent(store(), `runner-${i}`, { role: 'runner' })));
      const claims = await Promise.all(runners.map((r, i) => store().jobs.claim('job-0', r.id, `cmd-${i}`, 10)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = runners[claims.indexOf(true)]!;
      expect(await store().jobs.get('job-0')).toMatchObject({ agentId: winner.id, commandId: `cmd-${claims.indexOf(true)}` });
    });

    it('lists a run\'s jobs in the order they were queued, and the ones not yet ended', async () => {
      const { run } = await queueJobs(3);
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      await store().jobs.claim('job-0', runner.id, 'cmd-1', 1);
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

    it('queues a migration owned by a deployment and lists it under that deployment only', async () => {
      const { run, deployment } = await addProjectWithDeployment(store());
      const spec = jobSpec('migrate-1', run.id, 'migrate', deployment.id);
      const job = await store().jobs.create({ owner: { kind: 'deployment', deploymentId: deployment.id }, kind: 'migrate', spec }, 200);
      expect(job).toEqual({
        id: 'migrate-1', owner: { kind: 'deployment', deploymentId: deployment.id }, kind: 'migrate', status: 'queued', agentId: null,
        commandId: null, error: null, createdAt: 200, startedAt: null, finishedAt: null,
      });
      expect(await store().jobs.get('migrate-1')).toEqual({ ...job, spec });
      expect((await store().jobs.listByDeployment(deployment.id)).map((j) => j.id)).toEqual(['migrate-1']);
      expect(await store().jobs.listByRun(run.id)).toEqual([]);
      expect((await store().jobs.listActive()).map((j) => j.id)).toEqual(['migrate-1']);
    });

    it('keeps stage jobs and deployment jobs in one queue, oldest first', async () => {
      const { run, stages, deployment } = await addProjectWithDeployment(store());
      await store().jobs.create({ owner: { kind: 'deployment', deploymentId: deployment.id }, kind: 'migrate', spec: jobSpec('migrate-1', run.id, 'migrate', deployment.id) }, 1);
      await store().jobs.create({ owner: { kind: 'stage', runId: run.id, stageId: stages[1]!.id }, kind: 'verify', spec: jobSpec('verify-1', run.id, 'verify') }, 2);
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      expect((await store().jobs.listActive()).map((j) => j.id)).toEqual(['migrate-1', 'verify-1']);
      expect(await store().jobs.claim('migrate-1', runner.id, 'cmd-1', 3)).toBe(true);
      const first = await store().jobs.get('migrate-1');
      expect(first).toMatchObject({ owner: { kind: 'deployment', deploymentId: deployment.id }, status: 'running' });
      expect(first?.spec.deploymentId).toBe(deployment.id);
      expect(await store().jobs.get('verify-1')).toMatchObject({ owner: { kind: 'stage', runId: run.id }, status: 'queued' });
      expect((await store().jobs.listByDeployment(deployment.id)).map((j) => j.id)).toEqual(['migrate-1']);
      expect((await store().jobs.listByRun(run.id)).map((j) => j.id)).toEqual(['verify-1']);
    });

    it('refuses a job whose owning deployment is not stored', async () => {
      const { run } = await addProjectWithRun(store());
      const job = store().jobs.create({ owner: { kind: 'deployment', deploymentId: 'no-such-deployment' }, kind: 'migrate', spec: jobSpec('m', run.id, 'migrate') }, 1);
      await expect(job).rejects.toThrow();
      expect(await store().jobs.listActive()).toEqual([]);
    });
  });
}
