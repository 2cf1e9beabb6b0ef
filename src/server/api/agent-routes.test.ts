// Enrolling through the real route: what a host that enrolls again under its old id is sent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnrollmentAnswer } from '../../core/api/answers.ts';
import type { Command } from '../../core/protocol/messages.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';

const JOIN = 'swj_fixture-join-token';

let api: ApiFixture;
beforeEach(async () => {
  api = await startApiFixture();
});
afterEach(async () => api.close());

const migrate: Command = {
  kind: 'migrate', app: 'shop', version: '12-abc1234', env: 'production', deploymentId: 'dep-7', runId: 'run-3',
  run: './migrate.sh up', timeoutMs: 300_000, port: 4100,
};

describe('POST /api/v1/agents/enroll', () => {
  it('never hands a migration in flight to the host enrolled again: it is answered "outcome unknown", and the other commands still go', async () => {
    const first = await api.call('POST', '/api/v1/agents/enroll', { name: 'db-host', labels: { env: 'production' } }, JOIN);
    expect(first.status).toBe(201);
    const agentId = (await api.store.agents.getByName('db-host'))!.id;
    // The migration was sent and the host went away while it ran: whether it ran is not known.
    await api.store.commands.create({ id: 'cmd-migrate', agentId, command: migrate }, 10);
    await api.store.commands.create({ id: 'cmd-deactivate', agentId, command: { kind: 'deactivate', app: 'shop' } }, 11);

    // The host is reinstalled (a fresh disk: no marker of the migration) and enrolls again under its id.
    expect((await api.call('POST', '/api/v1/agents/db-host/allow-enroll')).status).toBe(200);
    const again = await api.call('POST', '/api/v1/agents/enroll', { name: 'db-host', labels: { env: 'production' } }, JOIN);
    expect(again.status).toBe(201);
    expect((again.body as EnrollmentAnswer).agentId).toBe(agentId);

    expect((await api.store.commands.listPending(agentId)).map((c) => c.id)).toEqual(['cmd-deactivate']);
    expect((await api.store.commands.get('cmd-migrate'))!.result).toMatchObject({
      ok: false, step: 'migrate', errorCode: 'SLIPWAY_MIGRATION_OUTCOME_UNKNOWN',
      error: 'agent db-host enrolled again while this migration was in flight: whether it ran is not known, so it is not run again: check the database, then deploy again',
    });
  });

  it('answers the migration in flight "outcome unknown", not "failed", when its removed host enrolls anew', async () => {
    await api.call('POST', '/api/v1/agents/enroll', { name: 'db-host', labels: { env: 'production' } }, JOIN);
    const agentId = (await api.store.agents.getByName('db-host'))!.id;
    await api.store.commands.create({ id: 'cmd-migrate', agentId, command: migrate }, 10);

    expect((await api.call('DELETE', '/api/v1/agents/db-host')).status).toBe(200);
    expect((await api.call('POST', '/api/v1/agents/enroll', { name: 'db-host', labels: { env: 'production' } }, JOIN)).status).toBe(201);

    expect(await api.store.commands.listPending(agentId)).toEqual([]);
    expect((await api.store.commands.get('cmd-migrate'))!.result).toMatchObject({ ok: false, step: 'migrate', errorCode: 'SLIPWAY_MIGRATION_OUTCOME_UNKNOWN' });
  });
});
