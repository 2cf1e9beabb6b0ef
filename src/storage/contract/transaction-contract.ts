// Contract tests of Store.transaction: what the engine relies on to apply each action atomically,
// so that a server dying between two writes never leaves half an action behind.
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../base/errors.ts';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import type { NewDeployment, Store } from '../store.ts';
import { addProject, addProjectWithRun, enrollAgent, jobSpec, logLine, newRun, prepareCommand } from './fixtures.ts';
import { useStore } from './use-store.ts';

class Boom extends Error {}

export function describeTransactionContract(open: () => Promise<Store>): void {
  describe('transaction', () => {
    const store = useStore(open);

    async function setUp() {
      const { project, run, stages } = await addProjectWithRun(store());
      const web1 = await enrollAgent(store(), 'web-1');
      const deployment = (overrides: Partial<NewDeployment> = {}): NewDeployment => ({
        projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'deploy',
        batch: 1, forced: false, requestedBy: 'engine', ...overrides,
      });
      const hosts = [{ agentId: web1.id, hostName: 'web-1', batch: 0 }];
      return { project, run, stages, web1, deployment, hosts };
    }

    it('leaves nothing behind when the work fails after writing to several stores, and rethrows its error', async () => {
      const { project, run, stages, web1, deployment, hosts } = await setUp();
      const boom = new Boom('the engine failed half-way');
      const failing = store().transaction(async (tx) => {
        const created = await tx.deployments.create(deployment(), hosts, 10);
        await tx.deployments.updateHost(created.id, web1.id, { step: 'staging', commandId: 'cmd-1', commandSentAt: 11 });
        await tx.commands.create({ id: 'cmd-1', agentId: web1.id, command: prepareCommand }, 11);
        await tx.runs.updateStage(stages[1]!.id, { status: 'running', deploymentId: created.id });
        await tx.jobs.create({ owner: { kind: 'stage', runId: run.id, stageId: stages[0]!.id }, kind: 'build', spec: jobSpec('job-1', run.id) }, 12);
        await tx.events.append({ at: 12, kind: 'deployment.started', projectId: project.id, runId: run.id, deploymentId: created.id, message: 'm', data: {} });
        await tx.artifacts.quarantine(project.id, run.version, 'bad', 12);
        await tx.environments.setKnownGood(project.id, 'testing', run.version);
        await tx.agents.update(web1.id, { online: true });
        await tx.logs.append([logLine('agent-1', 0, { deploymentId: created.id })]);
        throw boom;
      });
      await expect(failing).rejects.toBe(boom);

      expect(await store().deployments.listActive()).toEqual([]);
      expect(await store().commands.get('cmd-1')).toBeUndefined();
      expect((await store().runs.stages(run.id))[1]).toMatchObject({ status: 'pending', deploymentId: null });
      expect(await store().jobs.listByRun(run.id)).toEqual([]);
      expect(await store().events.list({ limit: 10 })).toEqual([]);
      expect(await store().environments.list(project.id)).toEqual([]);
      expect((await store().agents.get(web1.id))?.online).toBe(false);
      expect(await store().logs.list({ limit: 10 })).toEqual([]);
      expect(await store().logs.maxSeq('agent-1')).toBe(-1);
    });

    it('commits every write of work that resolves, and returns what the work returned', async () => {
      const { project, run, web1, deployment, hosts } = await setUp();
      const created = await store().transaction(async (tx) => {
        const d = await tx.deployments.create(deployment(), hosts, 10);
        await tx.commands.create({ id: 'cmd-1', agentId: web1.id, command: prepareCommand }, 11);
        await tx.deployments.updateHost(d.id, web1.id, { step: 'staging', commandId: 'cmd-1', commandSentAt: 11 });
        await tx.events.append({ at: 11, kind: 'host.staging', projectId: project.id, runId: run.id, deploymentId: d.id, message: 'm', data: {} });
        await tx.logs.append([logLine('agent-1', 0, { text: 'staging web-1', deploymentId: d.id })]);
        return d;
      });
      expect(await store().deployments.get(created.id)).toEqual(created);
      expect(await store().deployments.hosts(created.id)).toMatchObject([{ step: 'staging', commandId: 'cmd-1' }]);
      expect((await store().commands.listPending(web1.id)).map((c) => c.id)).toEqual(['cmd-1']);
      expect(await store().events.list({ deploymentId: created.id, limit: 10 })).toHaveLength(1);
      const found = await store().logs.search({ query: parseLogQuery('staging'), order: 'asc', limit: 10 });
      expect(found.map((l) => l.text)).toEqual(['staging web-1']);
    });

    it('reads its own writes inside the transaction', async () => {
      const project = await addProject(store());
      await store().transaction(async (tx) => {
        const run = await tx.runs.create(newRun(project.id), 1);
        expect(await tx.runs.get(run.id)).toEqual(run);
        expect(await tx.runs.stages(run.id)).toHaveLength(3);
      });
    });

    it('runs a transaction inside a transaction inline, so that the outer one decides for both', async () => {
      const project = await addProject(store());
      const boom = new Boom('outer failed');
      const failing = store().transaction(async (tx) => {
        const inner = await tx.transaction(async (inner) => {
          await inner.runs.create(newRun(project.id, { sha: 'aaaaaaa111' }), 1);
          return 'inner done';
        });
        expect(inner).toBe('inner done');
        await tx.runs.create(newRun(project.id, { sha: 'bbbbbbb222' }), 2);
        throw boom;
      });
      await expect(failing).rejects.toBe(boom);
      expect(await store().runs.list(project.id, 10)).toEqual([]);

      await store().transaction(async (tx) => {
        await tx.transaction((inner) => inner.runs.create(newRun(project.id, { sha: 'ccccccc333' }), 3));
        await tx.runs.create(newRun(project.id, { sha: 'ddddddd444' }), 4);
      });
      // The failed transaction's run numbers were given back with it.
      expect((await store().runs.list(project.id, 10)).map((r) => r.version)).toEqual(['2-ddddddd', '1-ccccccc']);
    });

    it('frees the environment again when the transaction that created its deployment fails', async () => {
      const { deployment, hosts } = await setUp();
      const failing = store().transaction(async (tx) => {
        await tx.deployments.create(deployment(), hosts, 10);
        throw new Boom('crashed after creating the deployment');
      });
      await expect(failing).rejects.toBeInstanceOf(Boom);
      expect(await store().deployments.listActive()).toEqual([]);
      const next = await store().deployments.create(deployment(), hosts, 20);
      expect(await store().deployments.listActive()).toEqual([next]);
    });

    it('refuses a second deployment inside a transaction that then carries on and commits', async () => {
      const { project, deployment, hosts } = await setUp();
      const first = await store().deployments.create(deployment(), hosts, 10);
      await store().transaction(async (tx) => {
        const second = tx.deployments.create(deployment({ kind: 'rollback' }), hosts, 11);
        await expect(second).rejects.toBeInstanceOf(ConflictError);
        await expect(second).rejects.toMatchObject({ code: 'SLIPWAY_DEPLOYMENT_ACTIVE', message: expect.stringContaining(first.id) as unknown });
        await tx.events.append({ at: 12, kind: 'deployment.refused', projectId: project.id, runId: null, deploymentId: null, message: 'm', data: {} });
      });
      expect((await store().events.list({ limit: 10 })).map((e) => e.kind)).toEqual(['deployment.refused']);
      expect(await store().deployments.listActive()).toEqual([first]);
    });

    it('runs transactions started at once one after the other, each seeing the ones before', async () => {
      const project = await addProject(store());
      const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => store().transaction(async (tx) => {
        const run = await tx.runs.create(newRun(project.id), i);
        await tx.events.append({ at: i, kind: 'run.created', projectId: project.id, runId: run.id, deploymentId: null, message: `#${run.number}`, data: {} });
        return run;
      })));
      expect(runs.map((r) => r.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await store().events.list({ projectId: project.id, limit: 10 })).toHaveLength(6);
    });

    it('keeps standalone writes working while and after transactions run', async () => {
      const project = await addProject(store());
      const agent = await enrollAgent(store(), 'web-1');
      await Promise.all([
        store().transaction((tx) => tx.runs.create(newRun(project.id), 1)),
        store().logs.append([logLine('agent-1', 0), logLine('agent-1', 1)]),
        store().agents.update(agent.id, { online: true, lastSeenAt: 5 }),
      ]);
      expect(await store().logs.maxSeq('agent-1')).toBe(1);
      expect(await store().agents.get(agent.id)).toMatchObject({ online: true, lastSeenAt: 5 });
      expect(await store().runs.list(project.id, 10)).toHaveLength(1);
    });

    it('cannot close a store bound to a transaction', async () => {
      await store().transaction(async (tx) => {
        await expect(tx.close()).rejects.toThrow(/transaction/);
      });
      expect(await store().projects.list()).toEqual([]);
    });
  });
}
