// A real HTTP app (every route, the permission hook, the error mapping) over a real SQLite store,
// with the engine, agents and git stubbed out: for tests of who may call what. Requests go through
// `app.inject`, so no port is opened.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { expect } from 'vitest';
import type { Clock } from '../../base/clock.ts';
import type { NewTokenAnswer } from '../../core/api/answers.ts';
import type { Project, Run } from '../../core/model.ts';
import { newRun } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog, type Tx } from '../engine/event-log.ts';
import { LogTailHub } from '../logs/log-tail-hub.ts';
import { buildHttpApp } from '../http-app.ts';
import { ProjectSecrets } from '../secrets/project-secrets.ts';
import { SecretCipher } from '../secrets/secret-cipher.ts';
import type { CommitTrigger } from '../triggers/commit-trigger.ts';
import type { ApiDeps } from './api-deps.ts';

export const ADMIN_TOKEN = 'swa_fixture-admin-token';

export interface ApiAnswer {
  status: number;
  body: unknown;
  /** The error code of a refusal, if any. */
  code: string | undefined;
}

export interface ApiFixture {
  store: Store;
  /** The SQLite file behind `store`, for tests that tamper with it directly. */
  dbFile: string;
  app: FastifyInstance;
  /** A request as the holder of `token` (the bootstrap admin's by default). */
  call(method: 'GET' | 'POST' | 'DELETE' | 'PATCH', url: string, body?: unknown, token?: string): Promise<ApiAnswer>;
  close(): Promise<void>;
}

/**
 * Starts the app; `runRef` (runs by hand) creates the run with the stages of the fixtures' run.
 * Over a new SQLite store, or over `store` (a PostgreSQL one), which close() then closes.
 */
export async function startApiFixture(options: { store?: Store } = {}): Promise<ApiFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-api-'));
  const store = options.store ?? await openSqliteStore(join(dir, 'slipway.db'));
  let time = 1_000;
  const clock: Clock = { now: () => (time += 1) };
  const events = new EventLog(store, clock);
  // Like CommitTrigger.runRef without git: the run, and what the caller writes with it, in one transaction.
  const trigger = {
    runRef: (project: Project, ref: string, requestedBy: string, inTransaction?: (tx: Tx, run: Run) => Promise<void>) => events.transaction(async (tx) => {
      const run = await tx.store.runs.create(newRun(project.id, { ref, trigger: 'manual', requestedBy }), clock.now());
      await inTransaction?.(tx, run);
      return run;
    }),
  } as unknown as CommitTrigger;
  const deps = {
    store, clock, trigger, events,
    wakeEngine: () => undefined,
    logTail: new LogTailHub(),
    // No agent is connected through this app: there is no socket to close.
    gateway: { disconnect: () => undefined, forget: () => undefined },
    log: pino({ level: 'silent' }),
    secrets: new ProjectSecrets({ store, cipher: new SecretCipher(randomBytes(32)), log: pino({ level: 'silent' }) }),
    tokens: { admin: ADMIN_TOKEN, join: 'swj_fixture-join-token' },
    maxArtifactBytes: 1024,
  } as unknown as ApiDeps;
  const app = await buildHttpApp(deps);
  return {
    store,
    dbFile: join(dir, 'slipway.db'),
    app,
    async call(method, url, body, token = ADMIN_TOKEN) {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });
      const json = response.body ? response.json<unknown>() : undefined;
      return { status: response.statusCode, body: json, code: (json as { error?: { code?: string } } | undefined)?.error?.code };
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A grant as `POST /users/:name/grants` takes it. */
export interface GrantRequest {
  role: string;
  project?: string;
  env?: string;
}

/** Adds a user (as the bootstrap admin) with the grants given; returns their token. */
export async function addUserWith(api: ApiFixture, name: string, ...grants: GrantRequest[]): Promise<string> {
  const added = await api.call('POST', '/api/v1/users', { name, email: `${name}@example.com` });
  expect(added.status).toBe(201);
  for (const grant of grants) expect((await api.call('POST', `/api/v1/users/${name}/grants`, grant)).status).toBe(201);
  return (added.body as NewTokenAnswer).token;
}
