import { describe, expect, it } from 'vitest';
import { grantsForGroups, parseGroupRole } from './group-roles.ts';

describe('parseGroupRole', () => {
  it('reads a group with a role everywhere, in a project, or in one environment of it', () => {
    expect(parseGroupRole('ops=admin')).toEqual({ group: 'ops', grant: { role: 'admin', project: null, env: null } });
    expect(parseGroupRole('devs=developer:hello')).toEqual({ group: 'devs', grant: { role: 'developer', project: 'hello', env: null } });
    expect(parseGroupRole('cn=qa,ou=groups=deployer:hello:testing')).toEqual({ group: 'cn=qa,ou=groups', grant: { role: 'deployer', project: 'hello', env: 'testing' } });
  });

  it('says what is wrong with a line it cannot read', () => {
    expect(() => parseGroupRole('ops')).toThrow('--oidc-group-role "ops": there is no "="');
    expect(() => parseGroupRole('=admin')).toThrow('the group is empty');
    expect(() => parseGroupRole('ops=root')).toThrow('"root" is not a role (viewer, developer, deployer, admin)');
    expect(() => parseGroupRole('ops=admin:Hello')).toThrow('"Hello" is not a project name');
    expect(() => parseGroupRole('ops=admin:a:b:c')).toThrow('too many ":"');
    expect(() => parseGroupRole('ops')).toThrow(expect.objectContaining({ code: 'SLIPWAY_OIDC_BAD_GROUP_ROLE' }) as Error);
  });
});

describe('grantsForGroups', () => {
  const map = ['ops=admin', 'devs=viewer', 'devs=deployer:hello:testing', 'all=viewer'].map(parseGroupRole);

  it('gives the grants of every mapped group the user is in, each once, and nothing for other groups', () => {
    expect(grantsForGroups(map, ['devs', 'all', 'strangers'])).toEqual([
      { role: 'viewer', project: null, env: null },
      { role: 'deployer', project: 'hello', env: 'testing' },
    ]);
    expect(grantsForGroups(map, ['ops'])).toEqual([{ role: 'admin', project: null, env: null }]);
    expect(grantsForGroups(map, ['strangers'])).toEqual([]);
    expect(grantsForGroups(map, [])).toEqual([]);
  });
});
