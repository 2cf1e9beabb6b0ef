import { describe, expect, it } from 'vitest';
import type { ProjectOverview } from '../../../src/core/api/answers.ts';
import { driftByHost } from './drift.ts';

const overview = (envs: ProjectOverview['environments']): ProjectOverview => ({
  project: { id: 'p', name: 'hello', repoUrl: '/r', branch: 'main', pollIntervalMs: 1000, lastSeenSha: null, pollError: null, createdAt: 0 },
  lastRun: null, activeDeployments: [], environments: envs,
});

describe('driftByHost', () => {
  it('marks the hosts whose version is not the known-good of their environment', () => {
    const drift = driftByHost([overview([
      { name: 'production', knownGood: '1-a', rollbackTo: null, lastDeployment: null, hosts: [
        { name: 'p1', version: '1-a', online: true }, { name: 'p2', version: '2-b', online: true }, { name: 'p3', version: null, online: false },
      ] },
      { name: 'testing', knownGood: null, rollbackTo: null, lastDeployment: null, hosts: [{ name: 't1', version: '2-b', online: true }] },
    ])]);
    expect([...drift.keys()]).toEqual(['p2', 'p3']);
    expect(drift.get('p2')).toEqual([{ project: 'hello', env: 'production', runs: '2-b', knownGood: '1-a' }]);
    expect(drift.get('p3')?.[0]?.runs).toBeNull();
  });
});
