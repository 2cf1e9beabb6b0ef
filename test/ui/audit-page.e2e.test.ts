// The Audit page in Debian's Chromium against a real server: an admin finds it in the header and
// sees a refusal recorded with who, where and the code, and the chain's check; a viewer has no
// link, and opening the page anyway says plainly that it is for admins. A viewer of one project
// uses the other pages without being refused (so without audit entries).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewTokenAnswer } from '../../src/core/api/answers.ts';
import { TestFleet } from '../support/test-fleet.ts';
import { launchChromium, screenshots, signedInPage } from './support/browser.ts';
import { ensureWebBuild } from './support/web-build.ts';

describe('the Audit page', () => {
  const fleet = new TestFleet('web-audit');
  let browser: Browser;
  let viewerToken = '';

  beforeAll(async () => {
    ensureWebBuild();
    fleet.initRepo();
    await fleet.startServer();
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, poll: '1h' });
    viewerToken = (await fleet.api.post<NewTokenAnswer>('/api/v1/users', { name: 'vic', email: 'vic@example.com' })).token;
    await fleet.api.post('/api/v1/users/vic/grants', { role: 'viewer' });
    // A viewer's try at a deployment: refused, and recorded.
    const refused = await fetch(`${fleet.url}/api/v1/projects/hello/deployments`, {
      method: 'POST', headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: '1-0123456', env: 'production' }),
    });
    expect(refused.status).toBe(403);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fleet.close();
  });

  it('shows an admin every entry, newest first, with the refusal and its code, and an intact chain', async () => {
    const page = await signedInPage(browser, fleet.url, fleet.tokens.admin);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    const rows = page.locator('.audit-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(4);
    const newest = rows.first();
    expect(await newest.getAttribute('class')).toBe('refused');
    const text = await newest.innerText();
    for (const part of ['vic', '127.0.0.1', 'deployment.deploy', 'SLIPWAY_FORBIDDEN', 'refused']) expect(text).toContain(part);
    expect(await rows.last().innerText()).toContain('project:hello');
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.getByRole('status').filter({ hasText: 'intact: 4 entries' }).waitFor();
    await page.getByLabel('Actor').fill('vic');
    await page.waitForFunction(() => document.querySelectorAll('.audit-table tbody tr').length === 1);
    await page.getByLabel('Actor').fill('');
    await rows.nth(3).waitFor();
    await screenshots(page, 'audit');
    await page.context().close();
  }, 60_000);

  it('gives a viewer no link, and a plain note when they open the page', async () => {
    const page = await signedInPage(browser, fleet.url, viewerToken);
    // Reloaded (the token stays in the tab) to wait for the answer that decides the links.
    const me = page.waitForResponse((response) => response.url().endsWith('/api/v1/me'));
    await page.reload();
    expect((await me).status()).toBe(200);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await nav.getByRole('link', { name: 'Hosts' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await page.goto(`${fleet.url}/audit`);
    await page.getByRole('alert').filter({ hasText: 'The audit log is for admins.' }).waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('vic may not read the audit log');
    await screenshots(page, 'audit-refused');
    await page.context().close();
  }, 60_000);

  it('lets a viewer of one project use the overview and the live feed without a refusal, and sends them to a run for logs', async () => {
    await fleet.api.post('/api/v1/projects', { name: 'other', repo: fleet.repo, poll: '1h' });
    const samToken = (await fleet.api.post<NewTokenAnswer>('/api/v1/users', { name: 'sam', email: 'sam@example.com' })).token;
    await fleet.api.post('/api/v1/users/sam/grants', { role: 'viewer', project: 'hello' });
    const page = await signedInPage(browser, fleet.url, samToken);
    await page.locator('[data-project="hello"]').waitFor();
    await page.locator('.live-state.open').waitFor();
    expect(await page.locator('[data-project="other"]').count()).toBe(0);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('note').filter({ hasText: 'the log opens for a run or a deployment of yours' }).waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Hosts' }).click();
    await page.getByRole('heading', { name: 'Hosts', exact: true }).waitFor();
    // Nothing sam's pages asked for was refused: a refusal would be in the audit log.
    expect(await fleet.api.get<unknown[]>('/api/v1/audit?actor=sam')).toEqual([]);
    await page.context().close();
  }, 60_000);
});
