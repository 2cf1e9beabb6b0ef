// A request served by one instance wakes the engine of the instance that runs it (PostgreSQL,
// SLIPWAY_TEST_POSTGRES_URL): without it, that engine would notice only at its next tick.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPostgresDatabase, skipWithoutPostgres, type PostgresDatabase } from '../../../test/support/postgres-database.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { startServer, type RunningServer } from '../server-main.ts';

describe.skipIf(skipWithoutPostgres)('waking the engine across instances', () => {
  let database: PostgresDatabase | undefined;
  let dir = '';
  const servers: RunningServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0).reverse()) await server.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('wakes the engine of the instance holding its lease when an agent is changed through another', async () => {
    database = await createPostgresDatabase('slipway_wake');
    dir = await mkdtemp(join(tmpdir(), 'slipway-wake-'));
    // A tick far away: only a wake-up makes the engine look soon.
    const options = { dataDir: dir, port: 0, logLevel: 'silent' as const, databaseUrl: database.url, limits: { tickMs: 600_000 } };
    const a = await startServer({ ...options, instanceName: 'a' });
    servers.push(a);
    const b = await startServer({ ...options, instanceName: 'b' });
    servers.push(b);
    const enrolled = await fetch(`${b.url}/api/v1/agents/enroll`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${b.tokens.join}` },
      body: JSON.stringify({ name: 'web-1', labels: { env: 'testing' } }),
    });
    expect(enrolled.status).toBe(201);
    const { agentId } = (await enrolled.json()) as { agentId: string };
    // A new agent wakes nobody (it changes nothing the engine sees until it connects); new labels do.
    const wakes = vi.spyOn(a.engine, 'wake');
    const relabelled = await fetch(`${b.url}/api/v1/agents/${agentId}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${b.tokens.admin}` },
      body: JSON.stringify({ labels: { env: 'production' } }),
    });
    expect(relabelled.status).toBe(200);
    await waitFor('instance A\'s engine to be woken', () => wakes.mock.calls.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
    // A wake-up for anything (no command id): a look at everything.
    expect(wakes.mock.calls[0]?.[0]).toBeUndefined();
  }, 60_000);
});
