// The push webhook against a real server process: only a request signed with the project's
// secret starts a run, at once; unsigned, mis-signed, unknown-project, ping and oversized
// requests start nothing, and an unknown project looks exactly like a bad signature.
import { createHmac } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../src/core/api/answers.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

interface HookAnswer {
  status: number;
  body: { runs?: { number: number; sha: string }[]; ignored?: string; error?: { code: string; message: string } };
}

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('the push webhook', () => {
  const fleet = new TestFleet('webhook');
  let secret = '';
  let headSha = '';

  const runs = () => fleet.api.get<RunSummary[]>(projectPath('hello', '/runs'));
  const runNumbers = async () => (await runs()).map((r) => r.number).sort((a, b) => a - b);
  const hook = async (project: string, body: string, headers: Record<string, string>): Promise<HookAnswer> => {
    const response = await fetch(`${fleet.url}/api/v1/hooks/${project}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body,
    });
    return { status: response.status, body: (await response.json()) as HookAnswer['body'] };
  };
  const githubPush = (after: string) => JSON.stringify({
    ref: 'refs/heads/main', before: headSha, after, created: false, deleted: false, forced: false,
    commits: [{ id: after, message: 'A new commit', added: [], removed: [], modified: ['NOTES.md'] }],
    repository: { name: 'hello', full_name: 'team/hello', clone_url: fleet.repo, html_url: 'https://git.example.com/team/hello' },
    pusher: { name: 'test', email: 'test@slipway.invalid' },
  });
  const github = (event: string, signature?: string) => ({
    'x-github-event': event, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', ...(signature ? { 'x-hub-signature-256': signature } : {}),
  });
  const newCommit = (message: string) => fleet.commit(message, (repo) => appendFileSync(join(repo, 'NOTES.md'), `${message}\n`));

  beforeAll(async () => {
    headSha = fleet.initRepo();
    await fleet.startServer();
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1h' });
    // Adding a project does one check (the poller's first look), which builds the current head.
    // Once run #1 exists that check has read the head, and with poll: 1h no other check comes.
    await waitFor('run #1 for the first commit', async () => (await runs()).find((r) => r.number === 1 && r.sha === headSha));
    secret = (await fleet.api.get<{ webhookSecret: string }>(projectPath('hello'))).webhookSecret;
    expect(secret.length).toBeGreaterThanOrEqual(16);
    // A commit the webhook has not been told about: every refused request below could start it.
    headSha = newCommit('Waiting for a webhook');
  }, 60_000);

  afterAll(() => fleet.close());

  it('refuses a push without a signature with 401 and starts nothing', async () => {
    const answer = await hook('hello', githubPush(headSha), github('push'));
    expect(answer).toEqual({ status: 401, body: { error: { code: 'SLIPWAY_BAD_SIGNATURE', message: expect.any(String) as string } } });
    expect(await runNumbers()).toEqual([1]);
  });

  it('refuses a push with a wrong signature, or one made with another secret, and starts nothing', async () => {
    const body = githubPush(headSha);
    const wrong = await hook('hello', body, github('push', `sha256=${'0'.repeat(64)}`));
    const otherSecret = await hook('hello', body, github('push', sign('swh_not-the-secret-of-this-project', body)));
    const otherBody = await hook('hello', body, github('push', sign(secret, `${body} `)));
    for (const answer of [wrong, otherSecret, otherBody]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('SLIPWAY_BAD_SIGNATURE');
    }
    expect(await runNumbers()).toEqual([1]);
  });

  it('answers a push to an unknown project exactly like a bad signature', async () => {
    const body = githubPush(headSha);
    const unknown = await hook('no-such-project', body, github('push', sign(secret, body)));
    const badSignature = await hook('hello', body, github('push', sign('swh_not-the-secret-of-this-project', body)));
    expect(unknown.status).toBe(401);
    expect(unknown).toEqual(badSignature);
    expect(JSON.stringify(unknown.body)).not.toContain('no-such-project');
    expect(await runNumbers()).toEqual([1]);
  });

  it('accepts a signed ping with 202 and starts nothing', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 1, hook: { type: 'Repository', events: ['push'] } });
    expect(await hook('hello', body, github('ping', sign(secret, body)))).toEqual({ status: 202, body: { ignored: 'ping' } });
    expect(await runNumbers()).toEqual([1]);
  });

  it('refuses a body over the 1 MiB cap with 413 and starts nothing, even when signed', async () => {
    const payload = JSON.parse(githubPush(headSha)) as Record<string, unknown>;
    const body = JSON.stringify({ ...payload, padding: 'x'.repeat(1024 * 1024) });
    const answer = await hook('hello', body, github('push', sign(secret, body)));
    expect(answer.status).toBe(413);
    expect(answer.body.error?.code).toBe('SLIPWAY_HTTP_413');
    expect(await runNumbers()).toEqual([1]);
  });

  it('starts a run for a signed GitHub push within one second of sending it', async () => {
    const body = githubPush(headSha);
    const sent = performance.now();
    const answer = await hook('hello', body, github('push', sign(secret, body)));
    const run = await waitFor('run #2', async () => (await runs()).find((r) => r.number === 2), { timeoutMs: 1000, intervalMs: 10 });
    const elapsedMs = performance.now() - sent;

    expect(answer).toEqual({ status: 202, body: { runs: [{ number: 2, sha: headSha, version: `2-${headSha.slice(0, 7)}` }] } });
    expect(run).toMatchObject({ sha: headSha, trigger: 'webhook', message: 'Waiting for a webhook' });
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('starts a run for a signed Gitea push (X-Gitea-Signature, file:// clone URL)', async () => {
    const before = headSha;
    headSha = newCommit('Pushed to Gitea');
    const body = JSON.stringify({
      ref: 'refs/heads/main', before, after: headSha, compare_url: '',
      commits: [{ id: headSha, message: 'Pushed to Gitea', url: '' }],
      repository: { name: 'hello', full_name: 'team/hello', clone_url: `file://${fleet.repo}`, ssh_url: 'gitea@git.example.com:team/hello.git' },
      pusher: { login: 'test' }, sender: { login: 'test' },
    });
    const signature = sign(secret, body).slice('sha256='.length);
    const answer = await hook('hello', body, { 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gitea-delivery': 'f6266f16', 'x-gitea-signature': signature });

    expect(answer).toEqual({ status: 202, body: { runs: [{ number: 3, sha: headSha, version: `3-${headSha.slice(0, 7)}` }] } });
    expect((await runs()).find((r) => r.number === 3)).toMatchObject({ sha: headSha, trigger: 'webhook' });
  });
});
