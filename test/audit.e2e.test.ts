// The audit log through a real server, its HTTP API and the real CLI: a deployer granted on testing
// is refused on production and the refusal is recorded with who and from where, and `slipway audit
// verify` fails, naming the entry, once an entry is changed or deleted in the database behind the
// server's back.
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntryAnswer } from '../src/core/api/answers.ts';
import type { Run } from '../src/core/model.ts';
import { cliEnv, runSlipway } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';

const fleet = new TestFleet('audit');

const slipway = (args: string[], token = fleet.tokens.admin) => runSlipway(args, { env: cliEnv(fleet.url, token) });

beforeAll(async () => {
  fleet.initRepo();
  await fleet.startServer();
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, poll: '1h' });
}, 60_000);

afterAll(async () => {
  await fleet.close();
});

describe('the audit log of a real server', () => {
  it('records a deployer on testing refused on production, with the user, the address and the code', async () => {
    const added = await slipway(['user', 'add', 'bob', '--email', 'bob@example.com']);
    expect(added.code, added.stderr).toBe(0);
    const bobToken = /swu_[A-Za-z0-9_-]+/.exec(added.stdout)?.[0];
    expect(bobToken, added.stdout).toBeDefined();
    expect((await slipway(['grant', 'bob', 'deployer', '--project', 'hello', '--env', 'testing'])).code).toBe(0);

    const refused = await fetch(`${fleet.url}/api/v1/projects/hello/deployments`, {
      method: 'POST', headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '1-0123456', env: 'production' }),
    });
    expect(refused.status).toBe(403);

    const listed = await slipway(['audit', '--json', '--actor', 'bob']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout) as AuditEntryAnswer[]).toMatchObject([{
      actor: 'bob', address: '127.0.0.1', action: 'deployment.deploy', project: 'hello', outcome: 'refused', code: 'SLIPWAY_FORBIDDEN',
      message: 'bob may not deploy a version (project hello, environment production)',
    }]);
    const admin = JSON.parse((await slipway(['audit', '--json', '--actor', 'admin', '--since', '1h'])).stdout) as AuditEntryAnswer[];
    expect(admin.map((e) => [e.action, e.target])).toEqual([['grant.add', 'user:bob'], ['user.add', 'user:bob'], ['project.add', 'project:hello']]);
    const text = await slipway(['audit', '--project', 'hello']);
    expect(text.stdout).toMatch(/ bob {2}127\.0\.0\.1 {2}deployment\.deploy {2}POST \/api\/v1\/projects\/hello\/deployments {2}refused SLIPWAY_FORBIDDEN/);

    // Bob may not read the audit log; trying is recorded too.
    const peek = await slipway(['audit'], bobToken);
    expect(peek).toMatchObject({ code: 1, stderr: expect.stringContaining('bob may not read the audit log') as string });
  }, 60_000);

  it('records a run started by hand through the real commit trigger, in the run\'s own transaction', async () => {
    const started = await slipway(['run', 'hello', '--detach']);
    expect(started.code, started.stderr).toBe(0);
    // The poller's first look made run #1 (nobody's request: no entry); this one is the admin's.
    const mine = (await fleet.api.get<Run[]>('/api/v1/projects/hello/runs')).find((r) => r.requestedBy === 'admin')!;
    const [entry] = JSON.parse((await slipway(['audit', '--json', '--project', 'hello', '--limit', '1'])).stdout) as AuditEntryAnswer[];
    expect(entry).toMatchObject({ actor: 'admin', action: 'run.start', target: `run:hello#${mine.number}`, outcome: 'ok', after: { number: mine.number, ref: 'main' } });
    expect((JSON.parse((await slipway(['audit', '--json', '--project', 'hello'])).stdout) as AuditEntryAnswer[]).filter((e) => e.action === 'run.start')).toHaveLength(1);
  }, 60_000);

  it('fails `slipway audit verify` on an entry changed with SQL, and on one deleted', async () => {
    const intact = await slipway(['audit', 'verify']);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/^audit log intact: \d+ entries/);

    const db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'));
    try {
      const { actor } = db.prepare('select actor from audit_entries where seq = 2').get() as { actor: string };
      db.prepare("update audit_entries set actor = 'nobody' where seq = 2").run();
      const changed = await slipway(['audit', 'verify']);
      expect(changed).toMatchObject({ code: 1, stdout: '' });
      expect(changed.stderr).toBe('slipway: audit log broken at entry 2 (changed): entry 2 was changed: its fields no longer give its hash\n');

      db.prepare('update audit_entries set actor = ? where seq = 2').run(actor);
      expect((await slipway(['audit', 'verify'])).code).toBe(0);
      db.prepare('delete from audit_entries where seq = 3').run();
      const deleted = await slipway(['audit', 'verify', '--json']);
      expect(deleted.code).toBe(1);
      expect(JSON.parse(deleted.stdout)).toMatchObject({ ok: false, seq: 3, problem: 'deleted' });
      expect(deleted.stderr).toContain('audit log broken at entry 3 (deleted)');
    } finally {
      db.close();
    }
  }, 60_000);
});
