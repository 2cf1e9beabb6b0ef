// Contract tests of RunStore: run numbers, stages, and the engine's work list.
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../base/errors.ts';
import type { Store } from '../store.ts';
import { addProject, config, newRun } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeRunStoreContract(open: () => Promise<Store>): void {
  describe('runs', () => {
    const store = useStore(open);

    it('numbers runs 1, 2, 3 per project and versions them <number>-<sha7>', async () => {
      const a = await addProject(store(), 'a');
      const b = await addProject(store(), 'b');
      const a1 = await store().runs.create(newRun(a.id, { sha: 'aaaaaaa111' }), 1);
      const a2 = await store().runs.create(newRun(a.id, { sha: 'bbbbbbb222' }), 2);
      const b1 = await store().runs.create(newRun(b.id, { sha: 'ccccccc333' }), 3);
      const a3 = await store().runs.create(newRun(a.id, { sha: 'ddddddd444' }), 4);
      expect([a1, a2, a3].map((r) => r.version)).toEqual(['1-aaaaaaa', '2-bbbbbbb', '3-ddddddd']);
      expect(b1).toMatchObject({ number: 1, version: '1-ccccccc' });
    });

    it('gives concurrently created runs the numbers 1 to n without gaps or repeats', async () => {
      const project = await addProject(store());
      const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => store().runs.create(newRun(project.id), i)));
      expect(runs.map((r) => r.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });

    it('refuses a second trigger\'s run for one commit, without using up a number, and still takes others', async () => {
      const project = await addProject(store());
      const once = newRun(project.id, { sha: 'aaaaaaa111', onePerCommit: true });
      expect((await store().runs.create(once, 1)).number).toBe(1);
      await expect(store().transaction((tx) => tx.runs.create(once, 2))).rejects.toMatchObject({ code: 'SLIPWAY_RUN_EXISTS' });
      await expect(store().runs.create(once, 2)).rejects.toMatchObject({ code: 'SLIPWAY_RUN_EXISTS' });
      // By hand, the same commit again; and another commit.
      expect((await store().runs.create(newRun(project.id, { sha: 'aaaaaaa111', trigger: 'manual' }), 3)).number).toBe(2);
      expect((await store().runs.create(newRun(project.id, { sha: 'bbbbbbb222', onePerCommit: true }), 4)).number).toBe(3);
      const other = await addProject(store(), 'other');
      expect((await store().runs.create(newRun(other.id, { sha: 'aaaaaaa111', onePerCommit: true }), 5)).number).toBe(1);
    });

    it('creates one of several trigger\'s runs for one commit asked for at once', async () => {
      const project = await addProject(store());
      const tries = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store().runs.create(newRun(project.id, { onePerCommit: true }), i)));
      expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(1);
      expect(tries.filter((t) => t.status === 'rejected').map((t) => (t.reason as { code?: string }).code)).toEqual(Array(5).fill('SLIPWAY_RUN_EXISTS'));
      expect((await store().runs.list(project.id, 10)).map((r) => r.number)).toEqual([1]);
    });

    it('creates a queued run with its stages pending, in order, and reads it back', async () => {
      const project = await addProject(store());
      const run = await store().runs.create(newRun(project.id), 5000);
      expect(run).toMatchObject({
        projectId: project.id, number: 1, sha: '0123456789abcdef0123456789abcdef01234567', ref: 'refs/heads/main',
        message: 'Add a greeting', author: 'Ada <ada@example.com>', trigger: 'webhook', status: 'queued',
        config, error: null, createdAt: 5000, finishedAt: null,
      });
      expect(await store().runs.get(run.id)).toEqual(run);
      const stages = await store().runs.stages(run.id);
      expect(stages.map((s) => [s.name, s.kind, s.position, s.status])).toEqual([
        ['build', 'build', 0, 'pending'], ['testing', 'environment', 1, 'pending'], ['production', 'environment', 2, 'pending'],
      ]);
      expect(stages[0]).toMatchObject({
        runId: run.id, deploymentId: null, jobId: null, approvedBy: null, error: null, startedAt: null, finishedAt: null,
      });
    });

    it('creates a run whose slipway.yml is broken as failed and finished, with the error', async () => {
      const project = await addProject(store());
      const run = await store().runs.create(newRun(project.id, { config: null, error: 'slipway.yml:3:1: app: required', stages: [] }), 7000);
      expect(run).toMatchObject({ status: 'failed', config: null, error: 'slipway.yml:3:1: app: required', finishedAt: 7000 });
      expect(await store().runs.stages(run.id)).toEqual([]);
      expect(await store().runs.listActive()).toEqual([]);
    });

    it('keeps who started a run by hand, and null for runs that came from git', async () => {
      const project = await addProject(store());
      const byHand = await store().runs.create(newRun(project.id, { trigger: 'manual', requestedBy: 'admin' }), 1);
      const fromGit = await store().runs.create(newRun(project.id), 2);
      expect(byHand.requestedBy).toBe('admin');
      expect((await store().runs.get(byHand.id))?.requestedBy).toBe('admin');
      expect((await store().runs.get(fromGit.id))?.requestedBy).toBeNull();
    });

    it('refuses a run for a project that does not exist', async () => {
      await expect(store().runs.create(newRun('nope'), 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('finds a run by its number and answers undefined for others', async () => {
      const project = await addProject(store());
      await store().runs.create(newRun(project.id), 1);
      const second = await store().runs.create(newRun(project.id), 2);
      expect(await store().runs.getByNumber(project.id, 2)).toEqual(second);
      expect(await store().runs.getByNumber(project.id, 3)).toBeUndefined();
      expect(await store().runs.get('nope')).toBeUndefined();
    });

    it('lists a project\'s runs newest first, up to the limit', async () => {
      const project = await addProject(store());
      const other = await addProject(store(), 'other');
      for (let i = 0; i < 4; i++) await store().runs.create(newRun(project.id), i);
      await store().runs.create(newRun(other.id), 9);
      expect((await store().runs.list(project.id, 3)).map((r) => r.number)).toEqual([4, 3, 2]);
    });

    it('lists queued and running runs oldest first as the engine\'s work list', async () => {
      const project = await addProject(store());
      const first = await store().runs.create(newRun(project.id), 1);
      const second = await store().runs.create(newRun(project.id), 2);
      const third = await store().runs.create(newRun(project.id), 3);
      await store().runs.update(first.id, { status: 'running' });
      await store().runs.update(second.id, { status: 'succeeded', finishedAt: 10 });
      expect((await store().runs.listActive()).map((r) => r.id)).toEqual([first.id, third.id]);
    });

    it('knows whether a project already has a run for a commit', async () => {
      const project = await addProject(store());
      const other = await addProject(store(), 'other');
      await store().runs.create(newRun(project.id, { sha: 'feedbeef' }), 1);
      expect(await store().runs.hasSha(project.id, 'feedbeef')).toBe(true);
      expect(await store().runs.hasSha(project.id, 'deadbeef')).toBe(false);
      expect(await store().runs.hasSha(other.id, 'feedbeef')).toBe(false);
    });

    it('changes only the fields a run update names', async () => {
      const project = await addProject(store());
      const run = await store().runs.create(newRun(project.id), 1);
      await store().runs.update(run.id, { status: 'failed', error: 'build failed' });
      await store().runs.update(run.id, { finishedAt: 99 });
      await store().runs.update(run.id, {});
      expect(await store().runs.get(run.id)).toEqual({ ...run, status: 'failed', error: 'build failed', finishedAt: 99 });
      await store().runs.update(run.id, { error: null });
      expect((await store().runs.get(run.id))?.error).toBeNull();
    });

    it('changes only the fields a stage update names', async () => {
      const project = await addProject(store());
      const run = await store().runs.create(newRun(project.id), 1);
      const [build, testing] = await store().runs.stages(run.id);
      await store().runs.updateStage(testing!.id, { status: 'deploying', deploymentId: 'd1', startedAt: 5 });
      await store().runs.updateStage(testing!.id, { approvedBy: 'ada', jobId: 'j1', error: 'no hosts', finishedAt: 6 });
      const [buildAfter, testingAfter] = await store().runs.stages(run.id);
      expect(buildAfter).toEqual(build);
      expect(testingAfter).toEqual({
        ...testing, status: 'deploying', deploymentId: 'd1', startedAt: 5, approvedBy: 'ada', jobId: 'j1', error: 'no hosts', finishedAt: 6,
      });
    });

    it('records one approval of a stage: of several at once, exactly one counts', async () => {
      const project = await addProject(store());
      const run = await store().runs.create(newRun(project.id), 1);
      const [, testing] = await store().runs.stages(run.id);
      const approvals = await Promise.all(['ada', 'bob', 'cy'].map((by) => store().runs.approveStage(testing!.id, by)));
      expect(approvals.filter(Boolean)).toHaveLength(1);
      const approvedBy = ['ada', 'bob', 'cy'][approvals.indexOf(true)];
      expect((await store().runs.stages(run.id))[1]?.approvedBy).toBe(approvedBy);
      expect(await store().runs.approveStage(testing!.id, 'dan')).toBe(false);
    });

    it('records each approver of a stage once, also when the same one approves twice at once, and lists them oldest first', async () => {
      const project = await addProject(store());
      const run = await store().runs.create(newRun(project.id), 1);
      const [, testing] = await store().runs.stages(run.id);
      const approval = (key: string, at: number) => ({ stageId: testing!.id, approverKey: `user:${key}`, approver: key, at });
      expect(await store().runs.addApproval(approval('bob', 5))).toBe(true);
      const twice = await Promise.all([store().runs.addApproval(approval('ada', 3)), store().runs.addApproval(approval('ada', 4))]);
      expect(twice.filter(Boolean)).toHaveLength(1);
      expect(await store().transaction((tx) => tx.runs.addApproval(approval('bob', 6)))).toBe(false);
      expect((await store().runs.approvals(testing!.id)).map((a) => [a.approver, a.approverKey])).toEqual([['ada', 'user:ada'], ['bob', 'user:bob']]);
      expect(await store().runs.approvals('no-such-stage')).toEqual([]);
    });
  });
}
