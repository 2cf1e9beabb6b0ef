// The audit log through the real routes and hooks: each kind of change leaves one entry naming who,
// what and where, refusals are recorded with their code, secrets' values never appear, and the
// verification finds an entry changed or deleted directly in the database.
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntryAnswer, AuditVerifyAnswer, NewTokenAnswer } from '../../core/api/answers.ts';
import type { Project, Run } from '../../core/model.ts';
import { addProject, newRun } from '../../storage/contract/fixtures.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';

let api: ApiFixture;
let project: Project;
beforeEach(async () => {
  api = await startApiFixture();
  project = await addProject(api.store, 'hello');
});
afterEach(async () => api.close());

const JOIN = 'swj_fixture-join-token';

async function audit(query = ''): Promise<AuditEntryAnswer[]> {
  const answer = await api.call('GET', `/api/v1/audit${query}`);
  expect(answer.status).toBe(200);
  return answer.body as AuditEntryAnswer[];
}

async function userWith(name: string, ...grants: { role: string; project?: string; env?: string }[]): Promise<string> {
  const added = await api.call('POST', '/api/v1/users', { name, email: `${name}@example.com` });
  for (const grant of grants) expect((await api.call('POST', `/api/v1/users/${name}/grants`, grant)).status).toBe(201);
  return (added.body as NewTokenAnswer).token;
}

/** A built version of hello on one testing host, so that deployments are admitted. */
async function builtVersion(): Promise<Run> {
  const run = await api.store.runs.create(newRun(project.id), 5);
  await api.store.artifacts.create({ projectId: project.id, version: run.version, runId: run.id, sha256: 'a'.repeat(64), size: 1 }, 6);
  await api.store.agents.enroll({ name: 'web-1', labels: { env: 'testing' }, address: '127.0.0.1', port: null, tokenHash: 'h-web-1', status: 'active' }, 7);
  return run;
}

