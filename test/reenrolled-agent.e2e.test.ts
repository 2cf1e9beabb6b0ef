// A removed agent's name enrolls anew under the old id (so that history stays attached): whoever
// enrolls it must get none of what the old host was given. Before, the new enrollee, even one
// still pending, was sent the old host's unanswered commands with their secrets, and could
// download every artifact and source the old host's commands had named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import { ProtocolAgent } from './support/protocol-agent.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const SECRET = 'db-password-of-testing-7f3a';
const fleet = new TestFleet('reenrolled-agent', ['--accept-agents', 'manual']);
const agents: ProtocolAgent[] = [];

beforeAll(async () => {
  fleet.initRepo();
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner', labels: 'role=runner' });
  await waitFor('the runner to enroll', async () => (await fleet.api.get<{ name: string }[]>('/api/v1/agents')).some((a) => a.name === 'runner'), { timeoutMs: 30_000 });
  await fleet.api.post('/api/v1/agents/runner/accept', {});
}, 60_000);

afterAll(async () => {
  for (const agent of agents) agent.close();
  await fleet.close();
});

async function download(path: string, token: string): Promise<number> {
  const response = await fetch(`${fleet.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('a removed agent\'s name enrolled again', () => {
  it('gets neither the old host\'s unanswered commands and secrets nor its downloads', async () => {
    const host = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'web-1', { env: 'testing' });
    agents.push(host);
    await fleet.api.post('/api/v1/agents/web-1/accept', {});
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    await fleet.api.post(projectPath('hello', '/secrets'), { name: 'DB_PASSWORD', value: SECRET, env: 'testing' });

    await waitFor('the testing host to be asked to prepare', () => host.commands.some((c) => c.command.kind === 'prepare'), { timeoutMs: 120_000 });
    const prepare = host.commands.find((c) => c.command.kind === 'prepare')!;
    const sha256 = String(prepare.command.sha256);
    expect(await download(`/api/v1/artifacts/${sha256}`, host.token)).toBe(200);
    host.answer(prepare.id, { ok: true, previous: null });
    await waitFor('the testing host to be asked to activate', () => host.commands.some((c) => c.command.kind === 'activate'), { timeoutMs: 30_000 });
    expect(host.commands.find((c) => c.command.kind === 'activate')?.secrets).toMatchObject({ DB_PASSWORD: SECRET });

    // The host goes silent with its activation unanswered, and an admin removes it.
    host.close();
    await fleet.api.delete('/api/v1/agents/web-1');

    // Somebody with the join token takes the name: pending (manual acceptance), under the old id.
    const taker = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'web-1', { env: 'nowhere' });
    agents.push(taker);
    expect(taker.agentId).toBe(host.agentId);
    await fleet.api.post('/api/v1/agents/web-1/accept', {});
    await taker.connect();
    // Proving that something is not sent needs a window: the server sends pending commands right
    // after a hello, and two seconds are many engine ticks (1 s each) and resends.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(JSON.stringify(taker.commands)).not.toContain(SECRET);
    expect(taker.commands.map((c) => c.command.kind)).toEqual([]);
    expect(await download(`/api/v1/artifacts/${sha256}`, taker.token)).toBe(403);
  }, 180_000);
});
