// Web sign-in through a real OpenID Connect provider (oidc-provider, started here) with a real
// Slipway server and Debian's Chromium: a member of `ops` lands on the overview as admin and may
// do what only an admin may, and signing out ends the session on the server; a member of `devs`
// is a viewer and is refused it (403); somebody whose groups map to nothing gets the "no role"
// page, and somebody who cancels at the provider its refusal. Forged and replayed sign-ins are
// refused with a clear error and start no session: a link carrying another person's session, a
// callback this browser did not start, a state changed on the way, a callback used a second
// time, and an ID token the provider made for another client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../src/base/ids.ts';
import { createApiClient, type ApiClient } from '../../src/cli/api-client.ts';
import type { UserAnswer } from '../../src/core/api/answers.ts';
import { freePort, killProcessesUnder, startSlipway, waitForHttp, type SlipwayProcess } from '../support/slipway-processes.ts';
import { desktop, launchChromium, screenshots } from './support/browser.ts';
import { TestIdentityProvider } from './support/identity-provider.ts';
import { ensureWebBuild } from './support/web-build.ts';

const slipwayClient = { client_id: 'slipway', client_secret: newToken('oidc') };
const otherClient = { client_id: 'other-app', client_secret: newToken('oidc'), redirect_uris: ['http://127.0.0.1:9/other-app/callback'] };
const accounts = {
  ada: { preferred_username: 'ada', email: 'ada@example.com', groups: ['ops'] },
  bob: { preferred_username: 'bob', email: 'bob@example.com', groups: ['devs'] },
  carol: { preferred_username: 'carol', email: 'carol@example.com', groups: ['strangers'] },
};

