import { describe, expect, it } from 'vitest';
import { roleSummary } from './role-summary.ts';

describe('roleSummary', () => {
  it('names the bootstrap admin admin, and a user by their grants, each once', () => {
    expect(roleSummary({ name: 'admin', kind: 'admin', grants: [] })).toBe('admin');
    expect(roleSummary({ name: 'ada', kind: 'user', grants: [] })).toBe('no role');
    expect(roleSummary({ name: 'ada', kind: 'user', grants: [{ role: 'admin', project: null, env: null }, { role: 'admin', project: null, env: null }] })).toBe('admin');
    expect(roleSummary({ name: 'ada', kind: 'user', grants: [{ role: 'viewer', project: null, env: null }, { role: 'deployer', project: 'hello', env: 'testing' }, { role: 'developer', project: null, env: 'qa' }] }))
      .toBe('viewer, deployer in hello/testing, developer in every project/qa');
  });
});
