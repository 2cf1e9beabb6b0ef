// One mirror per project, shared by whoever asks for it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitMirrors } from './git-mirrors.ts';

describe('GitMirrors', () => {
  const mirrors = new GitMirrors({ dataDir: '/srv/slipway' });

  it('hands out the same mirror for a project under <data>/mirrors/<id>.git', () => {
    const project = { id: 'b1946ac9-2bd4-4c4e-9bb1-6b4d2ba3a2f1', repoUrl: 'https://git.example.com/team/app.git' };
    const mirror = mirrors.for(project);
    expect(mirror.dir).toBe(join('/srv/slipway', 'mirrors', `${project.id}.git`));
    expect(mirrors.for({ ...project })).toBe(mirror);
  });

  it('gives a new mirror over the same directory when the repository URL changed', () => {
    const before = mirrors.for({ id: 'p2', repoUrl: 'https://git.example.com/old.git' });
    const after = mirrors.for({ id: 'p2', repoUrl: 'https://git.example.com/new.git' });
    expect(after).not.toBe(before);
    expect(after.dir).toBe(before.dir);
    expect(after.repoUrl).toBe('https://git.example.com/new.git');
  });

  it('refuses project ids that could escape the mirrors directory', () => {
    for (const id of ['../etc', 'a/b', '', '.hidden']) {
      expect(() => mirrors.for({ id, repoUrl: '/srv/git/app.git' })).toThrow(
        expect.objectContaining({ code: 'SLIPWAY_GIT_INVALID_PROJECT_ID' }),
      );
    }
  });
});
