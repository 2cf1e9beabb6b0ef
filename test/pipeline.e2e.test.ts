// From a commit to production on real agents: build, testing (2 hosts), verify, manual approval,
// production (3 hosts); a health failure on one production host rolls every host back; a failing
// unit test stops the run before anything is built.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, DeploymentDetail, ProjectStatus, RunDetail } from '../src/core/api/answers.ts';
import type { Artifact, Deployment, LogLine } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const hosts = {
  testing: ['testing-1', 'testing-2'],
  production: ['production-1', 'production-2', 'production-3'],
};

describe('a commit on its way to production', () => {
  const fleet = new TestFleet('pipeline');
  let firstSha = '';

  const run = (n: number) => fleet.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));
  const stage = (r: RunDetail, name: string) => r.stages.find((s) => s.name === name)!;
  const waitForRun = (n: number, what: string, done: (r: RunDetail) => boolean) =>
    waitFor(`run #${n} ${what}`, async () => {
      const r = await run(n);
      return done(r) ? r : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200 });
  const answers = async (names: string[]) => Promise.all(names.map((name) => fleet.appAnswer(name)));

  beforeAll(async () => {
    firstSha = fleet.initRepo(() => fleet.editFile('slipway.yml', (y) => y.replace('timeout: 10s', 'timeout: 4s')));
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of [...hosts.testing]) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
    for (const name of [...hosts.production]) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
    await waitFor('six agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 6);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  });

  afterAll(() => fleet.close());

  it('builds, deploys to testing, verifies, waits for approval, then deploys the same artifact to production', async () => {
    const waiting = await waitForRun(1, 'waiting for approval', (r) => stage(r, 'production').status === 'awaiting_approval');
    const version = `1-${firstSha.slice(0, 7)}`;
    expect(waiting.version).toBe(version);
    expect(stage(waiting, 'build').status).toBe('succeeded');
    expect(stage(waiting, 'testing').status).toBe('succeeded');
    expect(await answers(hosts.testing)).toEqual(hosts.testing.map((h) => `hello from ${h}, running version ${version}`));
    expect(await answers(hosts.production)).toEqual([undefined, undefined, undefined]);

    await fleet.api.post(projectPath('hello', '/runs/1/approve'), { env: 'production' });
    const done = await waitForRun(1, 'to end', (r) => r.status !== 'running');
    expect(done.status).toBe('succeeded');
    expect(await answers(hosts.production)).toEqual(hosts.production.map((h) => `hello from ${h}, running version ${version}`));
    const production = done.deployments.find((d) => d.env === 'production')!;
    expect(production.hosts.map((h) => h.step)).toEqual(['healthy', 'healthy', 'healthy']);
    expect(new Set(production.hosts.map((h) => h.batch))).toEqual(new Set([0, 1]));
  });

  it('rolls every production host back when one host fails its health check, and quarantines the version', async () => {
    const sha = fleet.commit('Say hi, but break production-2', () => {
      for (const file of ['greeting.js', 'test/greeting.test.js', 'acceptance.js']) fleet.editFile(file, (t) => t.replace('hello from', 'hi from'));
      fleet.editFile('server.js', (t) => t.replace(`if (request.url === '/healthz') {`, `if (request.url === '/healthz' && host === 'production-2') {
    response.writeHead(503).end('not ok\\n');
    console.log('health check refused on production-2');
    return;
  }
  if (request.url === '/healthz') {`));
    });
    const version = `2-${sha.slice(0, 7)}`;
    await waitForRun(2, 'waiting for approval', (r) => stage(r, 'production').status === 'awaiting_approval');
    await fleet.api.post(projectPath('hello', '/runs/2/approve'), { env: 'production' });
    const done = await waitForRun(2, 'to end', (r) => r.status !== 'running');

    expect(done.status).toBe('failed');
    const production = done.deployments.find((d) => d.env === 'production')!;
    expect(production.status).toBe('rolled_back');
    expect(production.cause).toMatchObject({ host: 'production-2', step: 'health' });
    expect(production.cause!.logTail.join('\n')).toContain('health check refused on production-2');
    expect(await answers(hosts.production)).toEqual(hosts.production.map((h) => `hello from ${h}, running version 1-${firstSha.slice(0, 7)}`));
    expect(await answers(hosts.testing)).toEqual(hosts.testing.map((h) => `hi from ${h}, running version ${version}`));

    const versions = await fleet.api.get<Artifact[]>(projectPath('hello', '/versions'));
    expect(versions.find((v) => v.version === version)?.quarantinedAt).toBeTypeOf('number');
    await expect(fleet.api.post(projectPath('hello', '/deployments'), { version, env: 'production' })).rejects.toMatchObject({ code: 'SLIPWAY_VERSION_QUARANTINED' });
  });

  it('fails a run whose unit tests fail: no artifact, no deployment, and the failing output in its log', async () => {
    const sha = fleet.commit('Break the unit test', () => fleet.editFile('test/greeting.test.js', (t) => t.replace("'web-1', '3-abc1234'", "'web-2', '3-abc1234'")));
    const done = await waitForRun(3, 'to end', (r) => r.status !== 'queued' && r.status !== 'running');
    expect(done.status).toBe('failed');
    expect(stage(done, 'build')).toMatchObject({ status: 'failed' });
    expect(stage(done, 'build').error).toContain("step 'unit tests' exited with code 1");
    expect(done.deployments).toEqual([]);
    const versions = await fleet.api.get<Artifact[]>(projectPath('hello', '/versions'));
    expect(versions.map((v) => v.version)).not.toContain(`3-${sha.slice(0, 7)}`);
    const log = await fleet.api.get<LogLine[]>(projectPath('hello', '/runs/3/log'));
    const text = log.map((l) => l.text).join('\n');
    expect(text).toContain('$ npm test');
    expect(text).toMatch(/not ok .*greets with the host and the version/);
    expect(text).toContain('web-2');
  });

  it('rolls an environment back by hand to the version it ran before, and shows it in the status', async () => {
    const first = `1-${firstSha.slice(0, 7)}`;
    const rollback = await fleet.api.post<Deployment>(projectPath('hello', '/rollback'), { env: 'testing' });
    expect(rollback).toMatchObject({ kind: 'rollback', version: first, env: 'testing' });
    const ended = await waitFor('the rollback to end', async () => {
      const d = await fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${rollback.id}`);
      return d.finishedAt ? d : undefined;
    });
    expect(ended.status).toBe('succeeded');
    expect(await answers(hosts.testing)).toEqual(hosts.testing.map((h) => `hello from ${h}, running version ${first}`));

    const status = await fleet.api.get<ProjectStatus>(projectPath('hello', '/status'));
    for (const env of status.environments) {
      expect(env.knownGood).toBe(first);
      expect(env.hosts.map((h) => h.version)).toEqual(hosts[env.name as 'testing'].map(() => first));
    }
    await expect(fleet.api.post(projectPath('hello', '/rollback'), { env: 'production' })).rejects.toMatchObject({ code: 'SLIPWAY_NOTHING_TO_ROLL_BACK_TO' });
  });
});
