// Restart safety with real processes (DESIGN §2, §5): a server SIGKILLed in the middle of a
// production rollout resumes from its database and ends the deployment with every host on one
// version; an agent SIGKILLed in the middle of an activation fails its host, the other hosts roll
// back, and its own restore waits until it is back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentView, DeploymentDetail, RunDetail, RunSummary } from '../src/core/api/answers.ts';
import type { SlipwayEvent } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const hosts = ['production-1', 'production-2', 'production-3'];

/**
 * The sample project with one environment, production: three hosts activated one at a time, and
 * an app that waits 2 s before it listens, so that every activation has a middle to interrupt.
 */
function slowSample(fleet: TestFleet): void {
  fleet.editFile('slipway.yml', (y) => `${y.slice(0, y.indexOf('environments:'))}environments:
  production:
    hosts: { env: production }
    batch: 1
`);
  fleet.editFile('server.js', (js) => js.replace('server.listen(', `// Slow to start on purpose: a rollout takes long enough to be interrupted in its middle.
await new Promise((resolve) => setTimeout(resolve, 2000));
server.listen(`));
}

/** Starts the server, a runner and the three production hosts, adds the project; returns the first sha. */
async function startSlowFleet(fleet: TestFleet): Promise<string> {
  const sha = fleet.initRepo(() => slowSample(fleet));
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  for (const name of hosts) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
  await waitFor('four agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 4);
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  return sha;
}

const run = (fleet: TestFleet, n: number) => fleet.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));
const production = (r: RunDetail) => r.deployments.find((d) => d.env === 'production');
const ended = (r: RunDetail) => r.status === 'succeeded' || r.status === 'failed';
const versionOf = (n: number, sha: string) => `${n}-${sha.slice(0, 7)}`;
const greetings = (version: string) => hosts.map((h) => `hello from ${h}, running version ${version}`);
const answers = (fleet: TestFleet) => Promise.all(hosts.map((h) => fleet.appAnswer(h)));

function waitForRun(fleet: TestFleet, n: number, what: string, done: (r: RunDetail) => boolean, timeoutMs = 90_000): Promise<RunDetail> {
  return waitFor(`run #${n} ${what}`, async () => {
    const r = await run(fleet, n);
    return done(r) ? r : undefined;
  }, { timeoutMs, intervalMs: 50 });
}

/** Deploys a first version to every host, then commits a second one; returns both versions. */
async function firstThenSecond(fleet: TestFleet): Promise<{ v1: string; v2: string }> {
  const v1 = versionOf(1, await startSlowFleet(fleet));
  const first = await waitForRun(fleet, 1, 'to end', ended);
  expect(first.status).toBe('succeeded');
  expect(await answers(fleet)).toEqual(greetings(v1));
  const v2 = versionOf(2, fleet.commit('A second version', () => fleet.editFile('server.js', (js) => `${js}// the second version\n`)));
  return { v1, v2 };
}

/** Every run of the project, its stages, deployments and hosts have come to rest: nothing is left in flight. */
async function expectAllAtRest(fleet: TestFleet): Promise<void> {
  const runs = await fleet.api.get<RunSummary[]>(projectPath('hello', '/runs'));
  for (const { number } of runs) {
    const r = await run(fleet, number);
    expect(r.status, `run #${number}`).toMatch(/^(succeeded|failed)$/);
    expect(r.finishedAt).toBeTypeOf('number');
    for (const stage of r.stages) expect(stage.status, `stage ${stage.name} of run #${number}`).toMatch(/^(succeeded|failed|skipped)$/);
    for (const d of r.deployments) {
      expect(d.status, `deployment ${d.id}`).toMatch(/^(succeeded|rolled_back|failed)$/);
      expect(d.finishedAt).toBeTypeOf('number');
      // A succeeded deployment leaves every host healthy; a rolled back one leaves each host
      // restored or never activated (staged, or failed to stage).
      const rest = d.status === 'succeeded' ? /^healthy$/ : /^(staged|stage_failed|restored)$/;
      for (const h of d.hosts) {
        expect(h.step, `${h.hostName} in deployment ${d.id}`).toMatch(rest);
        expect(h.commandId).toBeNull();
      }
    }
  }
}

