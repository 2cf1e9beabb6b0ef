// People whose grants name one project, through the real routes and hooks: lists across projects
// (overview, projects, events and their stream, agents) show them what they may read instead of a
// 403; the central log and a deployment by id answer for their project; what they may not read is
// refused with 403 and audited, GETs included, while anonymous reads are refused unaudited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView, AuditEntryAnswer, ProjectAnswer, ProjectOverview } from '../../core/api/answers.ts';
import type { Deployment, Project, Run, SlipwayEvent } from '../../core/model.ts';
import { logLine } from '../../storage/contract/fixtures.ts';
import { ADMIN_TOKEN, addUserWith, startApiFixture, type ApiFixture, type GrantRequest } from './api-fixture.ts';

let api: ApiFixture;
let shop: Project;
let other: Project;
beforeEach(async () => {
  api = await startApiFixture();
  // Through the API, so that each has its project.added event.
  for (const name of ['shop', 'other']) {
    expect((await api.call('POST', '/api/v1/projects', { name, repo: `https://git.example.com/${name}.git` })).status).toBe(201);
  }
  shop = (await api.store.projects.getByName('shop'))!;
  other = (await api.store.projects.getByName('other'))!;
});
afterEach(async () => api.close());

const userWith = (name: string, ...grants: GrantRequest[]) => addUserWith(api, name, ...grants);

async function startRun(project: Project): Promise<Run> {
  const started = await api.call('POST', `/api/v1/projects/${project.name}/runs`, {});
  expect(started.status).toBe(201);
  return started.body as Run;
}

async function deploymentOf(project: Project, run: Run): Promise<Deployment> {
  return api.store.deployments.create({
    projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'deploy', batch: 1, forced: false, requestedBy: 'admin',
  }, [], 3000);
}

