// Creating and refreshing a mirror: atomic creation, serialised fetches, pruning, and clear
// errors for repositories that cannot be read.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitMirror } from './git-mirror.ts';
import { TestRepo, tempDir, testGitEnv } from './git-test-repo.ts';
import { runGit, type GitRunner } from './run-git.ts';

let root: ReturnType<typeof tempDir>;
let source: TestRepo;
let mirrorsDir: string;

beforeEach(() => {
  root = tempDir('git-sync');
  source = TestRepo.create(root.path);
  mirrorsDir = join(root.path, 'mirrors');
});
afterEach(() => root.remove());

function mirrorOf(repoUrl: string, git: GitRunner = runGit): GitMirror {
  return new GitMirror({ repoUrl, dir: join(mirrorsDir, 'p1.git'), env: testGitEnv, timeoutMs: 20_000, git });
}

describe('GitMirror.ensure', () => {
  it('creates a bare mirror of the branches once and leaves no temp dir behind', async () => {
    const sha = source.commit('first');
    source.git('branch', 'release');
    const mirror = mirrorOf(source.dir);
    expect(await mirror.ensure()).toEqual({ ok: true, created: true });
    expect(await mirror.ensure()).toEqual({ ok: true, created: false });
    expect(await mirrorOf(source.dir).ensure()).toEqual({ ok: true, created: false });
    expect(readdirSync(mirrorsDir)).toEqual(['p1.git']);
    expect(await mirror.head('main')).toBe(sha);
    expect(await mirror.head('release')).toBe(sha);
  });

  it('reports an unreachable repository by its URL and creates nothing', async () => {
    const missing = join(root.path, 'does-not-exist');
    const result = await mirrorOf(missing).ensure();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(`could not clone ${missing}`);
    expect(readdirSync(mirrorsDir)).toEqual([]);
  });

  it('reports a directory that is not a repository by its URL', async () => {
    const plain = join(root.path, 'plain');
    mkdirSync(plain);
    const result = await mirrorOf(plain).ensure();
    expect(!result.ok && result.error).toMatch(new RegExp(`could not clone ${plain}: .*not.*git repository`, 'i'));
  });

  it('refuses a mirror directory that holds something else', async () => {
    mkdirSync(join(mirrorsDir, 'p1.git'), { recursive: true });
    writeFileSync(join(mirrorsDir, 'p1.git', 'notes.txt'), 'mine');
    const result = await mirrorOf(source.dir).ensure();
    expect(!result.ok && result.error).toContain('exists but is not a bare git repository');
    expect(!result.ok && result.error).not.toContain(mirrorsDir);
  });

  it('removes the temp dir a crashed creation left behind', async () => {
    source.commit('first');
    mkdirSync(join(mirrorsDir, 'p1.git.tmp-deadbeef'), { recursive: true });
    expect(await mirrorOf(source.dir).ensure()).toEqual({ ok: true, created: true });
    expect(readdirSync(mirrorsDir)).toEqual(['p1.git']);
  });

  it('re-points origin when the project moved to another URL', async () => {
    source.commit('first');
    expect((await mirrorOf(source.dir).ensure()).ok).toBe(true);
    const moved = TestRepo.create(root.path);
    const movedSha = moved.commit('elsewhere');
    const mirror = mirrorOf(moved.dir);
    expect(await mirror.fetch()).toEqual({ ok: true });
    expect(await mirror.head('main')).toBe(movedSha);
  });
});

describe('GitMirror.fetch', () => {
  it('creates the mirror when absent and then picks up new commits', async () => {
    source.commit('first');
    const mirror = mirrorOf(source.dir);
    expect(await mirror.fetch()).toEqual({ ok: true });
    const second = source.commit('second');
    expect(await mirror.fetch()).toEqual({ ok: true });
    expect(await mirror.head('main')).toBe(second);
  });

  it('prunes branches deleted upstream', async () => {
    source.commit('first');
    source.git('branch', 'short-lived');
    const mirror = mirrorOf(source.dir);
    await mirror.fetch();
    expect(await mirror.head('short-lived')).toBeDefined();
    source.git('branch', '--quiet', '-D', 'short-lived');
    expect(await mirror.fetch()).toEqual({ ok: true });
    expect(await mirror.head('short-lived')).toBeUndefined();
  });

  it('runs one more fetch after the running one for all callers who came meanwhile', async () => {
    source.commit('first');
    let fetches = 0;
    const counting: GitRunner = (args, options) => {
      if (args.includes('fetch')) fetches++;
      return runGit(args, options);
    };
    const mirror = mirrorOf(source.dir, counting);
    expect(await mirror.ensure()).toMatchObject({ ok: true });
    fetches = 0;
    const first = mirror.fetch();
    const latest = source.commit('pushed while the first fetch runs');
    const waiting = [mirror.fetch(), mirror.fetch(), mirror.fetch()];
    expect(waiting[1]).toBe(waiting[0]);
    const results = await Promise.all([first, ...waiting]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fetches).toBe(2);
    expect(await mirror.head('main')).toBe(latest);
    expect(await mirror.fetch()).toEqual({ ok: true });
    expect(fetches).toBe(3);
  });

  it('fails at once instead of prompting for a user name when a server asks for credentials', async () => {
    const server = await listen401();
    try {
      const { port } = server.address() as AddressInfo;
      const result = await mirrorOf(`http://127.0.0.1:${port}/team/app.git`).fetch();
      expect(!result.ok && result.error).toContain('terminal prompts disabled');
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('names the repository without its token when the credentials are refused', async () => {
    const server = await listen401();
    try {
      const { port } = server.address() as AddressInfo;
      const mirror = mirrorOf(`http://deploy:s3cr3t-token@127.0.0.1:${port}/team/app.git`);
      const result = await mirror.fetch();
      expect(result.ok).toBe(false);
      const error = result.ok ? '' : result.error;
      expect(error).toContain(`could not clone http://deploy:***@127.0.0.1:${port}/team/app.git`);
      expect(error).not.toContain('s3cr3t');
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});

describe('GitMirror construction', () => {
  it('refuses URLs that git could run commands or options from', () => {
    for (const url of ['ext::sh -c touch% /tmp/pwned', '--upload-pack=touch /tmp/x', 'fd::3', 'relative/path']) {
      expect(() => mirrorOf(url)).toThrow(expect.objectContaining({ code: 'SLIPWAY_GIT_INVALID_REPO_URL' }));
    }
  });
});

/** An HTTP server that answers every request 401, as a private repository does without credentials. */
async function listen401(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}
