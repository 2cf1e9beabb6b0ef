// Reading a mirror: branch heads, new commits after pushes and force pushes, commit details,
// files at a commit and source archives, all against real repositories.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { x as extract } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitMirror } from './git-mirror.ts';
import { TestRepo, tempDir, testGitEnv } from './git-test-repo.ts';

let root: ReturnType<typeof tempDir>;
let source: TestRepo;
let mirror: GitMirror;

beforeEach(() => {
  root = tempDir('git-mirror');
  source = TestRepo.create(root.path);
  mirror = new GitMirror({ repoUrl: source.dir, dir: join(root.path, 'mirrors', 'p1.git'), env: testGitEnv });
});
afterEach(() => root.remove());

async function fetched(): Promise<void> {
  expect(await mirror.fetch()).toEqual({ ok: true });
}

describe('GitMirror.head', () => {
  it('gives the sha of a branch and undefined for a branch that does not exist', async () => {
    const sha = source.commit('first');
    await fetched();
    expect(await mirror.head('main')).toBe(sha);
    expect(await mirror.head('no-such-branch')).toBeUndefined();
  });

  it('refuses branch names that git could read as options or revision syntax', async () => {
    source.commit('first');
    await fetched();
    for (const bad of ['--upload-pack=touch /tmp/x', 'main..other', 'main^{tree}', 'a b', '', 'x.lock']) {
      await expect(mirror.head(bad)).rejects.toMatchObject({ code: 'SLIPWAY_GIT_INVALID_BRANCH' });
    }
  });

  it('fails with a message naming the repository when the mirror was never created', async () => {
    await expect(mirror.head('main')).rejects.toThrow(source.dir);
  });

  it('names the repository in its errors but never the mirror\'s path on the server', async () => {
    const error = await mirror.head('main').then(() => undefined, (err: unknown) => (err as Error).message);
    expect(error).toBeDefined();
    expect(error).not.toContain(join('mirrors', 'p1.git'));
  });
});

describe('GitMirror.newCommits', () => {
  it('lists the commits of a push of several commits oldest first', async () => {
    const before = source.commit('base');
    await fetched();
    const pushed = [source.commit('one'), source.commit('two'), source.commit('three')];
    await fetched();
    const head = (await mirror.head('main'))!;
    expect(head).toBe(pushed[2]);
    expect(await mirror.newCommits(before, head, 10)).toEqual(pushed);
  });

  it('keeps only the newest commits when there are more than max', async () => {
    const before = source.commit('base');
    const pushed = [1, 2, 3, 4, 5].map((n) => source.commit(`c${n}`));
    await fetched();
    expect(await mirror.newCommits(before, pushed[4]!, 2)).toEqual(pushed.slice(3));
  });

  it('gives just the head without a previous commit, and nothing when nothing changed', async () => {
    const head = source.commit('only');
    await fetched();
    expect(await mirror.newCommits(null, head, 10)).toEqual([head]);
    expect(await mirror.newCommits(head, head, 10)).toEqual([]);
  });

  it('gives just the new head after a force push', async () => {
    const base = source.commit('base');
    const old = source.commit('to be rewritten');
    await fetched();
    source.git('reset', '--quiet', '--hard', base);
    const rewritten = source.commit('rewritten');
    await fetched();
    expect(await mirror.head('main')).toBe(rewritten);
    expect(await mirror.newCommits(old, rewritten, 10)).toEqual([rewritten]);
  });

  it('follows first parents, so a merged branch shows as its merge commit', async () => {
    const base = source.commit('base');
    source.git('checkout', '--quiet', '-b', 'feature');
    source.commit('feature work', { 'feature.txt': 'f' });
    source.git('checkout', '--quiet', 'main');
    const onMain = source.commit('main work', { 'main.txt': 'm' });
    source.git('merge', '--quiet', '--no-ff', '-m', 'merge feature', 'feature');
    const merge = source.git('rev-parse', 'HEAD');
    await fetched();
    expect(await mirror.newCommits(base, merge, 10)).toEqual([onMain, merge]);
  });

  it('throws not found for a head the mirror does not have and refuses abbreviated shas', async () => {
    const head = source.commit('only');
    await fetched();
    await expect(mirror.newCommits(null, 'f'.repeat(40), 10)).rejects.toMatchObject({ code: 'SLIPWAY_GIT_COMMIT_NOT_FOUND' });
    await expect(mirror.newCommits(head.slice(0, 7), head, 10)).rejects.toMatchObject({ code: 'SLIPWAY_GIT_INVALID_SHA' });
  });
});

