// The audit hooks on a bare Fastify app over a real SQLite store: a route that changes something
// and declares no audit stops the start, one that forgets its entry answers 500, and an entry
// written in the change's transaction is kept exactly when the change is.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, SlipwayError } from '../../base/errors.ts';
import { BOOTSTRAP_ADMIN } from '../../core/access/principal.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog } from '../engine/event-log.ts';
import { audited, auditRequest, auditRequests, notAudited } from './audit-requests.ts';
import { authorizeRequests, requires } from './authorize-requests.ts';

let dir: string;
let store: Store;
let app: FastifyInstance;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-audit-hooks-'));
  store = await openSqliteStore(join(dir, 'slipway.db'));
  app = Fastify();
  app.setErrorHandler((err: Error, _request, reply) => reply.code(err instanceof SlipwayError && err.kind === 'conflict' ? 409 : 500).send({ message: err.message }));
  authorizeRequests(app, () => Promise.resolve(BOOTSTRAP_ADMIN));
  auditRequests(app, new EventLog(store, { now: () => 42 }));
});

afterEach(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('auditRequests', () => {
  it('refuses to register a route that changes something and declares no audit, and takes reads and declared exemptions', () => {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      expect(() => app[method]('/api/v1/forgotten', requires('project.create'), () => 'oops')).toThrow(`route ${method.toUpperCase()} /api/v1/forgotten declares no audit`);
    }
    expect(() => app.get('/api/v1/read', requires('project.read'), () => 'ok')).not.toThrow();
    expect(() => app.put('/api/v1/upload', notAudited('agents upload', requires('artifact.upload')), () => 'ok')).not.toThrow();
  });

  it('answers 500 SLIPWAY_AUDIT_MISSING when an audited route succeeds without writing its entry', async () => {
    app.post('/api/v1/things', audited('thing.add', requires('project.create')), () => ({ added: true }));
    const answer = await app.inject({ method: 'POST', url: '/api/v1/things' });
    expect(answer.statusCode).toBe(500);
    expect(answer.json()).toMatchObject({ error: { code: 'SLIPWAY_AUDIT_MISSING' } });
  });

  it('keeps the entry with the change it records, and drops it with a change that failed', async () => {
    const events = new EventLog(store, { now: () => 42 });
    app.post<{ Body: { fail: boolean } }>('/api/v1/things', audited('thing.add', requires('project.create')), async (request) => events.transaction(async (tx) => {
      await auditRequest(tx, request, { target: 'thing:1', after: { colour: 'blue' } });
      if (request.body.fail) throw new ConflictError('SLIPWAY_THING_TAKEN', 'taken');
      return { added: true };
    }));
    expect((await app.inject({ method: 'POST', url: '/api/v1/things', payload: { fail: true } })).statusCode).toBe(409);
    expect(await store.audit.list({ limit: 10 })).toEqual([]);
    expect((await app.inject({ method: 'POST', url: '/api/v1/things', payload: { fail: false } })).statusCode).toBe(200);
    expect(await store.audit.list({ limit: 10 })).toMatchObject([
      { seq: 1, at: 42, actor: 'admin', address: '127.0.0.1', action: 'thing.add', target: 'thing:1', outcome: 'ok', after: { colour: 'blue' } },
    ]);
  });
});
