import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SIGN_IN_MAX_MS, SignInCookie } from './sign-in-cookie.ts';

const pending = { state: 'st', nonce: 'no', verifier: 've' };
const cookieOf = (setCookie: string) => setCookie.split(';')[0];

describe('SignInCookie', () => {
  it('gives back what it remembered once, in a secure HttpOnly cookie limited to /auth/oidc/', () => {
    const cookies = new SignInCookie(randomBytes(32), true);
    const set = cookies.create(pending, 1_000);
    expect(set).toMatch(/; Path=\/auth\/oidc\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
    expect(cookies.take(`other=1; ${cookieOf(set)}`, 2_000)).toEqual(pending);
    expect(cookies.take(cookieOf(set), 3_000)).toBe('this sign-in was finished already');
  });

  it('refuses a cookie it did not sign, a changed one, an expired one, and none', () => {
    const cookies = new SignInCookie(randomBytes(32), false);
    const set = cookieOf(cookies.create(pending, 0))!;
    expect(cookies.take(cookieOf(new SignInCookie(randomBytes(32), false).create(pending, 0)), 1)).toBe('the sign-in cookie is not one this server made');
    const [name, value] = set.split('=');
    const [body, mac] = value!.split('.');
    const forged = Buffer.from(JSON.stringify({ ...pending, state: 'mine', expiresAt: 1e15 })).toString('base64url');
    expect(cookies.take(`${name}=${forged}.${mac}`, 1)).toBe('the sign-in cookie is not one this server made');
    expect(cookies.take(`${name}=${body}.${mac}`, SIGN_IN_MAX_MS)).toBe('the sign-in took longer than 10 minutes');
    expect(cookies.take(undefined, 1)).toMatch(/^this browser has no sign-in in progress/);
    expect(cookies.clear()).toMatch(/^slipway_sign_in=; Path=\/auth\/oidc\/; Max-Age=0;/);
  });
});
