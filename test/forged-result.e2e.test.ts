// A command's result is taken only from the agent it was sent to: an enrolled agent that sends a
// failure for another host's command (as a compromised host could, once it learnt a command id)
// is ignored and logged, the deployment goes on, and the real host's answer counts. An answer that
// does not parse fails its command at once, with what is wrong, when it comes from its agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { RunDetail } from '../src/core/api/answers.ts';
import { ProtocolAgent } from './support/protocol-agent.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const fleet = new TestFleet('forged-result');
const agents: ProtocolAgent[] = [];

beforeAll(async () => {
  fleet.initRepo();
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner', labels: 'role=runner' });
}, 60_000);

afterAll(async () => {
  for (const agent of agents) agent.close();
  await fleet.close();
});

const testingDeployment = async () => {
  const run = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
  return run.deployments.find((d) => d.env === 'testing');
};

describe('forged results', () => {
  it('ignores a failure another agent sends for a host\'s command, and takes the host\'s own answer', async () => {
    // The testing host is a protocol agent that answers only when the test says so.
    const host = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'web-1', { env: 'testing' });
    const forger = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'forger', { env: 'elsewhere' });
    agents.push(host, forger);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });

    await waitFor('the testing host to be asked to prepare', () => host.commands.some((c) => c.command.kind === 'prepare'), { timeoutMs: 90_000 });
    const prepare = host.commands.find((c) => c.command.kind === 'prepare')!;
    forger.answer(prepare.id, { ok: false, error: 'forged: disk full', step: 'stage' });
    await waitFor('the server to log the ignored result', () => /ignored a result/.test(fleet.server.output()), { timeoutMs: 15_000 });
    const warning = fleet.server.output().split('\n').find((line) => line.includes('ignored a result'))!;
    expect(JSON.parse(warning)).toMatchObject({ level: 40, agent: 'forger', command: prepare.id });

    // Proving that something does not happen needs a window: three engine ticks (1 s each) in
    // which a taken failure would have ended the deployment.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const deployment = await testingDeployment();
      expect(deployment?.status).toBe('staging');
      expect(deployment?.hosts.every((h) => h.step !== 'failed' && h.step !== 'stage_failed')).toBe(true);
      await new Promise((r) => setTimeout(r, 250));
    }

    // The host's own answer is taken: it is asked to activate next.
    host.answer(prepare.id, { ok: true, previous: null });
    await waitFor('the testing host to be asked to activate', () => host.commands.some((c) => c.command.kind === 'activate'), { timeoutMs: 15_000 });
    const run = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
    expect(JSON.stringify(run)).not.toContain('forged: disk full');

    // An answer that does not parse fails the command at once, saying so (not after its time-out).
    const activate = host.commands.find((c) => c.command.kind === 'activate')!;
    forger.answer(activate.id, { ok: 'maybe' });
    host.answer(activate.id, { ok: 'maybe' });
    const cause = await waitFor('the deployment to roll back on the unreadable answer', async () => (await testingDeployment())?.cause ?? undefined, { timeoutMs: 15_000 });
    expect(cause).toMatchObject({ host: 'web-1', step: 'activate', error: "the agent's answer does not parse (ok: Invalid input: expected boolean, received string)" });
  }, 150_000);
});
