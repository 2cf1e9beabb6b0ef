// A commit whose slipway.yml is an alias bomb, pushed together with the commit that fixes it, on a
// real server and runner: the bomb commit becomes a failed run that says why, and the fix builds.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../src/core/api/answers.ts';
import type { Project, Run } from '../src/core/model.ts';
import { aliasBomb as aliasBombOf } from '../src/core/pipeline/alias-bomb-fixture.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const aliasBomb = aliasBombOf(7);

describe('a project whose slipway.yml turns hostile', () => {
  const fleet = new TestFleet('hostile-config');
  const run = (n: number) => fleet.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));
  const git = (...args: string[]) => execFileSync('git', args, {
    cwd: fleet.repo, encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@slipway.invalid', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@slipway.invalid' },
  }).trim();

  beforeAll(async () => {
    fleet.initRepo();
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    await waitFor('run #1', async () => (await fleet.api.get<Run[]>(projectPath('hello', '/runs'))).length === 1 || undefined);
  });

  afterAll(() => fleet.close());

  it('gives the bomb commit a failed run showing the problem, and builds the commit after it', async () => {
    const good = git('show', 'HEAD:slipway.yml');
    // Both commits reach main at once, as one push does: the poller sees them in one round.
    git('checkout', '-q', '-b', 'push');
    writeFileSync(join(fleet.repo, 'slipway.yml'), aliasBomb);
    git('commit', '-q', '-am', 'A hostile slipway.yml');
    const bombSha = git('rev-parse', 'HEAD');
    writeFileSync(join(fleet.repo, 'slipway.yml'), `${good}\n`);
    git('commit', '-q', '-am', 'Back to a good slipway.yml');
    const fixSha = git('rev-parse', 'HEAD');
    git('checkout', '-q', 'main');
    git('merge', '-q', '--ff-only', 'push');

    const built = await waitFor('run #3 built', async () => {
      const r = await run(3).catch(() => undefined);
      return r?.stages.find((s) => s.name === 'build')?.status === 'succeeded' ? r : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200 });
    expect(built.sha).toBe(fixSha);

    const bomb = await run(2);
    expect(bomb).toMatchObject({ sha: bombSha, status: 'failed', config: null, stages: [] });
    expect(bomb.error).toBe('slipway.yml:2:8: too many aliases: expanding them repeats values more than 100 times (an alias bomb?); write the values out instead');
    expect((await fleet.api.get<Project>(projectPath('hello'))).pollError).toBeNull();
  });
});