async function get<T>(url: string, token: string): Promise<T> {
  const answer = await api.call('GET', url, undefined, token);
  expect(answer.status, `GET ${url}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body as T;
}

const names = (overview: ProjectOverview[]) => overview.map((o) => o.project.name);

describe('lists across projects', () => {
  it('show a viewer on shop shop and not other on the overview, the projects list and the events', async () => {
    await startRun(shop);
    await startRun(other);
    const vic = await userWith('vic', { role: 'viewer', project: 'shop' });
    expect(names(await get<ProjectOverview[]>('/api/v1/overview', vic))).toEqual(['shop']);
    expect((await get<ProjectAnswer[]>('/api/v1/projects', vic)).map((p) => p.name)).toEqual(['shop']);
    const events = await get<SlipwayEvent[]>('/api/v1/events', vic);
    expect(events.map((e) => e.kind)).toEqual(['project.added']);
    expect(events.every((e) => e.projectId === shop.id)).toBe(true);
    expect(await get<SlipwayEvent[]>('/api/v1/events?project=shop', vic)).toEqual(events);
    // The admin sees both projects, and the events about no project (users, grants).
    expect(names(await get<ProjectOverview[]>('/api/v1/overview', ADMIN_TOKEN))).toEqual(['other', 'shop']);
    const all = await get<SlipwayEvent[]>('/api/v1/events', ADMIN_TOKEN);
    expect(new Set(all.map((e) => e.projectId))).toEqual(new Set([shop.id, other.id, null]));
  });

  it('show a deployer on shop/testing shop, and so does a grant on every project', async () => {
    const dee = await userWith('dee', { role: 'deployer', project: 'shop', env: 'testing' });
    expect(names(await get<ProjectOverview[]>('/api/v1/overview', dee))).toEqual(['shop']);
    const ops = await userWith('ops', { role: 'viewer' });
    expect(names(await get<ProjectOverview[]>('/api/v1/overview', ops))).toEqual(['other', 'shop']);
  });

  it('show a user with grants on two projects both, but not the events about no project', async () => {
    const two = await userWith('two', { role: 'viewer', project: 'shop' }, { role: 'developer', project: 'other' });
    expect(names(await get<ProjectOverview[]>('/api/v1/overview', two))).toEqual(['other', 'shop']);
    expect((await get<SlipwayEvent[]>('/api/v1/events', two)).map((e) => e.projectId)).toEqual([shop.id, other.id]);
  });

  it('refuse a user without any grant with 403, as before', async () => {
    const nobody = await userWith('nobody');
    expect(await api.call('GET', '/api/v1/overview', undefined, nobody)).toMatchObject({
      status: 403, code: 'SLIPWAY_FORBIDDEN', body: { error: { message: 'nobody may not read projects, runs, deployments, events and logs (in any project)' } },
    });
    expect(await api.call('GET', '/api/v1/agents', undefined, nobody)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
  });

  it('show a scoped reader every host but not what other projects run on them', async () => {
    const host = await api.store.agents.enroll({ name: 'web-1', labels: { env: 'testing' }, tokenHash: 'h', address: '10.0.0.1', port: null }, 1000);
    await api.store.agents.update(host.id, { apps: [{ app: 'billing', current: '7-abcdef0', releases: ['7-abcdef0'] }] });
    const vic = await userWith('vic', { role: 'viewer', project: 'shop' });
    expect(await get<AgentView[]>('/api/v1/agents', vic)).toMatchObject([{ name: 'web-1', labels: { env: 'testing' }, apps: [] }]);
    expect(await get<AgentView[]>('/api/v1/agents', ADMIN_TOKEN)).toMatchObject([{ name: 'web-1', apps: [{ app: 'billing' }] }]);
  });
});

describe('reading one project\'s records', () => {
  it('refuses a viewer on shop another project\'s run with 403, and audits that refusal', async () => {
    const run = await startRun(other);
    await startRun(shop);
    const vic = await userWith('vic', { role: 'viewer', project: 'shop' });
    expect((await api.call('GET', '/api/v1/projects/shop/runs/1', undefined, vic)).status).toBe(200);
    expect(await api.call('GET', `/api/v1/projects/other/runs/${run.number}`, undefined, vic)).toMatchObject({
      status: 403, code: 'SLIPWAY_FORBIDDEN', body: { error: { message: 'vic may not read projects, runs, deployments, events and logs (project other)' } },
    });
    expect(await api.call('GET', '/api/v1/events?project=other', undefined, vic)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    const refused = (await get<AuditEntryAnswer[]>('/api/v1/audit?actor=vic', ADMIN_TOKEN)).reverse();
    expect(refused).toMatchObject([
      { actor: 'vic', action: 'project.read', outcome: 'refused', code: 'SLIPWAY_FORBIDDEN', project: 'other', target: `GET /api/v1/projects/other/runs/${run.number}` },
      { actor: 'vic', action: 'project.read', outcome: 'refused', code: 'SLIPWAY_FORBIDDEN', project: 'other', target: 'GET /api/v1/events' },
    ]);
    // What vic was shown is not in the audit: only refusals and changes are.
    expect(refused).toHaveLength(2);
  });

  it('does not audit anonymous reads refused with 401, but still an anonymous change', async () => {
    const before = (await api.store.audit.head()).seq;
    for (const url of ['/api/v1/overview', '/api/v1/projects/shop/runs', '/api/v1/events']) {
      expect(await api.call('GET', url, undefined, 'swu_not-a-token-anybody-has')).toMatchObject({ status: 401, code: 'SLIPWAY_UNAUTHORIZED' });
    }
    expect((await api.store.audit.head()).seq).toBe(before);
    expect((await api.call('POST', '/api/v1/projects/shop/runs', {}, 'swu_not-a-token-anybody-has')).status).toBe(401);
    expect(await api.store.audit.read(before, 10)).toMatchObject([{ actor: 'anonymous', action: 'run.start', outcome: 'refused', code: 'SLIPWAY_UNAUTHORIZED', project: 'shop' }]);
  });

  it('shows a scoped reader a deployment of its project by id, and refuses another project\'s', async () => {
    const mine = await deploymentOf(shop, await startRun(shop));
    const theirs = await deploymentOf(other, await startRun(other));
    const vic = await userWith('vic', { role: 'viewer', project: 'shop' });
    expect(await get<{ id: string }>(`/api/v1/deployments/${mine.id}`, vic)).toMatchObject({ id: mine.id });
    expect(await api.call('GET', `/api/v1/deployments/${theirs.id}`, undefined, vic)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    // No such deployment: a refusal for vic (who may not learn what exists elsewhere), a 404 for the admin.
    expect((await api.call('GET', '/api/v1/deployments/nope', undefined, vic)).status).toBe(403);
    expect(await api.call('GET', '/api/v1/deployments/nope')).toMatchObject({ status: 404, code: 'SLIPWAY_DEPLOYMENT_NOT_FOUND' });
  });

  it('lets a scoped reader search the central log for a run or deployment of its project, and nothing across projects', async () => {
    const shopRun = await startRun(shop);
    const otherRun = await startRun(other);
    const shopDeployment = await deploymentOf(shop, shopRun);
    await api.store.logs.append([
      logLine('runner', 1, { runId: shopRun.id, stream: 'job', text: 'building shop' }),
      logLine('runner', 2, { runId: otherRun.id, stream: 'job', text: 'building other' }),
      logLine('web-1', 1, { deploymentId: shopDeployment.id, stream: 'deploy', text: 'activating shop' }),
      logLine('web-1', 2, { text: 'an app line, of no run' }),
    ]);
    const vic = await userWith('vic', { role: 'viewer', project: 'shop' });
    const texts = async (query: string, token: string) => (await get<{ lines: { text: string }[] }>(`/api/v1/logs?${query}`, token)).lines.map((l) => l.text);
    expect(await texts(`run=${shopRun.id}`, vic)).toEqual(['building shop']);
    expect(await texts(`deployment=${shopDeployment.id}`, vic)).toEqual(['activating shop']);
    expect(await api.call('GET', `/api/v1/logs?run=${otherRun.id}`, undefined, vic)).toMatchObject({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect(await api.call('GET', `/api/v1/logs?run=${shopRun.id}&deployment=nope`, undefined, vic)).toMatchObject({ status: 403 });
    expect(await api.call('GET', '/api/v1/logs?q=shop', undefined, vic)).toMatchObject({
      status: 403, code: 'SLIPWAY_FORBIDDEN',
      body: { error: { message: 'vic may not read projects, runs, deployments, events and logs across projects (only in shop)' } },
    });
    expect(await texts('', ADMIN_TOKEN)).toHaveLength(4);
  });
});

describe('the events stream', () => {
  it('replays and delivers live only the events of the projects a scoped reader reads', async () => {
    const vic = await userWith('vic', { role: 'viewer', project: 'shop' });
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const abort = new AbortController();
    try {
      const response = await fetch(`${address}/api/v1/events/stream?after=0`, { headers: { authorization: `Bearer ${vic}` }, signal: abort.signal });
      expect(response.status).toBe(200);
      // Live, after the replay: another project's change, one about no project, then shop's.
      expect((await api.call('POST', '/api/v1/projects/other/secrets', { name: 'KEY', value: 'long-enough-value' })).status).toBe(201);
      await userWith('zed');
      expect((await api.call('POST', '/api/v1/projects/shop/secrets', { name: 'KEY', value: 'long-enough-value' })).status).toBe(201);
      const events = await readEvents(response, (seen) => seen.some((e) => e.kind === 'secret.set'), Date.now() + 10_000);
      expect(events.map((e) => [e.kind, e.projectId])).toEqual([['project.added', shop.id], ['secret.set', shop.id]]);
    } finally {
      abort.abort();
    }
  });
});

/** Reads `event: event` frames of an SSE response until `done` holds of what was read, or the deadline passes. */
async function readEvents(response: Response, done: (seen: SlipwayEvent[]) => boolean, deadline: number): Promise<SlipwayEvent[]> {
  const seen: SlipwayEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(seen)) {
    const timeout = deadline - Date.now();
    if (timeout <= 0) throw new Error(`stream: no end after ${seen.length} events: ${JSON.stringify(seen.map((e) => e.kind))}`);
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('stream: timed out')), timeout); })])
      .finally(() => clearTimeout(timer));
    if (chunk.done) break;
    text += decoder.decode(chunk.value as Uint8Array, { stream: true });
    const frames = text.split('\n\n');
    text = frames.pop()!;
    for (const frame of frames) {
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      if (data && frame.includes('event: event')) seen.push(JSON.parse(data.slice(6)) as SlipwayEvent);
    }
  }
  return seen;
}