describe('GitMirror.commitInfo', () => {
  it('gives the subject line, the author and the commit time', async () => {
    const sha = source.commit('Fix the login page\n\nLonger explanation.');
    await fetched();
    const seconds = Number(source.git('log', '-1', '--format=%ct'));
    expect(await mirror.commitInfo(sha)).toEqual({
      sha,
      message: 'Fix the login page',
      author: 'Ada Tester <ada@example.com>',
      at: seconds * 1000,
    });
  });
});

describe('GitMirror.readFile', () => {
  it('reads a file at a commit, nested or not, and undefined for an absent file or a directory', async () => {
    const first = source.commit('config', { 'slipway.yml': 'app: hello\n', 'deploy/notes.md': 'é ünïcode\n' });
    const second = source.commit('drop config', { 'slipway.yml': null });
    await fetched();
    expect(await mirror.readFile(first, 'slipway.yml')).toBe('app: hello\n');
    expect(await mirror.readFile(first, 'deploy/notes.md')).toBe('é ünïcode\n');
    expect(await mirror.readFile(second, 'slipway.yml')).toBeUndefined();
    expect(await mirror.readFile(first, 'deploy')).toBeUndefined();
  });

  it('refuses paths that leave the tree and throws not found for an unknown commit', async () => {
    const sha = source.commit('one');
    await fetched();
    for (const bad of ['../etc/passwd', './slipway.yml', '/slipway.yml', 'a//b', '']) {
      await expect(mirror.readFile(sha, bad)).rejects.toMatchObject({ code: 'SLIPWAY_GIT_INVALID_PATH' });
    }
    await expect(mirror.readFile('0'.repeat(40), 'slipway.yml')).rejects.toMatchObject({ code: 'SLIPWAY_GIT_COMMIT_NOT_FOUND' });
  });
});

describe('GitMirror.archive', () => {
  it('streams a tar.gz that extracts to exactly the tree of the commit', async () => {
    const sha = source.commit('tree', {
      'server.js': 'console.log("hi")\n',
      'bin/start*': '#!/bin/sh\nexec node server.js\n',
      'lib/deep/util.js': 'export const x = 1;\n',
      'binary.dat': '\u0000\u0001\u00ff',
    });
    source.commit('later', { 'server.js': 'changed\n', 'new.txt': 'new' });
    await fetched();
    const out = join(root.path, 'extracted');
    mkdirSync(out);
    await pipeline(await mirror.archive(sha), extract({ cwd: out }));
    source.git('checkout', '--quiet', sha);
    expect(snapshot(out)).toEqual(snapshot(source.dir));
    expect(snapshot(out)['bin/start']?.executable).toBe(true);
  });

  it('fails the stream instead of ending it short when git cannot finish the archive', async () => {
    const sha = source.commit('tree', { 'a.txt': 'kept', 'b.txt': 'lost from the mirror' });
    await fetched();
    const blob = source.git('rev-parse', `${sha}:b.txt`);
    rmSync(join(mirror.dir, 'objects', blob.slice(0, 2), blob.slice(2)));
    const out = join(root.path, 'extracted');
    mkdirSync(out);
    await expect(pipeline(await mirror.archive(sha), extract({ cwd: out }))).rejects.toMatchObject({
      code: 'SLIPWAY_GIT_ARCHIVE_FAILED',
      message: expect.stringContaining(`could not archive ${sha} of ${source.dir}`) as unknown,
    });
  });

  it('rejects an unknown commit before streaming anything', async () => {
    source.commit('one');
    await fetched();
    await expect(mirror.archive('a'.repeat(40))).rejects.toMatchObject({ code: 'SLIPWAY_GIT_COMMIT_NOT_FOUND' });
    await expect(mirror.archive('HEAD')).rejects.toMatchObject({ code: 'SLIPWAY_GIT_INVALID_SHA' });
  });
});

/** Every file under dir (but .git) with its content and whether it is executable. */
function snapshot(dir: string, prefix = ''): Record<string, { content: string; executable: boolean }> {
  const files: Record<string, { content: string; executable: boolean }> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (rel === '.git') continue;
    if (entry.isDirectory()) Object.assign(files, snapshot(dir, rel));
    else {
      const path = join(dir, rel);
      files[rel] = { content: readFileSync(path, 'latin1'), executable: (statSync(path).mode & 0o111) !== 0 };
    }
  }
  return files;
}
