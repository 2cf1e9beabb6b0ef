// Deployments by hand through the real route, where what the version's slipway.yml says decides.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addProject, config, enrollAgent, newRun } from '../../storage/contract/fixtures.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';

let api: ApiFixture;
let version: string;
beforeEach(async () => {
  api = await startApiFixture();
  const project = await addProject(api.store, 'hello');
  const loadBalancer = { kind: 'haproxy' as const, on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop', server: '{host}', drainMs: 30_000 };
  const run = await api.store.runs.create(newRun(project.id, {
    config: { ...config, environments: { ...config.environments, production: { ...config.environments.production!, loadBalancer } } },
  }), 2000);
  version = run.version;
  await api.store.artifacts.create({ projectId: project.id, runId: run.id, version, sha256: 'a'.repeat(64), size: 100 }, 2100);
  await enrollAgent(api.store, 'web-1', { env: 'production' });
  await enrollAgent(api.store, 'test-1', { env: 'testing' });
});
afterEach(async () => api.close());

describe('deploying to an environment with a load balancer', () => {
  it('is refused with SLIPWAY_LB_NOT_SUPPORTED, even forced, and nothing is started', async () => {
    for (const force of [false, true]) {
      const refused = await api.call('POST', '/api/v1/projects/hello/deployments', { version, env: 'production', force });
      expect(refused).toMatchObject({ status: 400, code: 'SLIPWAY_LB_NOT_SUPPORTED' });
      expect(refused.body).toMatchObject({ error: { message: expect.stringContaining('environment production has a loadBalancer (haproxy backend shop)') as string } });
    }
    expect(await api.store.deployments.listActive()).toEqual([]);
  });

  it('leaves an environment of the same version without one deployable', async () => {
    expect((await api.call('POST', '/api/v1/projects/hello/deployments', { version, env: 'testing' })).status).toBe(201);
  });
});
