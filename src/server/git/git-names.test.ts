// What may be handed to git as a sha, a branch name or a path in a tree.
import { describe, expect, it } from 'vitest';
import { isBranchName, isSha, isTreePath } from './git-names.ts';

describe('isSha', () => {
  it('accepts only full lowercase 40-hex shas', () => {
    expect(isSha('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(isSha('0123456789ABCDEF0123456789ABCDEF01234567')).toBe(false);
    expect(isSha('0123456')).toBe(false);
    expect(isSha(`${'a'.repeat(40)}\n`)).toBe(false);
    expect(isSha('--all')).toBe(false);
  });
});

describe('isBranchName', () => {
  it('accepts ordinary branch names, with slashes', () => {
    for (const name of ['main', 'release/2.x', 'feature/JIRA-12_login', 'v1.2']) expect(isBranchName(name)).toBe(true);
  });

  it('refuses what git refuses and what could be read as an option or revision', () => {
    const bad = ['', '-main', '--all', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a@{1}', '@',
      'HEAD', 'a/', '/a', 'a//b', '.hidden', 'a/.b', 'a.lock', 'a/b.lock/c', 'a.', 'tab\there', 'x\u007f'];
    for (const name of bad) expect(isBranchName(name), name).toBe(false);
  });
});

describe('isTreePath', () => {
  it('accepts relative paths and refuses absolute, dotted and empty components', () => {
    expect(isTreePath('slipway.yml')).toBe(true);
    expect(isTreePath('deploy/app config.yml')).toBe(true);
    for (const path of ['', '/etc/passwd', '../x', 'a/../b', './a', 'a/./b', 'a//b', 'a/', 'nul\0']) {
      expect(isTreePath(path), path).toBe(false);
    }
  });
});
