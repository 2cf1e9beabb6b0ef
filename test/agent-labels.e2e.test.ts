// Labels are fixed at enrollment: an agent enrolled without role=runner whose hello claims
// role=runner is not handed the queued build, and the server logs what it claimed. Only an admin
// changes labels (PATCH /api/v1/agents/:id), after which the same agent gets the job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { Agent } from '../src/core/model.ts';
import { ProtocolAgent } from './support/protocol-agent.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const fleet = new TestFleet('agent-labels');
let impostor: ProtocolAgent;

beforeAll(async () => {
  fleet.initRepo();
  await fleet.startServer();
}, 60_000);

afterAll(async () => {
  impostor?.close();
  await fleet.close();
});

describe('agent labels', () => {
  it('gives no build to an agent that claims role=runner in its hello, until an admin labels it so', async () => {
    impostor = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'impostor', { env: 'testing' }, { env: 'testing', role: 'runner' });
    await waitFor('the warning about the claimed labels', () => /claimed other labels/.test(fleet.server.output()), { timeoutMs: 15_000 });
    const warning = fleet.server.output().split('\n').find((line) => line.includes('claimed other labels'))!;
    expect(JSON.parse(warning)).toMatchObject({ level: 40, agent: 'impostor', claimed: { env: 'testing', role: 'runner' }, has: { env: 'testing' } });

    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    await waitFor('run #1 to queue its build', async () => {
      const run = await fleet.api.get<{ jobs: { status: string }[] }>(projectPath('hello', '/runs/1'));
      return run.jobs[0]?.status === 'queued';
    }, { timeoutMs: 30_000 });
    // Proving that something does not happen needs a window: five engine ticks (1 s each) in
    // which an idle runner would have been handed the job at once.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      expect(impostor.commands).toEqual([]);
      await new Promise((r) => setTimeout(r, 250));
    }
    const agents = await fleet.api.get<Agent[]>('/api/v1/agents');
    expect(agents.find((a) => a.name === 'impostor')).toMatchObject({ online: true, labels: { env: 'testing' } });

    const relabelled = await fetch(`${fleet.url}/api/v1/agents/${impostor.agentId}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${fleet.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ labels: { env: 'testing', role: 'runner' } }),
    });
    expect(relabelled.status).toBe(200);
    await waitFor('the build to reach the agent an admin made a runner', () => impostor.commands.some((c) => c.command.kind === 'job'), { timeoutMs: 15_000 });
    const events = await fleet.api.get<{ kind: string; actor: string | null }[]>('/api/v1/events?limit=500');
    expect(events.find((e) => e.kind === 'agent.labels_changed')).toMatchObject({ actor: 'admin' });
  }, 90_000);
});