describe('a server SIGKILLed in the middle of a production rollout', () => {
  const fleet = new TestFleet('restart-server');
  afterAll(() => fleet.close());

  it('is started again on the same port and data; the deployment then finishes or rolls back, and all hosts agree on one version', async () => {
    const { v1, v2 } = await firstThenSecond(fleet);

    // The hardest moment: one host already on the new version, the next one mid-activation.
    const middle = await waitForRun(fleet, 2, 'in the middle of its production rollout', (r) => {
      const d = production(r);
      return d?.status === 'activating' && d.hosts.some((h) => h.step === 'healthy') && d.hosts.some((h) => h.step === 'activating');
    });
    await fleet.server.kill('SIGKILL');
    expect(production(middle)!.hosts.map((h) => h.step)).toContain('staged');

    await fleet.startServer();
    const done = await waitForRun(fleet, 2, 'to end after the restart', ended);
    const deployment = production(done)!;
    expect(deployment.status).toMatch(/^(succeeded|rolled_back)$/);
    // The run as a whole ended, and with the deployment's outcome.
    expect(done.status).toBe(deployment.status === 'succeeded' ? 'succeeded' : 'failed');
    expect(await answers(fleet)).toEqual(greetings(deployment.status === 'succeeded' ? v2 : v1));
    await expectAllAtRest(fleet);
  });
});

describe('an agent SIGKILLed in the middle of an activation', () => {
  // A short grace, so that the lost agent counts as lost within the test's patience.
  const fleet = new TestFleet('restart-agent', ['--agent-grace', '2s']);
  afterAll(() => fleet.close());

  it('fails its host as lost, rolls the other hosts back, and finishes the rollback once the agent is back', async () => {
    const { v1, v2 } = await firstThenSecond(fleet);
    // The new release's app as the agent recorded it in state.json: `current` and its process.
    const startingApp = (name: string) => {
      try {
        const state = JSON.parse(readFileSync(join(fleet.agent(name).root, 'apps', 'hello', 'state.json'), 'utf8')) as { current: string | null; pid: number | null };
        return state.current === v2 && state.pid !== null;
      } catch {
        return false;
      }
    };

    // A host that is activating after another one became healthy, caught once its agent has
    // switched `current` and started the new app, which is still waiting to answer: truly in the
    // middle. Not a moment earlier: an agent killed between spawning the app and recording its
    // pid in state.json leaves a process that killOrphan cannot find when the agent starts again
    // (a known gap in the supervisor, outside what this test is about).
    let lost = '';
    const middle = await waitForRun(fleet, 2, 'with a host in the middle of its activation', (r) => {
      const d = production(r);
      if (d?.status !== 'activating' || !d.hosts.some((h) => h.step === 'healthy')) return false;
      lost = d.hosts.find((h) => h.step === 'activating' && startingApp(h.hostName))?.hostName ?? '';
      return lost !== '';
    });
    await fleet.agent(lost).process.kill('SIGKILL');
    const touched = production(middle)!.hosts.filter((h) => h.step === 'healthy').map((h) => h.hostName);
    const untouched = hosts.filter((h) => h !== lost && !touched.includes(h));

    // After the grace period the host counts as failed and every other touched host is restored.
    // The lost host's own restore is written down but waits for its agent: the planner never gives
    // up on a restore because the agent is gone, only after restoreTimeoutMs (then the deployment
    // ends `failed`, needing a human). So without the agent back, no `rolled_back`.
    const rollingBack = await waitForRun(fleet, 2, 'to roll the other hosts back', (r) => {
      const d = production(r);
      return d?.status === 'rolling_back' && touched.every((name) => d.hosts.find((h) => h.hostName === name)?.step === 'restored');
    });
    const deployment = production(rollingBack)!;
    expect(deployment.cause).toMatchObject({ host: lost, step: 'agent_lost' });
    expect(deployment.cause!.error).toMatch(/^agent lost/);
    const stepOf = (d: DeploymentDetail, name: string) => d.hosts.find((h) => h.hostName === name)?.step;
    expect(stepOf(deployment, lost)).toBe('restoring');
    for (const name of untouched) expect(stepOf(deployment, name)).toBe('staged');
    for (const name of [...touched, ...untouched]) expect(await fleet.appAnswer(name)).toBe(`hello from ${name}, running version ${v1}`);
    // The host record moves on to `restoring` in the same pass that failed it (which clears its
    // error), so the failure itself is read from the deployment's events.
    const events = await fleet.api.get<SlipwayEvent[]>(`/api/v1/events?deployment=${deployment.id}&limit=1000`);
    expect(events.map((e) => e.message)).toContain(`${lost} failed: agent lost: the host stopped answering`);

    await fleet.startAgent(fleet.agent(lost).spec);
    const done = await waitForRun(fleet, 2, 'to end once the lost agent is back', ended);
    const final = production(done)!;
    expect(final.status).toBe('rolled_back');
    expect(done.status).toBe('failed');
    expect(stepOf(final, lost)).toBe('restored');
    expect(await answers(fleet)).toEqual(greetings(v1));
    await expectAllAtRest(fleet);
  });
});
