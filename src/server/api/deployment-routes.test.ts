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
  // Forced past `after: testing`, which this version did not pass.
  it('is refused with SLIPWAY_LB_NO_AGENTS while no agent drives the load balancer, even forced, and nothing is started', async () => {
    const refused = await api.call('POST', '/api/v1/projects/hello/deployments', { version, env: 'production', force: true });
    expect(refused).toMatchObject({ status: 400, code: 'SLIPWAY_LB_NO_AGENTS' });
    expect(refused.body).toMatchObject({ error: { message: expect.stringContaining('no agent matches loadBalancer on: role=lb of "production"') as string } });
    expect(await api.store.deployments.listActive()).toEqual([]);
  });

  it('is refused with SLIPWAY_LB_AGENT_OFFLINE while an LB agent is not connected, and started once it is', async () => {
    const lb = await enrollAgent(api.store, 'lb-1', { role: 'lb' });
    const refused = await api.call('POST', '/api/v1/projects/hello/deployments', { version, env: 'production', force: true });
    expect(refused).toMatchObject({ status: 409, code: 'SLIPWAY_LB_AGENT_OFFLINE' });
    expect(await api.store.deployments.listActive()).toEqual([]);
    await api.store.agents.update(lb.id, { online: true, lastSeenAt: Date.now() });
    expect((await api.call('POST', '/api/v1/projects/hello/deployments', { version, env: 'production', force: true })).status).toBe(201);
  });

  it('leaves an environment of the same version without one deployable', async () => {
    expect((await api.call('POST', '/api/v1/projects/hello/deployments', { version, env: 'testing' })).status).toBe(201);
  });
});
