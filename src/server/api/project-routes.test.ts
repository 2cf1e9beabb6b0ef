// What a project's readers see of it, through the real routes: never its webhook secret (whoever
// holds it signs pushes, so a viewer could start runs) nor the credentials in its repository URL
// (a git host's token). Only admins get the secret (in the answer to adding the project, and
// from GET /projects/:name), to configure the hook.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTokenAnswer, ProjectAnswer } from '../../core/api/answers.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';

const GIT_TOKEN = 'ghp_repoHostToken0123456789';
const WEBHOOK_SECRET = 'whsec-of-shop-0123456789abcdef';

let api: ApiFixture;
beforeEach(async () => {
  api = await startApiFixture();
});
afterEach(async () => api.close());

describe('a project as its readers see it', () => {
  it('shows a viewer neither the webhook secret nor the credentials of the repository URL, anywhere', async () => {
    const added = await api.call('POST', '/api/v1/projects', { name: 'shop', repo: `https://bot:${GIT_TOKEN}@git.example.com/shop.git`, webhookSecret: WEBHOOK_SECRET });
    expect(added.status).toBe(201);
    // The admin who adds it gets the secret, to set up the git host's hook; never the token back.
    expect(added.body).toMatchObject({ webhookSecret: WEBHOOK_SECRET, repoUrl: 'https://bot:***@git.example.com/shop.git' });

    const user = await api.call('POST', '/api/v1/users', { name: 'vic' });
    const viewer = (user.body as NewTokenAnswer).token;
    expect((await api.call('POST', '/api/v1/users/vic/grants', { role: 'viewer' })).status).toBe(201);
    for (const path of ['/api/v1/projects', '/api/v1/projects/shop', '/api/v1/overview', '/api/v1/events', '/api/v1/projects/shop/status']) {
      const answer = await api.call('GET', path, undefined, viewer);
      expect(answer.status, path).toBe(200);
      const text = JSON.stringify(answer.body);
      expect(text, path).not.toContain(WEBHOOK_SECRET);
      expect(text, path).not.toContain(GIT_TOKEN);
    }
    const shown = (await api.call('GET', '/api/v1/projects/shop', undefined, viewer)).body as ProjectAnswer;
    expect(shown).toMatchObject({ name: 'shop', repoUrl: 'https://bot:***@git.example.com/shop.git', webhookPath: '/api/v1/hooks/shop' });
    // An admin of the project may fetch the secret again, to set up the hook anew.
    expect((await api.call('GET', '/api/v1/projects/shop')).body).toMatchObject({ webhookSecret: WEBHOOK_SECRET });
    // Nor the audit, which admins read.
    expect(JSON.stringify((await api.call('GET', '/api/v1/audit')).body)).not.toContain(GIT_TOKEN);
  });
});
