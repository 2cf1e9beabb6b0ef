// A rollback rehearsal behind a real HAProxy (issues 8 and 9): the environment migrates and
// rehearses its rollback, with a load generator sending requests through HAProxy all along. The
// rehearsal restarts one host twice (the previous release, then the new one again): like any
// restart behind the load balancer, it must happen out of the pool, so every request gets a 2xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail } from '../src/core/api/answers.ts';
import { LbTestGround } from './support/lb-test-ground.ts';
import { waitFor } from './support/wait-for.ts';

const ground = new LbTestGround({
  name: 'lb-rehearsal.e2e',
  editRepo: (fleet) => fleet.editFile('slipway.yml', (y) => y
    .replace('environments:', 'migrate:\n  run: echo "migrating to $SLIPWAY_VERSION"\nenvironments:')
    .replace('  production:\n', '  production:\n    rehearseRollback: true\n')),
});
const { names } = ground;

describe.skipIf(LbTestGround.skips('lb-rehearsal.e2e'))('a rollback rehearsal through a real HAProxy under load', () => {
  beforeAll(() => ground.start(), 120_000);
  afterAll(() => ground.tearDown());

  it('rehearses the rollback on a host out of the pool: every request answered 2xx, every host back in the pool', async () => {
    expect((await ground.runEnded(1)).status).toBe('succeeded');
    await ground.haproxy.waitUntilAllUp();
    const load = await ground.startLoad();
    await waitFor('the first answers', () => load.snapshot().ok > 50);
    ground.fleet.commit('A second version', () => ground.fleet.editFile('server.js', (t) => `${t}// version two\n`));
    const run = await ground.runEnded(2);
    const counts = await load.stop();
    ground.report('rollout and rehearsal of run #2', counts);

    expect({ run: run.status, error: run.error }).toEqual({ run: 'succeeded', error: null });
    const stage = run.stages.find((s) => s.name === 'production')!;
    const rehearsal = await ground.fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${stage.rehearsalId!}`);
    expect(rehearsal).toMatchObject({ kind: 'rehearsal', status: 'succeeded', hosts: [{ hostName: 'host-1', step: 'restored_ready' }] });
    expect(counts.examples).toEqual({ non2xx: [], connectionErrors: [] });
    expect(counts.ok).toBe(counts.sent);
    expect(await ground.adminStates()).toEqual(names.map((n) => [n, 'ready']));
    for (const name of names) expect(await ground.answerOf(name)).toBe(`hello from ${name}, running version ${run.version}`);
  });
});
