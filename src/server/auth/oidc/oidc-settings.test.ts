import { describe, expect, it } from 'vitest';
import { checkOidcSettings, DEFAULT_SESSION_MS, redirectUri } from './oidc-settings.ts';

const flags = { issuer: 'https://id.example.com/realms/acme', clientId: 'slipway', publicUrl: 'https://slipway.example.com', groupRoles: ['ops=admin'] };

describe('checkOidcSettings', () => {
  it('is off without any OIDC flag', () => {
    expect(checkOidcSettings({})).toBeUndefined();
    expect(checkOidcSettings({ groupRoles: [], groupsClaim: 'groups' })).toBeUndefined();
  });

  it('reads the flags with their defaults, and the redirect URI under the public URL', () => {
    const settings = checkOidcSettings(flags)!;
    expect(settings).toMatchObject({ clientId: 'slipway', groupsClaim: 'groups', providerName: 'id.example.com', scopes: 'openid profile email groups', sessionMs: DEFAULT_SESSION_MS });
    expect(settings.groupRoles).toEqual([{ group: 'ops', grant: { role: 'admin', project: null, env: null } }]);
    expect(settings.clientSecret).toBeUndefined();
    expect(redirectUri(settings).href).toBe('https://slipway.example.com/auth/oidc/callback');
    expect(redirectUri(checkOidcSettings({ ...flags, publicUrl: 'https://example.com/slipway' })!).href).toBe('https://example.com/slipway/auth/oidc/callback');
  });

  it('says which flag is missing or wrong', () => {
    expect(() => checkOidcSettings({ ...flags, issuer: undefined })).toThrow('--oidc-issuer is missing');
    expect(() => checkOidcSettings({ ...flags, clientId: '' })).toThrow('--oidc-client-id is missing');
    expect(() => checkOidcSettings({ ...flags, publicUrl: undefined })).toThrow('--public-url is missing');
    expect(() => checkOidcSettings({ ...flags, groupRoles: [] })).toThrow('--oidc-group-role is missing');
    expect(() => checkOidcSettings({ ...flags, issuer: 'http://id.example.com' })).toThrow('expected an https: URL (http: only on a loopback address)');
    expect(checkOidcSettings({ ...flags, issuer: 'http://127.0.0.1:8080' })?.issuer.href).toBe('http://127.0.0.1:8080/');
    expect(() => checkOidcSettings({ ...flags, publicUrl: 'https://x.example.com/?a=b' })).toThrow('without query');
    expect(() => checkOidcSettings({ ...flags, scopes: 'profile email' })).toThrow('must include openid');
    expect(() => checkOidcSettings({ ...flags, sessionMs: 1_000 })).toThrow('--oidc-session: expected at least 1m');
    expect(() => checkOidcSettings({ ...flags, issuer: 'not a url' })).toThrow(expect.objectContaining({ code: 'SLIPWAY_OIDC_CONFIG' }) as Error);
  });
});
