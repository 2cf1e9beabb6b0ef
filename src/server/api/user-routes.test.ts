// Who may do what, through the real routes and permission hook: users with tokens of their own,
// roles granted per project and environment, and 403s that say what was missing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GrantAnswer, NewTokenAnswer, UserAnswer } from '../../core/api/answers.ts';
import { addProject } from '../../storage/contract/fixtures.ts';
import { addUserWith, startApiFixture, type ApiFixture, type GrantRequest } from './api-fixture.ts';

let api: ApiFixture;
beforeEach(async () => {
  api = await startApiFixture();
  await addProject(api.store, 'hello');
});
afterEach(async () => api.close());

const userWith = (name: string, ...grants: GrantRequest[]) => addUserWith(api, name, ...grants);

const deploy = (env: string, token: string) => api.call('POST', '/api/v1/projects/hello/deployments', { version: '1-0123456', env }, token);
const rollback = (env: string, token: string) => api.call('POST', '/api/v1/projects/hello/rollback', { env }, token);

describe('roles', () => {
  it('refuses a deployer on testing on production with 403, naming the permission and scope, and lets them deploy on testing', async () => {
    const bob = await userWith('bob', { role: 'deployer', project: 'hello', env: 'testing' });
    const refused = await deploy('production', bob);
    expect(refused).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect(refused.body).toMatchObject({ error: { message: 'bob may not deploy a version (project hello, environment production)' } });
    expect(await rollback('production', bob)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    // Past the permission check: refused only because version 1-0123456 was never built.
    expect(await deploy('testing', bob)).toMatchObject({ status: 404, code: 'SLIPWAY_VERSION_NOT_FOUND' });
    expect((await rollback('testing', bob)).status).not.toBe(403);
    // --force is the admin's, also in the environment the deployer has.
    expect(await api.call('POST', '/api/v1/projects/hello/deployments', { version: '1-0123456', env: 'testing', force: true }, bob))
      .toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
  });

  it('lets a developer start a run and re-run it, but not deploy', async () => {
    const dev = await userWith('dev', { role: 'developer', project: 'hello' });
    const started = await api.call('POST', '/api/v1/projects/hello/runs', {}, dev);
    expect(started).toMatchObject({ status: 201, body: { requestedBy: 'dev', number: 1 } });
    expect((await api.call('POST', '/api/v1/projects/hello/runs/1/rerun', {}, dev)).status).toBe(201);
    expect(await deploy('testing', dev)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect(await api.call('POST', '/api/v1/projects/hello/runs/1/approve', { env: 'production' }, dev)).toMatchObject({ status: 403 });
  });

  it('lets a viewer only read', async () => {
    const viewer = await userWith('vic', { role: 'viewer' });
    await api.call('POST', '/api/v1/projects/hello/runs', {});
    expect((await api.call('GET', '/api/v1/projects', undefined, viewer)).status).toBe(200);
    expect((await api.call('GET', '/api/v1/projects/hello/runs/1', undefined, viewer)).status).toBe(200);
    for (const refused of [
      api.call('POST', '/api/v1/projects/hello/runs', {}, viewer),
      api.call('POST', '/api/v1/projects/hello/runs/1/approve', { env: 'production' }, viewer),
      deploy('testing', viewer),
      rollback('testing', viewer),
      api.call('POST', '/api/v1/projects', { name: 'other', repo: 'https://git.example.com/other.git' }, viewer),
      api.call('GET', '/api/v1/users', undefined, viewer),
      api.call('POST', '/api/v1/users', { name: 'mallory' }, viewer),
    ]) expect(await refused).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
  });

  it('keeps a grant to one project out of the others', async () => {
    await addProject(api.store, 'other');
    const dev = await userWith('dev', { role: 'developer', project: 'hello' });
    expect((await api.call('POST', '/api/v1/projects/hello/runs', {}, dev)).status).toBe(201);
    expect(await api.call('POST', '/api/v1/projects/other/runs', {}, dev)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect(await api.call('GET', '/api/v1/projects/other/runs', undefined, dev)).toMatchObject({ status: 403 });
  });

  it('takes a role back at once when it is revoked', async () => {
    const dev = await userWith('dev', { role: 'developer' });
    expect((await api.call('POST', '/api/v1/projects/hello/runs', {}, dev)).status).toBe(201);
    expect(await api.call('POST', '/api/v1/users/dev/grants/revoke', { role: 'developer' })).toMatchObject({ status: 200, body: { changed: true } });
    expect((await api.call('POST', '/api/v1/projects/hello/runs', {}, dev)).status).toBe(403);
    expect(await api.call('POST', '/api/v1/users/dev/grants/revoke', { role: 'developer' })).toMatchObject({ status: 404, code: 'SLIPWAY_GRANT_NOT_FOUND' });
  });

  it('keeps an admin grant limited to one environment out of users, agents, projects, the audit and other environments\' secrets', async () => {
    // An admin of testing only: were user.manage "anywhere", they could grant themselves admin everywhere.
    const tess = await userWith('tess', { role: 'admin', env: 'testing' });
    const refused = [
      await api.call('POST', '/api/v1/users/tess/grants', { role: 'admin' }, tess),
      await api.call('POST', '/api/v1/users', { name: 'mallory' }, tess),
      await api.call('POST', '/api/v1/projects', { name: 'other', repo: 'https://git.example.com/other.git' }, tess),
      await api.call('GET', '/api/v1/audit', undefined, tess),
      await api.call('POST', '/api/v1/projects/hello/secrets', { name: 'NODE_OPTIONS', value: '--require /tmp/evil.js', env: 'production' }, tess),
    ];
    for (const answer of refused) expect(answer).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    // What the grant is for still works: its environment (past the permission check, no such version).
    expect(await deploy('testing', tess)).toMatchObject({ status: 404, code: 'SLIPWAY_VERSION_NOT_FOUND' });
    expect((await api.call('POST', '/api/v1/projects/hello/secrets', { name: 'DB_PASSWORD', value: 'testing-password-1', env: 'testing' }, tess)).status).toBe(201);
    // Removing: the environment is the query's, whatever a body says.
    expect((await api.call('POST', '/api/v1/projects/hello/secrets', { name: 'DB_PASSWORD', value: 'production-password-1', env: 'production' })).status).toBe(201);
    expect(await api.call('DELETE', '/api/v1/projects/hello/secrets/DB_PASSWORD?env=production', { env: 'testing' }, tess)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect((await api.call('DELETE', '/api/v1/projects/hello/secrets/DB_PASSWORD?env=testing', undefined, tess)).status).toBe(200);
  });

  it('lets an admin grant do what the bootstrap admin does, including --force and managing users', async () => {
    const root = await userWith('root', { role: 'admin' });
    expect((await api.call('POST', '/api/v1/users', { name: 'eve' }, root)).status).toBe(201);
    expect(await api.call('POST', '/api/v1/projects/hello/deployments', { version: '1-0123456', env: 'production', force: true }, root))
      .toMatchObject({ status: 404, code: 'SLIPWAY_VERSION_NOT_FOUND' });
  });
});

describe('users and tokens', () => {
  it('shows a new user\'s token once, stores it hashed, and lists users with grants and token ids only', async () => {
    const token = await userWith('ada', { role: 'deployer', project: 'hello', env: 'testing' });
    expect(token).toMatch(/^swu_/);
    const users = await api.call('GET', '/api/v1/users');
    expect(users.body).toEqual([{
      name: 'ada', email: 'ada@example.com', createdAt: expect.any(Number) as number,
      grants: [{ role: 'deployer', project: 'hello', env: 'testing' }],
      tokens: [{ id: expect.any(String) as string, userId: expect.any(String) as string, createdAt: expect.any(Number) as number, revokedAt: null, expiresAt: null }],
    }] satisfies UserAnswer[]);
    expect(JSON.stringify(users.body)).not.toContain(token);
  });

  it('refuses a user name the server\'s own principals use, a taken name and a grant in a project that does not exist', async () => {
    expect(await api.call('POST', '/api/v1/users', { name: 'admin' })).toMatchObject({ status: 400, code: 'SLIPWAY_INVALID_REQUEST' });
    await userWith('ada');
    expect(await api.call('POST', '/api/v1/users', { name: 'ada' })).toMatchObject({ status: 409, code: 'SLIPWAY_USER_EXISTS' });
    expect(await api.call('POST', '/api/v1/users/ada/grants', { role: 'viewer', project: 'helo' })).toMatchObject({ status: 404, code: 'SLIPWAY_PROJECT_NOT_FOUND' });
    expect(await api.call('POST', '/api/v1/users/ada/grants', { role: 'root' })).toMatchObject({ status: 400 });
  });

  it('lets a user make and revoke their own tokens, and refuses a revoked token at once', async () => {
    const first = await userWith('ada', { role: 'viewer' });
    const made = await api.call('POST', '/api/v1/tokens', {}, first);
    expect(made).toMatchObject({ status: 201, body: { user: 'ada' } });
    const second = made.body as NewTokenAnswer;
    expect((await api.call('GET', '/api/v1/projects', undefined, second.token)).status).toBe(200);
    expect((await api.call('POST', `/api/v1/tokens/${second.tokenId}/revoke`, {}, first)).status).toBe(200);
    expect(await api.call('GET', '/api/v1/projects', undefined, second.token)).toMatchObject({ status: 401, code: 'SLIPWAY_UNAUTHORIZED' });
    expect((await api.call('GET', '/api/v1/projects', undefined, first)).status).toBe(200);
  });

  it('refuses a token for somebody else, or revoking somebody else\'s, to a user who does not manage users', async () => {
    const ada = await userWith('ada', { role: 'deployer' });
    await userWith('bob', { role: 'viewer' });
    expect(await api.call('POST', '/api/v1/tokens', { user: 'bob' }, ada)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    const bobs = await api.call('POST', '/api/v1/tokens', { user: 'bob' });
    expect(bobs.status).toBe(201);
    expect(await api.call('POST', `/api/v1/tokens/${(bobs.body as NewTokenAnswer).tokenId}/revoke`, {}, ada)).toMatchObject({ status: 403 });
    expect(await api.call('POST', '/api/v1/tokens', {})).toMatchObject({ status: 400, code: 'SLIPWAY_TOKEN_NEEDS_USER' });
  });

  it('refuses the tokens of a removed user at once', async () => {
    const ada = await userWith('ada', { role: 'admin' });
    expect(await api.call('DELETE', '/api/v1/users/ada')).toMatchObject({ status: 200, body: { removed: 'ada' } });
    expect(await api.call('GET', '/api/v1/projects', undefined, ada)).toMatchObject({ status: 401 });
    expect(await api.call('DELETE', '/api/v1/users/ada')).toMatchObject({ status: 404, code: 'SLIPWAY_USER_NOT_FOUND' });
  });

  it('records who granted what in the events', async () => {
    await userWith('ada', { role: 'deployer', project: 'hello', env: 'production' });
    const granted = (await api.call('GET', '/api/v1/events?limit=50')).body as { kind: string; actor: string | null; message: string }[];
    expect(granted.find((e) => e.kind === 'grant.added')).toMatchObject({ actor: 'admin', message: 'admin granted deployer in hello, environment production to ada' });
    expect(granted.find((e) => e.kind === 'user.added')).toMatchObject({ actor: 'admin' });
    expect((await api.call('POST', '/api/v1/users/ada/grants', { role: 'deployer', project: 'hello', env: 'production' })).body)
      .toMatchObject({ changed: false } satisfies Partial<GrantAnswer>);
  });
});
