// A rollback rehearsal that would come too late (issue 9): while a run's testing verify still ran,
// a person rolled testing back (quarantining the run's version). The run must not then rehearse
// and put that version back on a host: its stage fails, saying why, and every host keeps the
// version the rollback put there.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { AgentView, DeploymentDetail, RunDetail } from '../src/core/api/answers.ts';
import { cliEnv, runSlipway } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const hosts = ['testing-1', 'testing-2'];

describe('a rollback rehearsal after the environment moved on', () => {
  const fleet = new TestFleet('moved-on');
  // The verify of testing waits for this file: the test decides when it passes.
  const gateDir = mkdtempSync(join(tmpdir(), 'slipway-gate-'));
  const gate = join(gateDir, 'open');
  const cli = (args: string[]) => runSlipway(args, { env: cliEnv(fleet.url, fleet.tokens.admin) });
  const run = (n: number) => fleet.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));
  const waitForRun = (n: number, what: string, done: (r: RunDetail) => boolean) =>
    waitFor(`run #${n} ${what}`, async () => {
      const r = await run(n);
      return done(r) ? r : undefined;
    }, { timeoutMs: 120_000, intervalMs: 300 });
  const versionsOn = async () => Promise.all(hosts.map(async (name) => (await fleet.appAnswer(name))?.trim().split(' ').at(-1)));

  beforeAll(async () => {
    // Steps run as nobody: the gate's folder must let them look.
    chmodSync(gateDir, 0o755);
    writeFileSync(gate, '');
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of hosts) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
    await waitFor('three agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 3);
    fleet.initRepo(() => {
      fleet.editFile('slipway.yml', (y) => `${y.slice(0, y.indexOf('environments:'))}migrate:
  run: echo "migrating to $SLIPWAY_VERSION"
environments:
  testing:
    hosts: { env: testing }
    batch: 1
    verify:
      - name: gate
        run: while [ ! -f ${gate} ]; do sleep 0.2; done
`);
    });
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  }, 60_000);

  afterAll(async () => {
    await fleet.close();
    rmSync(gateDir, { recursive: true, force: true });
  });

  it('fails the stage instead of putting the rolled-back version back on a host', async () => {
    const first = await waitForRun(1, 'to succeed', (r) => r.status === 'succeeded');
    rmSync(gate);
    fleet.commit('Second version', (repo) => writeFileSync(join(repo, 'NOTE'), 'two\n'));
    const verifying = await waitForRun(2, 'to verify testing', (r) => r.stages.find((s) => s.name === 'testing')?.status === 'verifying');
    expect(await versionsOn()).toEqual([verifying.version, verifying.version]);

    // A person rolls testing back while the verify still runs: every host goes back to the first version.
    const rollback = await cli(['rollback', 'hello', '--env', 'testing']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await versionsOn()).toEqual([first.version, first.version]);

    writeFileSync(gate, '');
    const done = await waitForRun(2, 'to end', (r) => r.status !== 'running' && r.status !== 'queued');
    const testing = done.stages.find((s) => s.name === 'testing')!;
    expect(testing).toMatchObject({ status: 'failed', rehearsalId: null });
    expect(testing.error).toBe(`the rollback rehearsal did not run: the rollback to ${first.version} (by admin) changed testing after ${done.version}, `
      + `so ${done.version} no longer runs there to rehearse against; its rollback safety is not known`);
    // Nothing put the quarantined version back.
    expect(await versionsOn()).toEqual([first.version, first.version]);
    const deployments = await Promise.all(done.deployments.map((d) => fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${d.id}`)));
    expect(deployments.filter((d) => d.kind === 'rehearsal')).toEqual([]);
  });
});
