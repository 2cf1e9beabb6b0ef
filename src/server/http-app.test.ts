// The HTTP app's authorization as callers meet it, over a real SQLite store: every route declares
// a permission, credentials are answered 401 or 403 with stable codes, and "who did it" is the
// principal, never a name in the body.
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../base/clock.ts';
import { addProject, newRun } from '../storage/contract/fixtures.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/store.ts';
import type { ApiDeps } from './api/api-deps.ts';
import { hashToken } from './auth/tokens.ts';
import { EventLog } from './engine/event-log.ts';
import { buildHttpApp } from './http-app.ts';

const tokens = { admin: 'swa_admin-token-for-tests', join: 'swj_join-token-for-tests' };
const webToken = 'swt_token-of-web-1';
const runnerToken = 'swt_token-of-runner-1';

describe('the HTTP app', () => {
  let dir: string;
  let store: Store;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-http-app-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    // Only what the requests below reach is real; the rest would throw if a route touched it.
    const deps = {
      store, tokens, events: new EventLog(store, systemClock), clock: systemClock, log: pino({ level: 'silent' }),
      wakeEngine: () => undefined, maxArtifactBytes: 1024 * 1024,
      blobs: {}, gateway: {}, mirrors: {}, trigger: {}, logTail: {},
    } as unknown as ApiDeps;
    // Building it is the walk over every route: one that declares no permission throws here.
    app = await buildHttpApp(deps);
    await store.agents.enroll({ name: 'web-1', labels: { env: 'production' }, tokenHash: hashToken(webToken), address: '127.0.0.1', port: null }, 1);
    await store.agents.enroll({ name: 'runner-1', labels: { role: 'runner' }, tokenHash: hashToken(runnerToken), address: '127.0.0.1', port: null }, 1);
  });

  afterEach(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, token?: string, payload?: object) =>
    app.inject({ method, url, ...(payload ? { payload } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('refuses a project whose repository is on the server itself: a path, file:, loopback or link-local', async () => {
    for (const repo of ['/etc', 'file:///etc', 'http://127.0.0.1:22/x.git', 'http://localhost:6379/x', 'http://169.254.169.254/latest/meta-data', 'ssh://git@localhost/x.git']) {
      const answer = await call('POST', '/api/v1/projects', tokens.admin, { name: 'probe', repo });
      expect(answer.statusCode, repo).toBe(400);
      expect(answer.json(), repo).toMatchObject({ error: { code: 'SLIPWAY_LOCAL_REPO_REFUSED' } });
    }
    expect(await store.projects.list()).toEqual([]);
  });

  it('answers 401 SLIPWAY_UNAUTHORIZED without a token and with a token nobody issued', async () => {
    for (const token of [undefined, 'swa_forged']) {
      const answer = await call('GET', '/api/v1/projects', token);
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toMatchObject({ error: { code: 'SLIPWAY_UNAUTHORIZED' } });
    }
  });

  it('answers 403 SLIPWAY_FORBIDDEN to the join token and to agents on the routes of people', async () => {
    for (const token of [tokens.join, webToken, runnerToken]) {
      const answer = await call('GET', '/api/v1/projects', token);
      expect(answer.statusCode).toBe(403);
      expect(answer.json()).toMatchObject({ error: { code: 'SLIPWAY_FORBIDDEN' } });
    }
    expect((await call('PATCH', '/api/v1/agents/web-1', webToken, { labels: { role: 'runner' } })).statusCode).toBe(403);
  });

  it('lets the admin and nobody else in, and keeps health public', async () => {
    expect((await call('GET', '/api/v1/projects', tokens.admin)).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/agents', tokens.admin)).json()).toHaveLength(2);
    expect((await call('GET', '/api/v1/agents', tokens.join)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/health')).statusCode).toBe(200);
  });

  it('lets agents download but only runners upload artifacts', async () => {
    const missing = `/api/v1/artifacts/${'0'.repeat(64)}`;
    expect((await call('GET', missing, webToken)).statusCode).toBe(404);
    expect((await call('GET', missing)).statusCode).toBe(401);
    const upload = await app.inject({ method: 'PUT', url: '/api/v1/artifacts', payload: Buffer.from('x'), headers: { authorization: `Bearer ${webToken}`, 'content-type': 'application/gzip' } });
    expect(upload.statusCode).toBe(403);
    expect(upload.json()).toMatchObject({ error: { code: 'SLIPWAY_FORBIDDEN', message: expect.stringContaining('runners only') as string } });
  });

  it('lets only the join token enroll', async () => {
    const body = { name: 'web-2', labels: { env: 'testing' } };
    expect((await call('POST', '/api/v1/agents/enroll', tokens.admin, body)).statusCode).toBe(201);
    expect((await call('POST', '/api/v1/agents/enroll', webToken, body)).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/agents/enroll', tokens.join, { ...body, name: 'web-3' })).statusCode).toBe(201);
  });

  it('records the principal as the approver, not the "by" in the body', async () => {
    const project = await addProject(store);
    const run = await store.runs.create(newRun(project.id), 1);
    const answer = await call('POST', `/api/v1/projects/hello/runs/${run.number}/approve`, tokens.admin, { env: 'production', by: 'mallory' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ name: 'production', approvedBy: 'admin' });
    expect((await store.runs.stages(run.id)).find((s) => s.name === 'production')?.approvedBy).toBe('admin');
    const [event] = await store.events.list({ runId: run.id, limit: 10 });
    expect(event).toMatchObject({ kind: 'gate.approved', actor: 'admin' });
    expect(JSON.stringify(event)).not.toContain('mallory');
  });

  it('refuses an approval the rule does not allow, with the rule\'s code', async () => {
    const project = await addProject(store);
    const run = await store.runs.create(newRun(project.id), 1);
    const answer = await call('POST', `/api/v1/projects/hello/runs/${run.number}/approve`, tokens.admin, { env: 'testing' });
    expect(answer.statusCode).toBe(409);
    expect(answer.json()).toMatchObject({ error: { code: 'SLIPWAY_APPROVAL_NOT_REQUIRED' } });
  });

  it('changes an agent\'s labels for an admin, and records who did it', async () => {
    const answer = await call('PATCH', '/api/v1/agents/web-1', tokens.admin, { labels: { env: 'production', role: 'web' } });
    expect(answer.statusCode).toBe(200);
    const agent = (await store.agents.list()).find((a) => a.name === 'web-1');
    expect(agent?.labels).toEqual({ env: 'production', role: 'web' });
    const events = await store.events.list({ limit: 10 });
    expect(events.at(-1)).toMatchObject({ kind: 'agent.labels_changed', actor: 'admin', data: { before: { env: 'production' }, after: { env: 'production', role: 'web' } } });
    expect((await call('PATCH', '/api/v1/agents/nobody', tokens.admin, { labels: {} })).json()).toMatchObject({ error: { code: 'SLIPWAY_AGENT_NOT_FOUND' } });
  });

  it('refuses the agent WebSocket before the upgrade: 401 to unknown tokens, 403 to the admin', async () => {
    const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws');
    const status = (token: string) => new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${url}/api/v1/agent`, { headers: { authorization: `Bearer ${token}` } });
      socket.once('unexpected-response', (_request, response) => {
        socket.terminate();
        resolve(response.statusCode ?? 0);
      });
      socket.once('open', () => reject(new Error('the upgrade was accepted')));
      socket.once('error', () => undefined);
    });
    expect(await status('swt_forged')).toBe(401);
    expect(await status(tokens.admin)).toBe(403);
  });
});
