// Contract tests of CommandStore: commands written down for agents, and their first result.
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/protocol/messages.ts';
import type { Store } from '../store.ts';
import { enrollAgent, jobSpec, prepareCommand } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeCommandStoreContract(open: () => Promise<Store>): void {
  describe('commands', () => {
    const store = useStore(open);

    it('writes a command down without a result and reads it back', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      const command = await store().commands.create({ id: 'cmd-1', agentId: agent.id, command: prepareCommand }, 70);
      expect(command).toEqual({ id: 'cmd-1', agentId: agent.id, command: prepareCommand, result: null, createdAt: 70, completedAt: null });
      expect(await store().commands.get('cmd-1')).toEqual(command);
      expect(await store().commands.get('nope')).toBeUndefined();
    });

    it('lists an agent\'s commands without a result in the order they were written', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      const other = await enrollAgent(store(), 'web-2');
      for (const id of ['c', 'a', 'b']) await store().commands.create({ id, agentId: agent.id, command: prepareCommand }, 1);
      await store().commands.create({ id: 'x', agentId: other.id, command: prepareCommand }, 1);
      await store().commands.complete('a', { ok: true }, 2);
      expect((await store().commands.listPending(agent.id)).map((c) => c.id)).toEqual(['c', 'b']);
    });

    it('lists the commands without a result of the agents asked about, oldest first, as id and agent', async () => {
      const [web1, web2, web3] = [await enrollAgent(store(), 'web-1'), await enrollAgent(store(), 'web-2'), await enrollAgent(store(), 'web-3')];
      await store().commands.create({ id: 'c', agentId: web2.id, command: prepareCommand }, 1);
      await store().commands.create({ id: 'a', agentId: web1.id, command: prepareCommand }, 1);
      await store().commands.create({ id: 'b', agentId: web1.id, command: prepareCommand }, 1);
      await store().commands.create({ id: 'x', agentId: web3.id, command: prepareCommand }, 1);
      await store().commands.complete('b', { ok: true }, 2);
      expect(await store().commands.pendingOf([web1.id, web2.id])).toEqual([{ id: 'c', agentId: web2.id }, { id: 'a', agentId: web1.id }]);
      expect(await store().commands.pendingOf([])).toEqual([]);
    });

    it('writes many commands down at once as one by one, and lists those of many agents without a result', async () => {
      const [web1, web2, web3] = [await enrollAgent(store(), 'web-1'), await enrollAgent(store(), 'web-2'), await enrollAgent(store(), 'web-3')];
      await store().commands.create({ id: 'old', agentId: web1.id, command: prepareCommand }, 1);
      await store().commands.createMany([
        { id: 'a', agentId: web2.id, command: prepareOf('run-1', 'dep-1') },
        { id: 'b', agentId: web1.id, command: prepareOf('run-1', 'dep-1') },
        { id: 'c', agentId: web1.id, command: prepareOf('run-1', 'dep-2') },
      ], 5);
      await store().commands.createMany([], 6);
      expect(await store().commands.get('b')).toEqual({ id: 'b', agentId: web1.id, command: prepareOf('run-1', 'dep-1'), result: null, createdAt: 5, completedAt: null });
      await store().commands.complete('old', { ok: true }, 7);
      const pending = await store().commands.listPendingOf([web1.id, web2.id, web3.id]);
      expect([...pending.keys()].sort()).toEqual([web1.id, web2.id].sort());
      expect(pending.get(web1.id)).toEqual(await store().commands.listPending(web1.id));
      expect(pending.get(web1.id)?.map((c) => c.id)).toEqual(['b', 'c']);
      expect(pending.get(web2.id)?.map((c) => c.id)).toEqual(['a']);
      expect((await store().commands.listPendingOf([])).size).toBe(0);
      // What they name is the agents' to download and tag, as with one command written at a time.
      const sorted = (scopes: { kind: string; ref: string }[]) => scopes.map((s) => `${s.kind}:${s.ref}`).sort();
      expect(sorted(await store().commands.heldScopes(web1.id, [{ kind: 'deployment', ref: 'dep-1' }, { kind: 'deployment', ref: 'dep-2' }, { kind: 'run', ref: 'run-1' }])))
        .toEqual(['deployment:dep-1', 'deployment:dep-2', 'run:run-1']);
      expect(sorted(await store().commands.heldScopes(web2.id, [{ kind: 'deployment', ref: 'dep-2' }, { kind: 'run', ref: 'run-1' }]))).toEqual(['run:run-1']);
    });

    it('reads the results of many commands at once, null for one not answered, nothing for one not stored', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      const ids = Array.from({ length: 1200 }, (_, i) => `cmd-${i}`);
      for (const id of ids) await store().commands.create({ id, agentId: agent.id, command: prepareCommand }, 1);
      await store().commands.complete('cmd-7', { ok: false, error: 'disk full' }, 2);
      const results = await store().commands.results([...ids, 'nope']);
      expect(results.size).toBe(1200);
      expect(results.get('cmd-7')).toEqual({ ok: false, error: 'disk full' });
      expect(results.get('cmd-1199')).toBeNull();
      expect(results.has('nope')).toBe(false);
      expect(await store().commands.results([])).toEqual(new Map());
    }, 30_000); // 1,200 writes, one at a time

    it('records the first result and refuses a replayed one', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      await store().commands.create({ id: 'cmd-1', agentId: agent.id, command: prepareCommand }, 1);
      const result = { ok: false, error: 'sha256 mismatch', step: 'stage' as const, logTail: ['boom'], previous: null };
      expect(await store().commands.complete('cmd-1', result, 5)).toBe(true);
      expect(await store().commands.complete('cmd-1', { ok: true }, 6)).toBe(false);
      expect(await store().commands.get('cmd-1')).toMatchObject({ result, completedAt: 5 });
    });

    it('records many results at once as one by one: the first answer wins, and only from the agent the command went to', async () => {
      const [web1, web2] = [await enrollAgent(store(), 'web-1'), await enrollAgent(store(), 'web-2')];
      for (const [id, agent] of [['a', web1], ['b', web1], ['c', web2]] as const) await store().commands.create({ id, agentId: agent.id, command: prepareCommand }, 1);
      expect(await store().commands.completeMany([
        { id: 'a', result: { ok: true }, at: 5, fromAgentId: web1.id },
        // A replay of the same answer in the same batch: the first one stays.
        { id: 'a', result: { ok: false, error: 'replayed' }, at: 6, fromAgentId: web1.id },
        { id: 'b', result: { ok: true }, at: 7, fromAgentId: web2.id },
        { id: 'c', result: { ok: false, error: 'unhealthy' }, at: 8 },
        { id: 'nope', result: { ok: true }, at: 9 },
      ])).toEqual([true, false, false, true, false]);
      expect(await store().commands.get('a')).toMatchObject({ result: { ok: true }, completedAt: 5 });
      expect(await store().commands.get('b')).toMatchObject({ result: null, completedAt: null });
      expect(await store().commands.get('c')).toMatchObject({ result: { ok: false, error: 'unhealthy' }, completedAt: 8 });
      expect(await store().commands.completeMany([])).toEqual([]);
    });

    it('accepts exactly one of two results arriving at once', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      await store().commands.create({ id: 'cmd-1', agentId: agent.id, command: prepareCommand }, 1);
      const outcomes = await Promise.all([
        store().commands.complete('cmd-1', { ok: true }, 5),
        store().commands.complete('cmd-1', { ok: false, error: 'late' }, 5),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    });

    it('answers false for a result of a command it never wrote', async () => {
      expect(await store().commands.complete('nope', { ok: true }, 1)).toBe(false);
    });

    it('takes a result only from the agent the command was sent to', async () => {
      const web1 = await enrollAgent(store(), 'web-1');
      const web2 = await enrollAgent(store(), 'web-2');
      await store().commands.create({ id: 'cmd-1', agentId: web1.id, command: prepareCommand }, 1);
      expect(await store().commands.complete('cmd-1', { ok: false, error: 'forged' }, 2, web2.id)).toBe(false);
      expect((await store().commands.get('cmd-1'))?.result).toBeNull();
      expect(await store().commands.complete('cmd-1', { ok: true }, 3, web1.id)).toBe(true);
      expect((await store().commands.get('cmd-1'))?.result).toEqual({ ok: true });
    });

    it('makes an agent part of what the commands sent to it name, and of nothing else', async () => {
      const host = await enrollAgent(store(), 'web-1');
      const runner = await enrollAgent(store(), 'runner-1', { role: 'runner' });
      await store().commands.create({ id: 'cmd-1', agentId: host.id, command: prepareOf('run-1', 'dep-1') }, 1);
      await store().commands.create({ id: 'cmd-2', agentId: host.id, command: prepareOf('run-1', 'dep-2') }, 2);
      await store().commands.create({ id: 'cmd-3', agentId: runner.id, command: { kind: 'job', job: jobSpec('job-1', 'run-2') } }, 3);
      await store().commands.complete('cmd-1', { ok: true }, 4);
      const asked = [
        { kind: 'run', ref: 'run-1' }, { kind: 'run', ref: 'run-2' }, { kind: 'deployment', ref: 'dep-1' }, { kind: 'deployment', ref: 'dep-2' },
        { kind: 'deployment', ref: 'dep-3' }, { kind: 'artifact', ref: 'a'.repeat(64) }, { kind: 'source', ref: `hello@${jobSpec('x', 'y').sha}` },
      ] as const;
      const sorted = (scopes: { kind: string; ref: string }[]) => scopes.map((s) => `${s.kind}:${s.ref}`).sort();
      expect(sorted(await store().commands.heldScopes(host.id, asked))).toEqual(['artifact:' + 'a'.repeat(64), 'deployment:dep-1', 'deployment:dep-2', 'run:run-1']);
      expect(sorted(await store().commands.heldScopes(runner.id, asked))).toEqual([`run:run-2`, `source:hello@${jobSpec('x', 'y').sha}`]);
      expect(await store().commands.heldScopes(host.id, [])).toEqual([]);
    });

    it('forgets what an agent was part of and answers its unanswered commands, for it alone', async () => {
      const host = await enrollAgent(store(), 'web-1');
      const other = await enrollAgent(store(), 'web-2');
      await store().commands.create({ id: 'cmd-1', agentId: host.id, command: prepareOf('run-1', 'dep-1') }, 1);
      await store().commands.create({ id: 'cmd-2', agentId: host.id, command: prepareOf('run-2', 'dep-2') }, 2);
      await store().commands.complete('cmd-1', { ok: true }, 3);
      await store().commands.create({ id: 'cmd-3', agentId: other.id, command: prepareOf('run-1', 'dep-1') }, 4);

      expect(await store().commands.forgetAgent(host.id, { ok: false, error: 'removed' }, 5)).toBe(1);
      expect(await store().commands.listPending(host.id)).toEqual([]);
      expect(await store().commands.get('cmd-1')).toMatchObject({ result: { ok: true }, completedAt: 3 });
      expect(await store().commands.get('cmd-2')).toMatchObject({ result: { ok: false, error: 'removed' }, completedAt: 5 });
      expect(await store().commands.heldScopes(host.id, [{ kind: 'run', ref: 'run-1' }, { kind: 'deployment', ref: 'dep-2' }])).toEqual([]);
      expect(await store().commands.heldScopes(other.id, [{ kind: 'run', ref: 'run-1' }])).toEqual([{ kind: 'run', ref: 'run-1' }]);
      expect((await store().commands.listPending(other.id)).map((c) => c.id)).toEqual(['cmd-3']);
    });

    it('answers for many scopes at once', async () => {
      const host = await enrollAgent(store(), 'web-1');
      await store().commands.create({ id: 'cmd-1', agentId: host.id, command: prepareOf('run-700', null) }, 1);
      const asked = Array.from({ length: 1200 }, (_, i) => ({ kind: 'run' as const, ref: `run-${i}` }));
      expect(await store().commands.heldScopes(host.id, asked)).toEqual([{ kind: 'run', ref: 'run-700' }]);
    });
  });
}

function prepareOf(runId: string, deploymentId: string | null): Command {
  return { ...(prepareCommand as Extract<Command, { kind: 'prepare' }>), runId, deploymentId };
}
