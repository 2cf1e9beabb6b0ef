// Runs the Store contract against PostgreSQL (SLIPWAY_TEST_POSTGRES_URL), each store in a fresh
// schema dropped afterwards, plus what only this adapter promises: several instances, one database.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, InputError } from '../../base/errors.ts';
import { describeStoreContract } from '../store-contract.ts';
import type { Store } from '../store.ts';
import { dropSchemas } from './drop-schemas-fixture.ts';
import { openPostgresStore } from './postgres-store.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;

if (url === undefined || url === '') {
  if (process.env.CI === 'true') {
    describe('PostgresStore', () => {
      it('runs in CI, which must set SLIPWAY_TEST_POSTGRES_URL', () => {
        throw new Error('SLIPWAY_TEST_POSTGRES_URL is not set: CI must run the store contract against PostgreSQL');
      });
    });
  } else {
    describe.skip('PostgresStore (set SLIPWAY_TEST_POSTGRES_URL to run)', () => {
      it('runs the store contract against PostgreSQL', () => undefined);
    });
  }
} else {
  describePostgres(url);
}

function describePostgres(url: string): void {
  const schemas: string[] = [];
  const freshSchema = (): string => {
    const schema = `slipway_test_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
    schemas.push(schema);
    return schema;
  };

  afterAll(async () => {
    await dropSchemas(url, schemas);
    // About a hundred schemas of some twenty tables each: on a busy machine this takes more than
    // the default 10 s, and a timeout here would fail a suite whose tests all passed.
  }, 120_000);

  describeStoreContract('PostgresStore', () => openPostgresStore(url, { schema: freshSchema() }));

  /** Polls until a session waits on a lock in an insert into deployments (a unique index held by another transaction). */
  async function waitForInsertBlocked(): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await client.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'insert into "deployments"%'`,
        );
        if ((rows[0]?.n ?? 0) > 0) return;
        if (Date.now() > deadline) throw new Error('the second insert never waited on the first transaction');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await client.end();
    }
  }

  // Each test migrates fresh schemas from nothing (every migration, in two instances at once): seconds on a busy machine.
  describe('openPostgresStore', { timeout: 20_000 }, () => {
    async function twoInstances(): Promise<[Store, Store]> {
      const schema = freshSchema();
      const first = await openPostgresStore(url, { schema });
      return [first, await openPostgresStore(url, { schema })];
    }

    it('lets two server instances open one fresh schema at the same time', async () => {
      const schema = freshSchema();
      const stores = await Promise.all([openPostgresStore(url, { schema }), openPostgresStore(url, { schema })]);
      await stores[0].projects.create({ name: 'hello', repoUrl: 'r', branch: 'main', pollIntervalMs: 1, webhookSecret: 's' }, 1);
      expect(await stores[1].projects.getByName('hello')).toBeDefined();
      await Promise.all(stores.map((s) => s.close()));
    });

    it('never gives one job to runners of two server instances', async () => {
      const [a, b] = await twoInstances();
      const project = await a.projects.create({ name: 'hello', repoUrl: 'r', branch: 'main', pollIntervalMs: 1, webhookSecret: 's' }, 1);
      const run = await a.runs.create({
        projectId: project.id, sha: '0123456789', ref: 'main', message: 'm', author: 'a', trigger: 'manual',
        config: null, error: null, stages: [{ name: 'build', kind: 'build' }],
      }, 1);
      const [stage] = await a.runs.stages(run.id);
      for (let i = 0; i < 6; i++) {
        await a.jobs.create({ owner: { kind: 'stage', runId: run.id, stageId: stage!.id }, kind: 'build', spec: {
          jobId: `job-${i}`, runId: run.id, deploymentId: null, kind: 'build', project: 'hello', sha: '0123456789', version: '1-0123456',
          sourcePath: '/src.tar.gz', steps: [], artifactPaths: [], env: {},
        } }, i);
      }
      const runners = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        a.agents.enroll({ name: `runner-${i}`, labels: { role: 'runner' }, tokenHash: `t${i}`, address: 'x', port: null }, 1)));
      // Runners i and i + 6 go for the same job, through different instances.
      const claims = await Promise.all(runners.map((r, i) => (i % 2 === 0 ? a : b).jobs.claim(`job-${i % 6}`, r.id, `c${i}`, 2)));
      const won = runners.flatMap((_, i) => (claims[i] ? [`job-${i % 6}`] : []));
      expect(won.sort()).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4', 'job-5']);
      await Promise.all([a.close(), b.close()]);
    });

    it('numbers runs created by two server instances at once without repeats', async () => {
      const [a, b] = await twoInstances();
      const project = await a.projects.create({ name: 'hello', repoUrl: 'r', branch: 'main', pollIntervalMs: 1, webhookSecret: 's' }, 1);
      const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).runs.create({
        projectId: project.id, sha: '0123456789', ref: 'main', message: 'm', author: 'a', trigger: 'poll',
        config: null, error: null, stages: [],
      }, i)));
      expect(runs.map((r) => r.number).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await Promise.all([a.close(), b.close()]);
    });

    it('refuses the second of two deployments two instances start at once, and the loser\'s transaction carries on', async () => {
      const [a, b] = await twoInstances();
      const project = await a.projects.create({ name: 'hello', repoUrl: 'r', branch: 'main', pollIntervalMs: 1, webhookSecret: 's' }, 1);
      const run = await a.runs.create({
        projectId: project.id, sha: '0123456789', ref: 'main', message: 'm', author: 'a', trigger: 'manual', config: null, error: null, stages: [],
      }, 1);
      const web1 = await a.agents.enroll({ name: 'web-1', labels: {}, tokenHash: 't', address: 'x', port: null }, 1);
      const deployment = (requestedBy: string) => ({
        projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'deploy' as const, batch: 1, forced: false, requestedBy,
      });
      const hosts = [{ agentId: web1.id, hostName: 'web-1', batch: 0 }];
      let created!: () => void;
      let release!: () => void;
      const firstCreated = new Promise<void>((resolve) => (created = resolve));
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = a.transaction(async (tx) => {
        const d = await tx.deployments.create(deployment('a'), hosts, 2);
        created();
        await held;
        return d;
      });
      await firstCreated;
      // b reads no active deployment (a has not committed), so its insert waits on the unique index.
      const second = b.transaction(async (tx) => {
        const refused = tx.deployments.create(deployment('b'), hosts, 3).then(() => undefined, (error: unknown) => error);
        await waitForInsertBlocked();
        release();
        const error = await refused;
        expect(error).toBeInstanceOf(ConflictError);
        expect(error).toMatchObject({ code: 'SLIPWAY_DEPLOYMENT_ACTIVE' });
        await tx.events.append({ at: 4, kind: 'deployment.refused', projectId: project.id, runId: null, deploymentId: null, message: 'm', data: {} });
      });
      const [won] = await Promise.all([first, second]);
      expect(await b.deployments.listActive()).toEqual([won]);
      expect((await b.events.list({ limit: 10 })).map((e) => e.kind)).toEqual(['deployment.refused']);
      await Promise.all([a.close(), b.close()]);
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      await expect(openPostgresStore(url, { schema: 'x"; drop table y; --' })).rejects.toBeInstanceOf(InputError);
    });

    it('reports a database it cannot reach without showing the password', async () => {
      const unreachable = 'postgres://slipway:hunter2@127.0.0.1:1/slipway';
      const opening = openPostgresStore(unreachable);
      await expect(opening).rejects.toMatchObject({ code: 'SLIPWAY_STORAGE_OPEN_FAILED' });
      await expect(opening).rejects.not.toThrow(/hunter2/);
    });
  });
}