describe('the audit log', () => {
  it('records each kind of change once, with the principal, the address, the action and the target', async () => {
    const steps: [() => Promise<{ status: number }>, string, string, string][] = [];
    const step = (call: () => Promise<{ status: number }>, actor: string, action: string, target: string) => steps.push([call, actor, action, target]);
    const run = await builtVersion();
    await api.store.agents.enroll({ name: 'db-1', labels: { env: 'testing' }, address: '127.0.0.1', port: null, tokenHash: 'h-db-1', status: 'pending' }, 8);
    let bobToken = '';
    let tokenId = '';

    step(() => api.call('POST', '/api/v1/projects', { name: 'other', repo: 'https://git.example.com/other.git' }), 'admin', 'project.add', 'project:other');
    step(async () => {
      const added = await api.call('POST', '/api/v1/users', { name: 'bob', email: 'bob@example.com' });
      bobToken = (added.body as NewTokenAnswer).token;
      return added;
    }, 'admin', 'user.add', 'user:bob');
    step(() => api.call('POST', '/api/v1/users/bob/grants', { role: 'admin' }), 'admin', 'grant.add', 'user:bob');
    step(() => api.call('POST', '/api/v1/projects/hello/runs', {}, bobToken), 'bob', 'run.start', `run:hello#${run.number + 1}`);
    step(() => api.call('POST', `/api/v1/projects/hello/runs/${run.number}/rerun`, {}, bobToken), 'bob', 'run.rerun', `run:hello#${run.number + 2}`);
    step(() => api.call('POST', `/api/v1/projects/hello/runs/${run.number}/approve`, { env: 'production' }, bobToken), 'bob', 'stage.approve', `stage:hello#${run.number}/production`);
    step(() => api.call('POST', '/api/v1/projects/hello/deployments', { version: run.version, env: 'testing' }, bobToken), 'bob', 'deployment.deploy', 'env:hello/testing');
    step(async () => {
      // The deployment above ends, as the engine would end it, so that the next may start.
      for (const d of await api.store.deployments.listActive()) await api.store.deployments.update(d.id, { status: 'succeeded', finishedAt: 20 });
      return api.call('POST', '/api/v1/projects/hello/deployments', { version: run.version, env: 'testing', force: true });
    }, 'admin', 'deployment.force', 'env:hello/testing');
    step(async () => {
      for (const d of await api.store.deployments.listActive()) await api.store.deployments.update(d.id, { status: 'succeeded', finishedAt: 21 });
      await api.store.environments.setKnownGood(project.id, 'testing', run.version);
      return api.call('POST', '/api/v1/projects/hello/rollback', { env: 'testing' });
    }, 'admin', 'deployment.rollback', 'env:hello/testing');
    step(async () => {
      const created = await api.call('POST', '/api/v1/tokens', {}, bobToken);
      tokenId = (created.body as NewTokenAnswer).tokenId;
      return created;
    }, 'bob', 'token.create', 'token:?');
    step(() => api.call('POST', `/api/v1/tokens/${tokenId}/revoke`, {}, bobToken), 'bob', 'token.revoke', 'token:?');
    step(() => api.call('POST', '/api/v1/agents/enroll', { name: 'web-2', labels: { env: 'testing' } }, JOIN), 'join-token', 'agent.enroll', 'agent:web-2');
    step(() => api.call('PATCH', '/api/v1/agents/web-2', { labels: { env: 'production' } }), 'admin', 'agent.labels', 'agent:web-2');
    step(() => api.call('POST', '/api/v1/agents/web-2/allow-enroll'), 'admin', 'agent.allow_enroll', 'agent:web-2');
    step(() => api.call('POST', '/api/v1/agents/db-1/accept'), 'admin', 'agent.accept', 'agent:db-1');
    step(() => api.call('POST', '/api/v1/agents/web-2/revoke'), 'admin', 'agent.revoke', 'agent:web-2');
    step(() => api.call('DELETE', '/api/v1/agents/web-2'), 'admin', 'agent.remove', 'agent:web-2');
    step(() => api.call('POST', '/api/v1/projects/hello/secrets', { name: 'DB_PASSWORD', value: 'hunter2-hunter2', env: 'production' }), 'admin', 'secret.set', 'secret:hello/DB_PASSWORD@production');
    step(() => api.call('DELETE', '/api/v1/projects/hello/secrets/DB_PASSWORD?env=production'), 'admin', 'secret.remove', 'secret:hello/DB_PASSWORD@production');
    step(() => api.call('POST', '/api/v1/users/bob/grants/revoke', { role: 'admin' }), 'admin', 'grant.revoke', 'user:bob');
    step(() => api.call('DELETE', '/api/v1/users/bob'), 'admin', 'user.remove', 'user:bob');

    for (const [call, actor, action, target] of steps) {
      const before = (await api.store.audit.head()).seq;
      const answer = await call();
      expect(answer.status, `${action} answered`).toBeLessThan(300);
      const written = await api.store.audit.read(before, 10);
      expect(written.map((e) => e.action), `entries of ${action}`).toEqual([action]);
      expect(written[0]).toMatchObject({ actor, outcome: 'ok', code: null, address: '127.0.0.1' });
      if (!target.endsWith('?')) expect(written[0]!.target).toBe(target);
    }
    const entries = await audit('?limit=100');
    expect(entries).toHaveLength(steps.length);
    expect(entries.find((e) => e.action === 'agent.labels')).toMatchObject({ before: { labels: { env: 'testing' } }, after: { labels: { env: 'production' } } });
    expect(entries.find((e) => e.action === 'grant.add')).toMatchObject({ before: { grants: [] }, after: { grants: [{ role: 'admin', project: null, env: null }] } });
    expect(entries.find((e) => e.action === 'agent.revoke')).toMatchObject({ before: { status: 'active' }, after: { status: 'revoked' } });
    expect(entries.find((e) => e.action === 'deployment.deploy')?.project).toBe('hello');
    expect(((await api.call('GET', '/api/v1/audit/verify')).body as AuditVerifyAnswer)).toMatchObject({ ok: true, entries: steps.length });
  });

  it('never holds a secret\'s value, in any form', async () => {
    const value = 'p4ssw0rd-of-the-db\nsecond line';
    expect((await api.call('POST', '/api/v1/projects/hello/secrets', { name: 'DB_PASSWORD', value })).status).toBe(201);
    expect((await api.call('POST', '/api/v1/projects/hello/secrets', { name: 'DB_PASSWORD', value: `${value}!`, build: true })).status).toBe(200);
    const text = JSON.stringify(await audit());
    expect(text).toContain('DB_PASSWORD');
    for (const form of ['p4ssw0rd-of-the-db', 'second line', Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1)]) {
      expect(text).not.toContain(form);
    }
  });

  it('records a deployer refused on production, a --force refused in a handler, and anonymous callers', async () => {
    const run = await builtVersion();
    const bob = await userWith('bob', { role: 'deployer', project: 'hello', env: 'testing' });
    expect((await api.call('POST', '/api/v1/projects/hello/deployments', { version: run.version, env: 'production' }, bob)).status).toBe(403);
    expect((await api.call('POST', '/api/v1/projects/hello/deployments', { version: run.version, env: 'testing', force: true }, bob)).status).toBe(403);
    expect((await api.call('POST', '/api/v1/projects/hello/rollback', { env: 'production' }, 'swu_not-a-token-anybody-has')).status).toBe(401);
    const refused = (await audit('?limit=3')).reverse();
    expect(refused).toMatchObject([
      { actor: 'bob', action: 'deployment.deploy', outcome: 'refused', code: 'SLIPWAY_FORBIDDEN', project: 'hello',
        target: 'POST /api/v1/projects/hello/deployments', message: 'bob may not deploy a version (project hello, environment production)' },
      { actor: 'bob', action: 'deployment.deploy', outcome: 'refused', code: 'SLIPWAY_FORBIDDEN', message: expect.stringContaining('force') as string },
      { actor: 'anonymous', action: 'deployment.rollback', outcome: 'refused', code: 'SLIPWAY_UNAUTHORIZED' },
    ]);
  });

  it('is for admins only: a viewer is refused, and that is recorded too', async () => {
    const vic = await userWith('vic', { role: 'viewer' });
    expect(await api.call('GET', '/api/v1/audit', undefined, vic)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect(await api.call('GET', '/api/v1/audit/verify', undefined, vic)).toMatchObject({ status: 403 });
    expect((await audit('?actor=vic')).map((e) => [e.action, e.outcome])).toEqual([['audit.read', 'refused'], ['audit.read', 'refused']]);
  });

  it('tells the web UI who may open it: an admin has audit.read, a viewer has not', async () => {
    const vic = await userWith('vic', { role: 'viewer' });
    const ops = await userWith('ops', { role: 'admin' });
    expect((await api.call('GET', '/api/v1/me')).body).toMatchObject({ name: 'admin', kind: 'admin', permissions: expect.arrayContaining(['audit.read']) as string[] });
    expect((await api.call('GET', '/api/v1/me', undefined, ops)).body).toMatchObject({ name: 'ops', permissions: expect.arrayContaining(['audit.read']) as string[] });
    const viewer = (await api.call('GET', '/api/v1/me', undefined, vic)).body as { permissions: string[] };
    expect(viewer.permissions).toContain('project.read');
    expect(viewer.permissions).not.toContain('audit.read');
  });

  it('filters by actor, project and time, and refuses a time it cannot read', async () => {
    await userWith('bob', { role: 'admin' });
    await api.call('POST', '/api/v1/projects/hello/secrets', { name: 'KEY', value: 'long-enough-value' });
    expect((await audit('?project=hello')).map((e) => e.action)).toEqual(['secret.set']);
    expect((await audit('?actor=admin')).map((e) => e.action)).toEqual(['secret.set', 'grant.add', 'user.add']);
    const [newest] = await audit();
    expect((await audit(`?since=${newest!.at}`)).map((e) => e.seq)).toEqual([newest!.seq]);
    expect((await audit(`?since=${new Date(newest!.at).toISOString()}`)).map((e) => e.seq)).toEqual([newest!.seq]);
    expect((await audit(`?before=${newest!.seq}&limit=1`)).map((e) => e.seq)).toEqual([newest!.seq - 1]);
    expect(await api.call('GET', '/api/v1/audit?since=yesterday')).toMatchObject({ status: 400, code: 'SLIPWAY_INVALID_REQUEST' });
  });

  it('finds an entry changed with SQL, and one deleted', async () => {
    for (const name of ['ann', 'bob', 'cy', 'dee']) await userWith(name);
    expect((await api.call('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true, entries: 4 });
    const sqlite = new SqliteDatabase(api.dbFile);
    try {
      sqlite.prepare("update audit_entries set actor = 'somebody-else' where seq = 2").run();
      expect((await api.call('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: false, seq: 2, problem: 'changed' });
      const { actor } = sqlite.prepare('select actor from audit_entries where seq = 1').get() as { actor: string };
      sqlite.prepare('update audit_entries set actor = ? where seq = 2').run(actor);
      expect((await api.call('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
      sqlite.prepare('delete from audit_entries where seq = 3').run();
      expect((await api.call('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: false, seq: 3, problem: 'deleted' });
    } finally {
      sqlite.close();
    }
  });
});
