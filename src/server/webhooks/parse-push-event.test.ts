// Push webhooks as GitHub and Gitea send them, and everything that must not start a run.
import { describe, expect, it } from 'vitest';
import { parsePushEvent, type ParsedWebhook } from './parse-push-event.ts';

// Trimmed from the payloads GitHub and Gitea document; fields Slipway does not read are cut short.
const githubPush = {
  ref: 'refs/heads/main',
  before: '9049f1265b7d61be4a8904a9a27120d2064dab3b',
  after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
  created: false,
  deleted: false,
  forced: false,
  base_ref: null,
  compare: 'https://github.com/octocat/Hello-World/compare/9049f1265b7d...0d1a26e67d8f',
  commits: [{ id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', message: 'Update README.md', added: [], removed: [], modified: ['README.md'] }],
  repository: {
    id: 1296269,
    name: 'Hello-World',
    full_name: 'octocat/Hello-World',
    private: false,
    html_url: 'https://github.com/octocat/Hello-World',
    url: 'https://github.com/octocat/Hello-World',
    git_url: 'git://github.com/octocat/Hello-World.git',
    ssh_url: 'git@github.com:octocat/Hello-World.git',
    clone_url: 'https://github.com/octocat/Hello-World.git',
    default_branch: 'main',
  },
  pusher: { name: 'octocat', email: 'octocat@github.com' },
  sender: { login: 'octocat', id: 1 },
};

const giteaPush = {
  ref: 'refs/heads/develop',
  before: '28e1879d029cb852e4844d9c718537df08844e03',
  after: 'BFFEB74224043BA2FEB48D137756C8A9331C449A',
  compare_url: 'http://localhost:3000/gitea/webhooks/compare/28e1879d029c...bffeb7422404',
  commits: [{ id: 'bffeb74224043ba2feb48d137756c8a9331c449a', message: 'Webhooks Yay!', url: 'http://localhost:3000/gitea/webhooks/commit/bffeb742' }],
  repository: {
    id: 140,
    name: 'webhooks',
    full_name: 'gitea/webhooks',
    private: false,
    html_url: 'http://localhost:3000/gitea/webhooks',
    ssh_url: 'ssh://gitea@localhost:2222/gitea/webhooks.git',
    clone_url: 'http://localhost:3000/gitea/webhooks.git',
    default_branch: 'master',
  },
  pusher: { login: 'gitea', email: 'gitea@fake.local' },
  sender: { login: 'gitea', id: 1 },
};

const reason = (parsed: ParsedWebhook): string => ('ignored' in parsed ? parsed.ignored : 'not ignored');
const github = (event: string) => ({ 'x-github-event': event, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
const gitea = (event: string) => ({ 'x-gitea-event': event, 'x-github-event': event, 'x-gitea-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473' });

describe('parsePushEvent', () => {
  it('reads a GitHub push: branch ref, new head and every URL of the repository', () => {
    expect(parsePushEvent(github('push'), githubPush)).toEqual({
      ref: 'refs/heads/main',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      repoUrls: [
        'https://github.com/octocat/Hello-World.git',
        'git@github.com:octocat/Hello-World.git',
        'git://github.com/octocat/Hello-World.git',
        'https://github.com/octocat/Hello-World',
      ],
    });
  });

  it('reads a Gitea push, with the sha in lowercase', () => {
    expect(parsePushEvent(gitea('push'), giteaPush)).toEqual({
      ref: 'refs/heads/develop',
      after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
      repoUrls: [
        'http://localhost:3000/gitea/webhooks.git',
        'ssh://gitea@localhost:2222/gitea/webhooks.git',
        'http://localhost:3000/gitea/webhooks',
      ],
    });
  });

  it('finds the event header whatever its casing, as a Forgejo push too', () => {
    expect(parsePushEvent({ 'X-GitHub-Event': 'push' }, githubPush)).toMatchObject({ ref: 'refs/heads/main' });
    expect(parsePushEvent({ 'x-forgejo-event': 'push' }, giteaPush)).toMatchObject({ ref: 'refs/heads/develop' });
  });

  it('ignores a ping and other events with a reason', () => {
    expect(parsePushEvent(github('ping'), { zen: 'Design for failure.', hook_id: 1 })).toEqual({ ignored: 'ping' });
    expect(parsePushEvent(github('pull_request'), {})).toEqual({ ignored: '"pull_request" events do not start runs, only "push"' });
    expect(reason(parsePushEvent(gitea('create'), giteaPush))).toContain('"create"');
    expect(reason(parsePushEvent({ 'content-type': 'application/json' }, githubPush))).toContain('no X-GitHub-Event');
  });

  it('ignores a branch deletion, from either forge', () => {
    const deletion = { ...githubPush, after: '0000000000000000000000000000000000000000', deleted: true };
    expect(parsePushEvent(github('push'), deletion)).toEqual({ ignored: 'branch deleted (refs/heads/main)' });
    expect(parsePushEvent(gitea('push'), { ...giteaPush, after: '0'.repeat(40) })).toEqual({ ignored: 'branch deleted (refs/heads/develop)' });
  });

  it('ignores tag pushes and payloads that are not pushes', () => {
    expect(parsePushEvent(github('push'), { ...githubPush, ref: 'refs/tags/v1.0' })).toEqual({ ignored: 'not a branch push (refs/tags/v1.0)' });
    expect(reason(parsePushEvent(github('push'), 'not json'))).toContain('not a push payload');
    expect(reason(parsePushEvent(github('push'), { ...githubPush, after: 'abc' }))).toContain('after');
    expect(reason(parsePushEvent(github('push'), { ...githubPush, repository: undefined }))).toContain('repository');
    expect(parsePushEvent(github('push'), { ...githubPush, repository: {} })).toEqual({ ignored: 'the payload names no repository URL' });
  });
});
