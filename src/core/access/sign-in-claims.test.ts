import { describe, expect, it } from 'vitest';
import { nameWithSuffix, readSignInClaims } from './sign-in-claims.ts';

describe('readSignInClaims', () => {
  it('takes the subject, a user name from preferred_username, the email and the groups', () => {
    expect(readSignInClaims({ sub: 'u1', preferred_username: 'Ada.Lovelace', email: 'Ada@Example.com', email_verified: true, groups: ['ops', 'devs'] }, 'groups'))
      .toEqual({ subject: 'u1', name: 'ada.lovelace', email: 'ada@example.com', groups: ['ops', 'devs'] });
  });

  it('names the user from the email when there is no preferred_username, and makes any name valid', () => {
    expect(readSignInClaims({ sub: 'u1', email: 'grace.hopper@example.com' }, 'groups').name).toBe('grace.hopper');
    expect(readSignInClaims({ sub: 'u1', preferred_username: '42 Ünïcode Name!' }, 'groups').name).toBe('n-code-name');
    expect(readSignInClaims({ sub: 'u1', preferred_username: 'admin' }, 'groups').name).toBe('user-admin');
    expect(readSignInClaims({ sub: 'u1' }, 'groups').name).toBe('user');
  });

  it('drops an email the provider has not verified, and reads one group given as a string or under another claim', () => {
    expect(readSignInClaims({ sub: 'u1', email: 'a@example.com', email_verified: false }, 'groups').email).toBeNull();
    expect(readSignInClaims({ sub: 'u1', roles: 'ops' }, 'roles').groups).toEqual(['ops']);
    expect(readSignInClaims({ sub: 'u1' }, 'groups').groups).toEqual([]);
  });

  it('refuses a token without a subject or with groups of the wrong shape', () => {
    expect(() => readSignInClaims({ groups: [] }, 'groups')).toThrow('has no subject');
    expect(() => readSignInClaims({ sub: 'u1', groups: [1, 2] }, 'groups')).toThrow('"groups" claim is not a list of group names');
  });
});

describe('nameWithSuffix', () => {
  it('tries the name itself first, then numbered ones', () => {
    expect([1, 2, 3].map((n) => nameWithSuffix('ada', n))).toEqual(['ada', 'ada-2', 'ada-3']);
  });
});
