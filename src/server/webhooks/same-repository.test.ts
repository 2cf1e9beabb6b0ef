// Matching the URLs of a push payload to the URL a project was set up with.
import { describe, expect, it } from 'vitest';
import { sameRepository } from './same-repository.ts';

describe('sameRepository', () => {
  const github = ['https://github.com/octocat/Hello-World.git', 'git@github.com:octocat/Hello-World.git'];

  it('matches a project set up with any of the forms the forge sends', () => {
    for (const projectUrl of ['https://github.com/octocat/hello-world', 'git@github.com:octocat/Hello-World.git',
      'ssh://git@github.com/octocat/Hello-World', 'https://x-access-token:t0ken@GitHub.com/octocat/Hello-World.git/']) {
      expect(sameRepository(projectUrl, github), projectUrl).toBe(true);
    }
    expect(sameRepository('gitea@localhost:gitea/webhooks.git', ['ssh://gitea@localhost:2222/gitea/webhooks.git'])).toBe(true);
    expect(sameRepository('/srv/git/app.git', ['file:///srv/git/app'])).toBe(true);
  });

  it('does not match another repository, another host or a prefix', () => {
    expect(sameRepository('https://github.com/octocat/Spoon-Knife.git', github)).toBe(false);
    expect(sameRepository('https://gitlab.com/octocat/Hello-World.git', github)).toBe(false);
    expect(sameRepository('https://github.com/octocat', github)).toBe(false);
    expect(sameRepository('not a url', github)).toBe(false);
  });
});
