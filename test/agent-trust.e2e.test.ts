// Agents that cannot be impersonated, through the real API and WebSocket: a taken name is refused
// unless an admin allowed it once; revoking or removing an agent refuses its token at once and
// closes its open connection; a removed agent is in no environment; with --accept-agents manual a
// new agent waits as pending until an admin accepts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogSearchAnswer } from '../src/core/api/answers.ts';
import type { Agent } from '../src/core/model.ts';
import { ProtocolAgent } from './support/protocol-agent.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const fleet = new TestFleet('agent-trust', ['--accept-agents', 'manual']);
const agents: ProtocolAgent[] = [];

beforeAll(async () => {
  await fleet.startServer();
}, 60_000);

afterAll(async () => {
  for (const agent of agents) agent.close();
  await fleet.close();
});

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: { error?: { code: string } } & Record<string, unknown> }> {
  const response = await fetch(`${fleet.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { error?: { code: string } } & Record<string, unknown> };
}

const enroll = (name: string, labels: Record<string, string>) =>
  call('POST', '/api/v1/agents/enroll', fleet.tokens.join, { name, labels, address: '127.0.0.1', port: null });

async function agentNamed(name: string): Promise<Agent> {
  return (await fleet.api.get<Agent[]>('/api/v1/agents')).find((a) => a.name === name)!;
}

async function eventKinds(): Promise<string[]> {
  return (await fleet.api.get<{ kind: string }[]>('/api/v1/events?limit=500')).map((e) => e.kind);
}

describe('agent trust', () => {
  it('keeps a new agent pending, in no environment and without downloads, until an admin accepts it', async () => {
    const web = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'web-1', { env: 'production' });
    agents.push(web);
    expect(await agentNamed('web-1')).toMatchObject({ status: 'pending', labels: { env: 'production' } });
    // Its connection is open but it may do nothing else.
    const download = await call('GET', `/api/v1/artifacts/${'0'.repeat(64)}`, web.token);
    expect(download.status).toBe(403);
    expect((await call('POST', '/api/v1/agents/web-1/accept', fleet.tokens.admin)).status).toBe(200);
    expect(await agentNamed('web-1')).toMatchObject({ status: 'active' });
    expect((await call('POST', '/api/v1/agents/web-1/accept', fleet.tokens.admin)).json.error?.code).toBe('SLIPWAY_AGENT_NOT_PENDING');
    expect(await eventKinds()).toContain('agent.accepted');
  }, 60_000);

  it('refuses to enroll a name that is taken, unless an admin allowed it once; then the id and labels stay and only the new token works', async () => {
    const first = await agentNamed('web-1');
    const oldToken = agents[0]!.token;
    const takeover = await enroll('web-1', { env: 'production', role: 'runner' });
    expect(takeover.status).toBe(409);
    expect(takeover.json.error?.code).toBe('SLIPWAY_AGENT_NAME_TAKEN');
    expect((await call('GET', `/api/v1/artifacts/${'0'.repeat(64)}`, oldToken)).status).toBe(404); // still its token

    expect((await call('POST', `/api/v1/agents/${first.id}/allow-enroll`, fleet.tokens.admin)).status).toBe(200);
    const again = await enroll('web-1', { env: 'testing', role: 'runner' });
    expect(again.status).toBe(201);
    expect(again.json).toMatchObject({ agentId: first.id });
    expect(await agentNamed('web-1')).toMatchObject({ id: first.id, labels: { env: 'production' }, status: 'active', enrollAllowed: false });
    expect((await call('GET', `/api/v1/artifacts/${'0'.repeat(64)}`, oldToken)).status).toBe(401);
    // One time only.
    expect((await enroll('web-1', { env: 'production' })).status).toBe(409);
    agents[0]!.close();
  }, 60_000);

  it('clamps a forged time to the server\'s clock and cuts a line longer than 64 KiB, marking the cut', async () => {
    const logger = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'logger-1', { env: 'testing' });
    agents.push(logger);
    expect((await call('POST', '/api/v1/agents/logger-1/accept', fleet.tokens.admin)).status).toBe(200);
    await logger.send([
      { seq: 1, at: Date.UTC(2100, 0, 1), stream: 'app', text: 'from the future' },
      { seq: 2, at: Date.now(), stream: 'app', text: `${'x'.repeat(1024 * 1024)}tail` },
    ]);
    const lines = (await fleet.api.get<LogSearchAnswer>('/api/v1/logs?host=logger-1&order=asc&limit=10')).lines;
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.text === 'from the future')!.at).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    expect(lines.find((l) => l.text.startsWith('x'))!.text).toBe(`${'x'.repeat(65_536)} … [cut at 65536 bytes]`);
  }, 60_000);

  it('cuts a line\'s stream, level, app and env to 200 characters: a 15 MiB line does not come back in another field', async () => {
    const logger = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'logger-2', { env: 'testing' });
    agents.push(logger);
    expect((await call('POST', '/api/v1/agents/logger-2/accept', fleet.tokens.admin)).status).toBe(200);
    const huge = 'y'.repeat(1024 * 1024);
    await logger.send([{ seq: 1, at: Date.now(), stream: `s${huge}`, level: `l${huge}`, app: `a${huge}`, env: `e${huge}`, text: 'fields' }]);
    const [line] = (await fleet.api.get<LogSearchAnswer>('/api/v1/logs?host=logger-2&limit=10')).lines;
    expect(line).toMatchObject({ text: 'fields', stream: `s${'y'.repeat(199)}`, level: `l${'y'.repeat(199)}`, app: `a${'y'.repeat(199)}`, env: `e${'y'.repeat(199)}` });
  }, 60_000);

  it('refuses an enrollment whose address or labels are larger than any host\'s, naming what is wrong', async () => {
    const huge = 'h'.repeat(100_000);
    for (const body of [
      { name: 'big-1', labels: {}, address: huge, port: null },
      { name: 'big-2', labels: { env: huge }, address: '127.0.0.1', port: null },
      { name: 'big-3', labels: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`l${i}`, 'x'])), address: '127.0.0.1', port: null },
      { name: 'big-4', labels: { 'bad label\n': 'x' }, address: '127.0.0.1', port: null },
    ]) {
      const refused = await call('POST', '/api/v1/agents/enroll', fleet.tokens.join, body);
      expect(refused.status, body.name).toBe(400);
      expect(refused.json.error?.code).toBe('SLIPWAY_INVALID_REQUEST');
    }
    expect((await fleet.api.get<Agent[]>('/api/v1/agents')).map((a) => a.name)).not.toContain('big-1');
  }, 60_000);

  it('refuses a revoked agent\'s token at once and closes its open connection', async () => {
    const db = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'db-1', { env: 'production' });
    agents.push(db);
    expect((await call('POST', '/api/v1/agents/db-1/accept', fleet.tokens.admin)).status).toBe(200);
    expect((await call('GET', `/api/v1/artifacts/${'0'.repeat(64)}`, db.token)).status).toBe(404);
    expect(db.closedWith).toBeUndefined();

    expect((await call('POST', '/api/v1/agents/db-1/revoke', fleet.tokens.join)).status).toBe(403);
    const revoked = await call('POST', '/api/v1/agents/db-1/revoke', fleet.tokens.admin);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ status: 'revoked' });
    expect((await call('GET', `/api/v1/artifacts/${'0'.repeat(64)}`, db.token)).status).toBe(401);
    await waitFor('the server to close the revoked agent\'s connection', () => db.closedWith === 4001, { timeoutMs: 10_000 });
    await expect(db.connect()).rejects.toThrow(/401/);
    expect(await eventKinds()).toContain('agent.revoked');
  }, 60_000);

  it('removes an agent: its token is refused, its connection closed, it is in no environment, and its name enrolls anew', async () => {
    const lock = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'fake-prod', { env: 'production' });
    agents.push(lock);
    expect((await call('POST', '/api/v1/agents/fake-prod/accept', fleet.tokens.admin)).status).toBe(200);
    const removed = await call('DELETE', '/api/v1/agents/fake-prod', fleet.tokens.admin);
    expect(removed.status).toBe(200);
    await waitFor('the server to close the removed agent\'s connection', () => lock.closedWith === 4001, { timeoutMs: 10_000 });
    expect((await call('GET', `/api/v1/artifacts/${'0'.repeat(64)}`, lock.token)).status).toBe(401);
    expect(await agentNamed('fake-prod')).toMatchObject({ status: 'removed', online: false });
    expect((await call('DELETE', '/api/v1/agents/fake-prod', fleet.tokens.admin)).json.error?.code).toBe('SLIPWAY_AGENT_REMOVED');
    // Its name is free: a new host enrolls under it (pending, on this server) with its own labels.
    const anew = await enroll('fake-prod', { env: 'testing' });
    expect(anew.status).toBe(201);
    expect(await agentNamed('fake-prod')).toMatchObject({ status: 'pending', labels: { env: 'testing' } });
    expect(await eventKinds()).toContain('agent.removed');
  }, 60_000);
});
