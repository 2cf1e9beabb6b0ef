// Approvals through the real route: who approved comes from the principal, `notAuthor` keeps the
// commit's author out, and `required: 2` opens the gate only at the second different approver.
// And what a run answers about its rollback rehearsal: the rehearsal beside the stage's deployment,
// and the version's rollback safety.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTokenAnswer } from '../../core/api/answers.ts';
import type { RunDetail } from '../../core/api/answers.ts';
import { addProject, config, enrollAgent, newRun } from '../../storage/contract/fixtures.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';

let api: ApiFixture;
beforeEach(async () => {
  api = await startApiFixture();
  const project = await addProject(api.store, 'hello');
  // Run #1 of a commit by Ada: testing needs one approval, production two people other than Ada.
  await api.store.runs.create(newRun(project.id, {
    author: 'Ada Lovelace <Ada@Example.com>',
    config: {
      ...config,
      environments: {
        testing: { ...config.environments.testing!, approval: { required: 1, notAuthor: false } },
        production: { ...config.environments.production!, approval: { required: 2, notAuthor: true } },
      },
    },
  }), 2000);
});
afterEach(async () => api.close());

async function deployer(name: string, email: string | undefined, env?: string): Promise<string> {
  const added = await api.call('POST', '/api/v1/users', { name, ...(email ? { email } : {}) });
  await api.call('POST', `/api/v1/users/${name}/grants`, { role: 'deployer', project: 'hello', ...(env ? { env } : {}) });
  return (added.body as NewTokenAnswer).token;
}

const approve = (env: string, token: string, extra: Record<string, unknown> = {}) =>
  api.call('POST', '/api/v1/projects/hello/runs/1/approve', { env, ...extra }, token);

async function stage(env: string) {
  return ((await api.call('GET', '/api/v1/projects/hello/runs/1')).body as RunDetail).stages.find((s) => s.name === env)!;
}

describe('approvals', () => {
  it('records who approved from the principal, never from the body', async () => {
    const bob = await deployer('bob', 'bob@example.com', 'testing');
    expect(await approve('testing', bob, { by: 'mallory' })).toMatchObject({ status: 200, body: { approvedBy: 'bob' } });
    expect((await stage('testing')).approvedBy).toBe('bob');
  });

  it('refuses a deployer on testing the production gate, and lets them approve testing', async () => {
    const bob = await deployer('bob', 'bob@example.com', 'testing');
    expect(await approve('production', bob)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect((await approve('testing', bob)).status).toBe(200);
  });

  it('refuses the commit\'s author on a notAuthor gate, whatever the case of the email, and accepts another user', async () => {
    const ada = await deployer('ada', 'ada@EXAMPLE.com');
    const refused = await approve('production', ada);
    expect(refused).toMatchObject({ status: 403, code: 'SLIPWAY_APPROVER_IS_AUTHOR' });
    expect(refused.body).toMatchObject({ error: { message: expect.stringContaining('ada wrote the commit of run #1') as string } });
    const bob = await deployer('bob', 'bob@example.com');
    expect((await approve('production', bob)).status).toBe(200);
    // A user without an email cannot be told apart from the author.
    const anon = await deployer('anon', undefined);
    expect(await approve('production', anon)).toMatchObject({ status: 403, code: 'SLIPWAY_APPROVER_IS_AUTHOR' });
  });

  it('opens a required: 2 gate only at the second different user', async () => {
    const bob = await deployer('bob', 'bob@example.com');
    const cy = await deployer('cy', 'cy@example.com');
    expect(await approve('production', bob)).toMatchObject({ status: 200, body: { approvedBy: null } });
    expect((await stage('production')).approvedBy).toBeNull();
    expect(await approve('production', bob)).toMatchObject({ status: 409, code: 'SLIPWAY_ALREADY_APPROVED' });
    // A second token of the same user is the same approver.
    const bobAgain = ((await api.call('POST', '/api/v1/tokens', {}, bob)).body as NewTokenAnswer).token;
    expect(await approve('production', bobAgain)).toMatchObject({ status: 409, code: 'SLIPWAY_ALREADY_APPROVED' });
    expect((await stage('production')).approvedBy).toBeNull();
    expect(await approve('production', cy)).toMatchObject({ status: 200, body: { approvedBy: 'bob, cy' } });
    expect((await stage('production')).approvedBy).toBe('bob, cy');
    expect(await approve('production', cy)).toMatchObject({ status: 409, code: 'SLIPWAY_ALREADY_APPROVED' });
    const events = (await api.call('GET', '/api/v1/events?limit=100')).body as { kind: string; actor: string }[];
    expect(events.filter((e) => e.kind.startsWith('gate.')).map((e) => [e.kind, e.actor])).toEqual([['gate.approval_counted', 'bob'], ['gate.approved', 'cy']]);
  });
});

describe('a run\'s rehearsal and rollback safety', () => {
  it('answers each stage\'s deployment followed by its rehearsal, and what the rehearsal found about the version', async () => {
    const { store } = api;
    const project = (await store.projects.getByName('hello'))!;
    const run = (await store.runs.getByNumber(project.id, 1))!;
    const testing = (await store.runs.stages(run.id)).find((s) => s.name === 'testing')!;
    const web1 = await enrollAgent(store, 'web-1');
    const migration = { state: 'succeeded' as const, agentId: web1.id, host: 'web-1', commandId: 'c1', sentAt: 3000, finishedAt: 4200, error: null, logTail: [] };
    const deploy = await store.deployments.create({
      projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'deploy', batch: 1, forced: false, requestedBy: 'engine', migration,
    }, [{ agentId: web1.id, hostName: 'web-1', batch: 0 }], 3000);
    await store.deployments.update(deploy.id, { status: 'succeeded', finishedAt: 5000 });
    const rehearsal = await store.deployments.create({
      projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'rehearsal', batch: 1, forced: false, requestedBy: 'engine', status: 'rehearsing',
    }, [{ agentId: web1.id, hostName: 'web-1', batch: 0, previousVersion: '0-fffffff' }], 6000);
    await store.runs.updateStage(testing.id, { status: 'rehearsing', deploymentId: deploy.id, rehearsalId: rehearsal.id });
    await store.artifacts.create({ projectId: project.id, version: run.version, runId: run.id, sha256: 'a'.repeat(64), size: 10 }, 2500);

    const before = (await api.call('GET', '/api/v1/projects/hello/runs/1')).body as RunDetail;
    expect(before.deployments.map((d) => [d.id, d.kind])).toEqual([[deploy.id, 'deploy'], [rehearsal.id, 'rehearsal']]);
    expect(before.deployments[0]!.migration).toMatchObject({ state: 'succeeded', host: 'web-1' });
    expect(before.deployments[1]!.hosts).toMatchObject([{ hostName: 'web-1', previousVersion: '0-fffffff' }]);
    expect(before.rollbackSafety).toBeNull();

    const safety = { safe: false, deploymentId: rehearsal.id, host: 'web-1', previousVersion: '0-fffffff', reason: 'no 2xx from /healthz within 10s', logTail: ['column "name" does not exist'], at: 7000 };
    await store.artifacts.setRollbackSafety(project.id, run.version, safety);
    expect(((await api.call('GET', '/api/v1/projects/hello/runs/1')).body as RunDetail).rollbackSafety).toEqual(safety);
  });
});
