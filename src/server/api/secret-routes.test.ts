// The secret routes on a real Fastify over a real SQLite store: what an admin sets comes back by
// name only, a refusal never repeats the value, and nobody without secret.manage gets in.
import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlipwayError } from '../../base/errors.ts';
import { systemClock } from '../../base/clock.ts';
import { addProject } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { authorizeRequests } from '../auth/authorize-requests.ts';
import { createPrincipalResolver } from '../auth/resolve-principal.ts';
import { EventLog } from '../engine/event-log.ts';
import { ProjectSecrets } from '../secrets/project-secrets.ts';
import { SecretCipher } from '../secrets/secret-cipher.ts';
import { secretRoutes } from './secret-routes.ts';

const admin = 'swa_test-admin-token-0123456789';
const statusOf: Record<string, number> = { input: 400, auth: 401, forbidden: 403, not_found: 404, conflict: 409 };

describe('secret routes', () => {
  let dir: string;
  let store: Store;
  let app: FastifyInstance;
  let secrets: ProjectSecrets;

  const call = async (method: string, path: string, body?: unknown, token = admin) => {
    const response = await app.inject({
      method: method as 'GET', url: path, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: response.statusCode, text: response.body, json: response.json<unknown>() };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-secret-routes-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    await addProject(store);
    secrets = new ProjectSecrets({ store, cipher: new SecretCipher(randomBytes(32)), log: pino({ level: 'silent' }) });
    app = Fastify();
    app.setErrorHandler((err: Error, _request, reply) => {
      const status = err instanceof SlipwayError ? statusOf[err.kind] ?? 500 : 500;
      return reply.code(status).send({ error: { code: err instanceof SlipwayError ? err.code : 'X', message: err.message } });
    });
    authorizeRequests(app, createPrincipalResolver({ store, tokens: { admin, join: 'swj_unused-join-token-0123456' } }));
    secretRoutes(app, { store, secrets, events: new EventLog(store, systemClock), clock: systemClock });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets, lists by name and removes, each change an event that names the secret and not its value', async () => {
    expect((await call('POST', '/api/v1/projects/hello/secrets', { name: 'DB_URL', value: 'postgres://u:pw@db/x', env: 'production' })).status).toBe(201);
    expect((await call('POST', '/api/v1/projects/hello/secrets', { name: 'DB_URL', value: 'postgres://u:pw2@db/x', env: 'production' })).status).toBe(200);
    const listed = await call('GET', '/api/v1/projects/hello/secrets');
    expect(listed.json).toEqual([{ name: 'DB_URL', env: 'production', build: false, updatedAt: expect.any(Number) as unknown }]);
    expect((await call('DELETE', '/api/v1/projects/hello/secrets/DB_URL')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/projects/hello/secrets/DB_URL?env=production')).json).toEqual({ removed: true });
    const events = await store.events.list({ limit: 10 });
    expect(events.map((e) => e.kind)).toEqual(['secret.set', 'secret.changed', 'secret.removed']);
    expect(JSON.stringify(events)).not.toContain('pw@db');
    expect(JSON.stringify(events)).not.toContain('pw2@db');
  });

  it('masks a value in logs from the moment it is set', async () => {
    await call('POST', '/api/v1/projects/hello/secrets', { name: 'API_KEY', value: 'key-0123456789' });
    expect(secrets.mask('calling with key-0123456789')).toBe('calling with ***');
  });

  it('refuses a bad request without repeating the value', async () => {
    const short = await call('POST', '/api/v1/projects/hello/secrets', { name: 'K', value: 'abc' });
    expect(short.status).toBe(400);
    expect(short.text).not.toContain('abc');
    const buildForEnv = await call('POST', '/api/v1/projects/hello/secrets', { name: 'NPM_TOKEN', value: 'npm-value-123', env: 'testing', build: true });
    expect(buildForEnv.status).toBe(400);
    expect(buildForEnv.text).toContain('--build');
    expect(buildForEnv.text).not.toContain('npm-value-123');
    const reserved = await call('POST', '/api/v1/projects/hello/secrets', { name: 'SLIPWAY_ENV', value: 'value-1234' });
    expect(reserved.status).toBe(400);
    expect(reserved.text).not.toContain('value-1234');
  });

  it('lets nobody without secret.manage read or change secrets', async () => {
    expect((await call('GET', '/api/v1/projects/hello/secrets', undefined, '')).status).toBe(401);
    expect((await call('GET', '/api/v1/projects/hello/secrets', undefined, 'swj_unused-join-token-0123456')).status).toBe(403);
    expect((await call('POST', '/api/v1/projects/hello/secrets', { name: 'K', value: 'value-1234' }, 'swj_unused-join-token-0123456')).status).toBe(403);
    expect(await store.secrets.list((await store.projects.getByName('hello'))!.id)).toEqual([]);
  });
});
