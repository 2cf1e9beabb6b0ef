// Approvals through the real route: who approved comes from the principal, `notAuthor` keeps the
// commit's author out, and `required: 2` opens the gate only at the second different approver.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTokenAnswer } from '../../core/api/answers.ts';
import type { RunDetail } from '../../core/api/answers.ts';
import { addProject, config, newRun } from '../../storage/contract/fixtures.ts';
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