describe('sign-in through the identity provider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-oidc-'));
  const adminToken = newToken('swa');
  let provider: TestIdentityProvider;
  let server: SlipwayProcess;
  let publicUrl = '';
  let api: ApiClient;
  let browser: Browser;
  let bobsSession = '';
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    // The browser reaches Slipway as localhost and the provider as 127.0.0.1: two sites, as in
    // life, so the sign-in cookie must come back with a cross-site redirect.
    publicUrl = `http://localhost:${port}`;
    provider = await TestIdentityProvider.start({
      clients: [{ ...slipwayClient, redirect_uris: [`${publicUrl}/auth/oidc/callback`] }, otherClient],
      accounts,
    });
    const secretFile = join(dir, 'oidc-secret');
    writeFileSync(secretFile, `${slipwayClient.client_secret}\n`, { mode: 0o600 });
    server = startSlipway(dir, 'server', [
      'server', '--data', join(dir, 'data'), '--port', String(port), '--public-url', publicUrl,
      '--oidc-issuer', provider.issuer, '--oidc-client-id', slipwayClient.client_id, '--oidc-client-secret-file', secretFile,
      '--oidc-provider-name', 'Test IdP', '--oidc-group-role', 'ops=admin', '--oidc-group-role', 'devs=viewer',
    ], { SLIPWAY_ADMIN_TOKEN: adminToken, SLIPWAY_JOIN_TOKEN: newToken('swj') });
    await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`);
    api = createApiClient(`http://127.0.0.1:${port}`, adminToken);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.kill('SIGTERM');
    await provider?.close();
    killProcessesUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh browser at Slipway's sign-in page that clicks the provider's button and signs in there as `login`. */
  async function signInAtProvider(login: string, page?: Page): Promise<Page> {
    if (!page) {
      const context = await browser.newContext({ viewport: desktop, deviceScaleFactor: 1 });
      contexts.push(context);
      page = await context.newPage();
    }
    await page.goto(publicUrl);
    if (login === 'ada') await screenshots(page, 'oidc-sign-in');
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password will do');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click(); // the consent page
    return page;
  }

  /** What the signed-in tab's token may do: the status of an admin-only request (adding a user) made with it. */
  async function addUserWithSessionOf(page: Page, name: string): Promise<{ status: number; code?: string }> {
    return page.evaluate(async (userName) => {
      const token = sessionStorage.getItem('slipway.token') ?? '';
      const response = await fetch('/api/v1/users', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: userName }) });
      const body = (await response.json()) as { error?: { code: string } };
      return { status: response.status, code: body.error?.code };
    }, name);
  }

  const tokensOf = async (name: string) => (await api.get<UserAnswer[]>('/api/v1/users')).find((u) => u.name === name)?.tokens ?? [];

  it('lands a member of ops on the overview as admin, and lets them do what only an admin may', async () => {
    const page = await signInAtProvider('ada');
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    await page.locator('[data-signed-in-as="ada"]').filter({ hasText: 'admin' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(page.url()).not.toContain('session='); // the token left the address at once
    await expect(page.getByRole('link', { name: 'Overview', exact: true }).getAttribute('aria-current')).resolves.toBe('page');
    await screenshots(page, 'oidc-signed-in');
    expect(await addUserWithSessionOf(page, 'eve')).toEqual({ status: 201 });
    const [ada] = (await api.get<UserAnswer[]>('/api/v1/users')).filter((u) => u.name === 'ada');
    expect(ada).toMatchObject({ email: 'ada@example.com', grants: [] }); // the role is the session's, not the user's
    expect(ada!.tokens).toHaveLength(1);
    expect(ada!.tokens[0]!.expiresAt).toBeGreaterThan(Date.now());
  });

  it('ends the web session on the server when the person signs out', async () => {
    const page = await signInAtProvider('ada');
    await page.locator('[data-signed-in-as="ada"]').waitFor();
    const token = await page.evaluate(() => sessionStorage.getItem('slipway.token'));
    expect(token).toMatch(/^sws_/);
    const me = () => fetch(`${publicUrl.replace('//localhost:', '//127.0.0.1:')}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
    expect((await me()).status).toBe(401);
    // An API token pasted into the UI is not a session: signing out leaves it working.
    expect(await api.post('/api/v1/me/sign-out', {})).toEqual({ ended: null });
  });

  it('makes a member of devs a viewer, who is refused an admin-only action with 403', async () => {
    const page = await signInAtProvider('bob');
    await page.locator('[data-signed-in-as="bob"]').filter({ hasText: 'viewer' }).waitFor();
    expect(await addUserWithSessionOf(page, 'mallory')).toEqual({ status: 403, code: 'SLIPWAY_FORBIDDEN' });
    expect((await api.get<UserAnswer[]>('/api/v1/users')).map((u) => u.name)).not.toContain('mallory');
    bobsSession = (await page.evaluate(() => sessionStorage.getItem('slipway.token'))) ?? '';
  });

  it('ignores a link that carries somebody else\'s session, so nobody is signed in as its sender', async () => {
    expect(bobsSession).toMatch(/^sws_/);
    const context = await browser.newContext({ viewport: desktop });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${publicUrl}/#session=${bobsSession}`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
    expect(page.url()).not.toContain('session=');
    expect(await page.evaluate(() => sessionStorage.getItem('slipway.token'))).toBeNull();
  });

  it('shows somebody whose groups give no role a "no role" page, and starts no session', async () => {
    const page = await signInAtProvider('carol');
    await page.getByRole('heading', { name: 'No role in Slipway' }).waitFor();
    const text = await page.locator('body').textContent();
    expect(text).toContain('your groups (strangers) give no role in Slipway');
    expect(text).toContain('SLIPWAY_OIDC_NO_ROLE');
    expect(page.url()).not.toContain('session=');
    expect((await api.get<UserAnswer[]>('/api/v1/users')).map((u) => u.name)).not.toContain('carol');
  });

  it('tells somebody who cancels at the provider that it refused, and starts no session', async () => {
    const users = (await api.get<UserAnswer[]>('/api/v1/users')).length;
    const context = await browser.newContext({ viewport: desktop });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(publicUrl);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor();
    const text = await page.locator('body').textContent();
    expect(text).toContain('SLIPWAY_OIDC_PROVIDER_REFUSED');
    expect(text).toContain('the identity provider refused the sign-in: access_denied');
    expect((await api.get<UserAnswer[]>('/api/v1/users')).length).toBe(users);
  });

  it('refuses a callback this browser did not start', async () => {
    const response = await fetch(`${publicUrl.replace('localhost', '127.0.0.1')}/auth/oidc/callback?code=stolen&state=guessed`, { redirect: 'manual' });
    expect(response.status).toBe(401);
    expect(response.headers.get('location')).toBeNull();
    const page = await response.text();
    expect(page).toContain('SLIPWAY_OIDC_STATE');
    expect(page).toContain('this browser has no sign-in in progress');
  });

  it('refuses a callback whose state was changed on the way, and starts no session', async () => {
    const before = (await tokensOf('ada')).length;
    // The browser loses its sign-in cookie on the way, so that the code it brings back is still
    // unused when the test brings it back itself, with the cookie and another state.
    const { page, cookie, callbackUrl } = await signInCapturingCallback('ada', { dropCookie: true });
    await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor();
    expect(await page.locator('body').textContent()).toContain('this browser has no sign-in in progress');
    const changed = new URL(callbackUrl);
    changed.searchParams.set('state', 'changed-on-the-way');
    const answer = await callback(changed.href, cookie);
    expect(answer).toMatchObject({ status: 401, location: null });
    expect(answer.page).toContain('SLIPWAY_OIDC_STATE');
    expect(answer.page).toContain('the callback&#39;s state is not the one this browser&#39;s sign-in started with');
    expect(await tokensOf('ada')).toHaveLength(before);
  });

  it('refuses a callback used a second time, and starts no second session', async () => {
    const { page, cookie, callbackUrl } = await signInCapturingCallback('ada');
    await page.locator('[data-signed-in-as="ada"]').waitFor();
    const sessions = (await tokensOf('ada')).length;
    const again = await callback(callbackUrl, cookie);
    expect(again).toMatchObject({ status: 401, location: null });
    expect(again.page).toContain('SLIPWAY_OIDC_STATE');
    expect(again.page).toContain('this sign-in was finished already');
    expect(await tokensOf('ada')).toHaveLength(sessions);
  });

  /**
   * Signs in as `login` in a fresh browser, noting the sign-in cookie Slipway set and the callback
   * address the provider sent the browser to (with its code and state); `dropCookie` removes the
   * cookie from the browser before it goes back.
   */
  async function signInCapturingCallback(login: string, options: { dropCookie?: boolean } = {}): Promise<{ page: Page; cookie: string; callbackUrl: string }> {
    const context = await browser.newContext({ viewport: desktop });
    contexts.push(context);
    const page = await context.newPage();
    let callbackUrl: string | undefined;
    page.on('request', (request) => {
      if (request.url().startsWith(`${publicUrl}/auth/oidc/callback?`)) callbackUrl = request.url();
    });
    await page.goto(publicUrl);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.locator('input[name="login"]').fill(login);
    const cookies = await context.cookies(`${publicUrl}/auth/oidc/callback`);
    const signInCookie = cookies.find((c) => c.name === 'slipway_sign_in');
    expect(signInCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/auth/oidc/' });
    if (options.dropCookie) await context.clearCookies({ name: 'slipway_sign_in' });
    await page.locator('input[name="password"]').fill('any password will do');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState();
    expect(callbackUrl).toBeDefined();
    return { page, cookie: `slipway_sign_in=${signInCookie!.value}`, callbackUrl: callbackUrl! };
  }

  /** Slipway's answer to a callback brought by the test itself, with `cookie`. */
  async function callback(url: string, cookie: string): Promise<{ status: number; location: string | null; page: string }> {
    const response = await fetch(url.replace('//localhost:', '//127.0.0.1:'), { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, location: response.headers.get('location'), page: await response.text() };
  }

  it('refuses an ID token the provider made for another client, and starts no session', async () => {
    const before = (await tokensOf('ada')).length;
    const context = await browser.newContext({ viewport: desktop });
    contexts.push(context);
    const page = await context.newPage();
    // Slipway's sign-in, up to the provider's login page: its nonce is in the authorization request.
    const authorization = page.waitForRequest((r) => r.url().startsWith(`${provider.issuer}/auth?`));
    await page.goto(publicUrl);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    const nonce = new URL((await authorization).url()).searchParams.get('nonce') ?? '';
    expect(nonce).not.toBe('');
    // The same person signs in to the other app, with that very nonce, and it gets its ID token.
    const idToken = await idTokenForOtherApp(context, nonce);
    expect(JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: 'other-app', nonce, sub: 'ada' });
    // The hostile provider answers Slipway's code with the other app's ID token.
    provider.answerNextTokenRequestWith(idToken);
    await page.locator('input[name="login"]').fill('ada');
    await page.locator('input[name="password"]').fill('any password will do');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor();
    const text = await page.locator('body').textContent();
    expect(text).toContain('SLIPWAY_OIDC_TOKEN_INVALID');
    expect(text).toMatch(/"aud" \(audience\)/);
    expect(page.url()).not.toContain('session=');
    expect(await tokensOf('ada')).toHaveLength(before);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
  });

  /** Runs the other app's sign-in for the person signed in at the provider in `context`, and redeems its code. */
  async function idTokenForOtherApp(context: BrowserContext, nonce: string): Promise<string> {
    const page = await context.newPage();
    let code: string | null = null;
    // Nothing listens at the other app's address: the browser's arrival there is caught here.
    await page.route('http://127.0.0.1:9/**', (route) => {
      code = new URL(route.request().url()).searchParams.get('code');
      return route.fulfill({ status: 200, body: 'the other app' });
    });
    const verifier = newToken('verifier');
    const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
    const query = new URLSearchParams({ client_id: otherClient.client_id, redirect_uri: otherClient.redirect_uris[0]!, response_type: 'code', scope: 'openid', nonce, state: 'other-app-state', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${provider.issuer}/auth?${query.toString()}`);
    await page.locator('input[name="login"]').fill('ada');
    await page.locator('input[name="password"]').fill('any password will do');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('the other app').waitFor();
    await page.close();
    expect(code).not.toBeNull();
    const response = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${otherClient.client_id}:${otherClient.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: otherClient.redirect_uris[0]!, code_verifier: verifier }),
    });
    const body = (await response.json()) as { id_token?: string; error?: string };
    if (!body.id_token) throw new Error(`the other app got no ID token: ${JSON.stringify(body)}`);
    return body.id_token;
  }
});
