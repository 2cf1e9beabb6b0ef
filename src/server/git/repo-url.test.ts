// Which repository URLs git may be given, and how they are shown without their credentials.
import { describe, expect, it } from 'vitest';
import { checkRepoUrl, isLocalRepoUrl, redactRepoUrl, scrubRepoSecrets } from './repo-url.ts';

describe('checkRepoUrl', () => {
  it('accepts https, http, ssh, git and file URLs, scp-like remotes and absolute paths', () => {
    for (const url of ['https://github.com/team/app.git', 'http://gitea.lan:3000/team/app', 'ssh://git@host:2222/team/app.git',
      'git://host/app.git', 'file:///srv/git/app.git', 'git@github.com:team/app.git', 'host:app.git', '/srv/git/app.git']) {
      expect(checkRepoUrl(url), url).toBeUndefined();
    }
  });

  it('refuses remote helpers, options, other schemes, spaces and relative paths with a reason', () => {
    expect(checkRepoUrl('ext::sh -c touch% /tmp/pwned')).toMatch(/spaces/);
    expect(checkRepoUrl('ext::ssh')).toMatch(/remote-helper/);
    expect(checkRepoUrl('--upload-pack=evil')).toMatch(/start with "-"/);
    expect(checkRepoUrl('ftp://host/app.git')).toMatch(/scheme "ftp"/);
    expect(checkRepoUrl('https://')).toBeDefined();
    expect(checkRepoUrl('app.git')).toMatch(/expected a URL/);
    expect(checkRepoUrl('')).toMatch(/empty/);
    expect(checkRepoUrl('https://host/a\nb')).toMatch(/control/);
  });
});

describe('isLocalRepoUrl', () => {
  it('finds file URLs, paths, loopback and link-local hosts in every spelling', () => {
    for (const url of ['/srv/git/app.git', 'file:///srv/git/app.git', 'http://localhost:2375/x', 'https://127.0.0.1/x', 'http://127.1.2.3:22/x',
      'http://[::1]:8080/x', 'http://[::ffff:127.0.0.1]/x', 'http://2130706433/x', 'http://0x7f000001/x', 'http://0.0.0.0:6379/x',
      'http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/x', 'ssh://git@127.0.0.1:22/app.git', 'git@localhost:team/app.git',
      'git://LOCALHOST./app.git', 'http://api.localhost/x']) {
      expect(isLocalRepoUrl(url), url).toBe(true);
    }
  });

  it('lets other hosts through', () => {
    for (const url of ['https://github.com/team/app.git', 'http://10.0.0.5:3000/team/app', 'git@github.com:team/app.git', 'ssh://git@[2001:db8::1]/app.git']) {
      expect(isLocalRepoUrl(url), url).toBe(false);
    }
  });
});

describe('redactRepoUrl', () => {
  it('hides passwords and token user names of http URLs and leaves others alone', () => {
    expect(redactRepoUrl('https://deploy:t0ken@host/app.git')).toBe('https://deploy:***@host/app.git');
    expect(redactRepoUrl('https://ghp_abc123@github.com/team/app.git')).toBe('https://***@github.com/team/app.git');
    expect(redactRepoUrl('https://github.com/team/app.git')).toBe('https://github.com/team/app.git');
    expect(redactRepoUrl('git@github.com:team/app.git')).toBe('git@github.com:team/app.git');
  });
});

describe('scrubRepoSecrets', () => {
  it('removes the URL and its secret from text git wrote', () => {
    const url = 'https://deploy:p%40ss-word@host/app.git';
    const text = `fatal: unable to access '${url}': nope; password p@ss-word and p%40ss-word`;
    const scrubbed = scrubRepoSecrets(text, url);
    expect(scrubbed).toContain('https://deploy:***@host/app.git');
    expect(scrubbed).not.toMatch(/ss-word/);
  });
});
