// Contract tests of DeploymentStore: one active deployment per environment, hosts and their steps.
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../base/errors.ts';
import { ACTIVE_DEPLOYMENT_STATUSES, type Deployment, type DeploymentMigration } from '../../core/model.ts';
import type { NewDeployment, Store } from '../store.ts';
import { addProjectWithRun, enrollAgent } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeDeploymentStoreContract(open: () => Promise<Store>): void {
  describe('deployments', () => {
    const store = useStore(open);

    async function setUp() {
      const { project, run } = await addProjectWithRun(store());
      const web1 = await enrollAgent(store(), 'web-1');
      const web2 = await enrollAgent(store(), 'web-2');
      const deployment = (overrides: Partial<NewDeployment> = {}): NewDeployment => ({
        projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'deploy',
        batch: '50%', forced: false, requestedBy: 'engine', ...overrides,
      });
      const hosts = [
        { agentId: web2.id, hostName: 'web-2', batch: 1 },
        { agentId: web1.id, hostName: 'web-1', batch: 0 },
      ];
      return { project, run, web1, web2, deployment, hosts };
    }

    it('creates a deployment staging, with its hosts pending, ordered by batch', async () => {
      const { project, run, web1, web2, deployment, hosts } = await setUp();
      const created = await store().deployments.create(deployment({ forced: true }), hosts, 800);
      expect(created).toEqual({
        id: created.id, projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'deploy',
        status: 'staging', batch: '50%', forced: true, requestedBy: 'engine', cause: null, error: null, migration: null, createdAt: 800, finishedAt: null,
      });
      expect(await store().deployments.get(created.id)).toEqual(created);
      const pending = { deploymentId: created.id, previousVersion: null, step: 'pending', error: null, failedStep: null, logTail: [], commandId: null, commandSentAt: null, updatedAt: 800 };
      expect(await store().deployments.hosts(created.id)).toEqual([
        { ...pending, agentId: web1.id, hostName: 'web-1', batch: 0 },
        { ...pending, agentId: web2.id, hostName: 'web-2', batch: 1 },
      ]);
    });

    it('creates a deployment of more hosts than one statement can bind values for', async () => {
      const { deployment } = await setUp();
      // 3,000 hosts of 12 values: beyond SQLite's 32,766 bound values per statement.
      const agents = await store().transaction(async (tx) => {
        const enrolled = [];
        for (let i = 0; i < 3000; i++) enrolled.push(await tx.agents.enroll({ name: `host-${i}`, labels: {}, tokenHash: `t${i}`, address: '10.0.0.1', port: null }, 1));
        return enrolled;
      });
      const created = await store().deployments.create(deployment(), agents.map((a, i) => ({ agentId: a.id, hostName: a.name, batch: i })), 800);
      const hosts = await store().deployments.hosts(created.id);
      expect(hosts).toHaveLength(3000);
      expect(hosts.at(-1)).toMatchObject({ hostName: 'host-2999', batch: 2999, step: 'pending' });
    }, 60_000);

    it('refuses a second deployment while the environment has one in progress', async () => {
      const { deployment, hosts } = await setUp();
      const first = await store().deployments.create(deployment(), hosts, 1);
      for (const status of ACTIVE_DEPLOYMENT_STATUSES) {
        await store().deployments.update(first.id, { status });
        const second = store().deployments.create(deployment({ kind: 'rollback' }), hosts, 2);
        await expect(second).rejects.toBeInstanceOf(ConflictError);
        await expect(second).rejects.toMatchObject({ code: 'SLIPWAY_DEPLOYMENT_ACTIVE' });
      }
      expect(await store().deployments.listActive()).toHaveLength(1);
    });

    it('keeps a deployment\'s migration and a rehearsal\'s start, and reads them back', async () => {
      const { deployment, hosts, web1 } = await setUp();
      const pending: DeploymentMigration = { state: 'pending', agentId: null, host: null, commandId: null, sentAt: null, finishedAt: null, error: null, logTail: [] };
      const migrating = await store().deployments.create(deployment({ migration: pending }), hosts, 1);
      expect(migrating.migration).toEqual(pending);
      const running: DeploymentMigration = { ...pending, state: 'running', agentId: web1.id, host: 'web-1', commandId: 'c1', sentAt: 2, logTail: ['ALTER TABLE'] };
      await store().deployments.update(migrating.id, { status: 'migrating', migration: running });
      expect(await store().deployments.get(migrating.id)).toMatchObject({ status: 'migrating', migration: running });
      await store().deployments.update(migrating.id, { status: 'failed_migration', finishedAt: 3 });

      const rehearsal = await store().deployments.create(deployment({ kind: 'rehearsal', status: 'rehearsing' }), [{ ...hosts[1]!, previousVersion: '1-0000000' }], 4);
      expect(rehearsal).toMatchObject({ kind: 'rehearsal', status: 'rehearsing', migration: null });
      expect(await store().deployments.hosts(rehearsal.id)).toMatchObject([{ agentId: web1.id, previousVersion: '1-0000000', step: 'pending' }]);
    });

    it('allows a deployment of another environment, and of the same one once the first has ended', async () => {
      const { deployment, hosts } = await setUp();
      const first = await store().deployments.create(deployment(), hosts, 1);
      await store().deployments.create(deployment({ env: 'production', batch: 1 }), hosts, 2);
      for (const status of ['succeeded', 'rolled_back', 'failed', 'failed_migration'] as const) {
        await store().deployments.update(first.id, { status, finishedAt: 3 });
        const next = await store().deployments.create(deployment(), hosts, 4);
        await store().deployments.update(next.id, { status, finishedAt: 5 });
      }
      expect(await store().deployments.list(first.projectId, { env: 'testing', limit: 10 })).toHaveLength(5);
    });

    it('starts exactly one of several deployments of one environment requested at once', async () => {
      const { deployment, hosts } = await setUp();
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => store().deployments.create(deployment(), hosts, 1)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ConflictError);
      expect(await store().deployments.listActive()).toHaveLength(1);
    });

    it('lists deployments that have not ended, oldest first', async () => {
      const { deployment, hosts } = await setUp();
      const done = await store().deployments.create(deployment({ env: 'a' }), hosts, 1);
      const older = await store().deployments.create(deployment({ env: 'b' }), hosts, 2);
      const newer = await store().deployments.create(deployment({ env: 'c' }), hosts, 3);
      await store().deployments.update(older.id, { status: 'rolling_back' });
      await store().deployments.update(done.id, { status: 'succeeded', finishedAt: 4 });
      expect((await store().deployments.listActive()).map((d) => d.id)).toEqual([older.id, newer.id]);
    });

    it('lists a project\'s deployments newest first, by environment and status, up to the limit', async () => {
      const { project, deployment, hosts } = await setUp();
      const made: Deployment[] = [];
      for (const [i, env] of ['testing', 'production', 'testing', 'testing'].entries()) {
        const d = await store().deployments.create(deployment({ env }), hosts, i);
        await store().deployments.update(d.id, { status: i === 2 ? 'rolled_back' : 'succeeded', finishedAt: i });
        made.push(d);
      }
      const ids = (filter: Parameters<Store['deployments']['list']>[1]) =>
        store().deployments.list(project.id, filter).then((list) => list.map((d) => d.id));
      expect(await ids({ limit: 10 })).toEqual([made[3]!.id, made[2]!.id, made[1]!.id, made[0]!.id]);
      expect(await ids({ env: 'testing', limit: 2 })).toEqual([made[3]!.id, made[2]!.id]);
      expect(await ids({ env: 'testing', status: 'succeeded', limit: 10 })).toEqual([made[3]!.id, made[0]!.id]);
      expect(await ids({ status: 'rolled_back', limit: 10 })).toEqual([made[2]!.id]);
      expect(await store().deployments.list('other-project', { limit: 10 })).toEqual([]);
    });

    it('records why a deployment was rolled back', async () => {
      const { deployment, hosts } = await setUp();
      const d = await store().deployments.create(deployment(), hosts, 1);
      const cause = { host: 'web-2', step: 'health' as const, error: 'GET /healthz: 503', logTail: ['listening', 'db down'] };
      await store().deployments.update(d.id, { status: 'rolled_back', cause, error: 'rolled back', finishedAt: 9 });
      expect(await store().deployments.get(d.id)).toEqual({ ...d, status: 'rolled_back', cause, error: 'rolled back', finishedAt: 9 });
      expect(await store().deployments.get('nope')).toBeUndefined();
    });

    it('changes only the host and the fields a host update names', async () => {
      const { web1, web2, deployment, hosts } = await setUp();
      const d = await store().deployments.create(deployment(), hosts, 1);
      const [before1, before2] = await store().deployments.hosts(d.id);
      await store().deployments.updateHost(d.id, web2.id, { step: 'staging', commandId: 'cmd-9', commandSentAt: 20, updatedAt: 20 });
      await store().deployments.updateHost(d.id, web2.id, { step: 'failed', previousVersion: '1-aaaaaaa', error: 'boom', logTail: ['a', 'b'], updatedAt: 30 });
      const [after1, after2] = await store().deployments.hosts(d.id);
      expect(after1).toEqual(before1);
      expect(after1?.agentId).toBe(web1.id);
      expect(after2).toEqual({
        ...before2, step: 'failed', commandId: 'cmd-9', commandSentAt: 20, previousVersion: '1-aaaaaaa', error: 'boom', logTail: ['a', 'b'], updatedAt: 30,
      });
    });

    it('keeps the lb commands of a deployment, by round, apart from other deployments', async () => {
      const { web1, web2, deployment, hosts } = await setUp();
      const lb = await enrollAgent(store(), 'lb-1', { role: 'lb' });
      const d = await store().deployments.create(deployment(), hosts, 1);
      const other = await store().deployments.create(deployment({ env: 'production' }), hosts, 1);
      const check = { deploymentId: d.id, commandId: 'c-1', lbAgentId: lb.id, hostAgentId: null, purpose: 'check', intended: null, round: 1, sentAt: 10 } as const;
      const drain = { deploymentId: d.id, commandId: 'c-2', lbAgentId: lb.id, hostAgentId: web1.id, purpose: 'set', intended: 'drain', round: 2, sentAt: 1_700_000_000_123 } as const;
      const read = { ...drain, commandId: 'c-3', hostAgentId: web2.id, purpose: 'read', intended: 'ready', round: 3 } as const;
      await store().deployments.addLbCommands([read, check]);
      await store().deployments.addLbCommands([drain]);
      await store().deployments.addLbCommands([]);
      await store().deployments.addLbCommands([{ ...check, deploymentId: other.id, commandId: 'c-4' }]);
      expect(await store().deployments.lbCommands(d.id)).toEqual([check, drain, read]);
      expect(await store().deployments.lbCommands('nope')).toEqual([]);
    });
  });
}
