// The web UI in Debian's Chromium against a real server, a runner and three hosts: sign-in, a new
// commit showing up live on the overview, host bars reaching done live on the run page with the
// log lines of both testing hosts beside them, approving a gate, a search for a line one host's
// app wrote, a line of HTML shown as text, a rollback with its confirmation, and a re-run.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, RunDetail } from '../../src/core/api/answers.ts';
import { projectPath } from '../../src/cli/api-client.ts';
import { TestFleet } from '../support/test-fleet.ts';
import { waitFor } from '../support/wait-for.ts';
import { launchChromium, screenshots, signedInPage } from './support/browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { hostsInLogPane, recordHostSteps } from './support/log-pane.ts';

const markup = '<img src=x onerror=alert(1)>';
const live = { timeout: 90_000 };

describe('the web UI', () => {
  const fleet = new TestFleet('web-ui');
  let browser: Browser;
  let page: Page;
  let firstVersion = '';
  let secondVersion = '';
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  const run = (n: number) => fleet.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));
  const stageOf = (r: RunDetail, name: string) => r.stages.find((s) => s.name === name);
  const answers = () => Promise.all(['testing-1', 'testing-2'].map((h) => fleet.appAnswer(h)));

  beforeAll(async () => {
    ensureWebBuild();
    const sha = fleet.initRepo();
    firstVersion = `1-${sha.slice(0, 7)}`;
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of ['testing-1', 'testing-2']) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
    await fleet.startAgent({ name: 'production-1', labels: 'env=production', appPort: true });
    await waitFor('four agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 4);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    await waitFor('run #1 to wait for approval', async () => stageOf(await run(1), 'production')?.status === 'awaiting_approval', { timeoutMs: 120_000, intervalMs: 250 });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await fleet.close();
  });

  it('asks for an API token, refuses a wrong one, and signs in with the right one', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const signIn = await context.newPage();
    await signIn.goto(fleet.url);
    await screenshots(signIn, 'sign-in');
    await signIn.getByLabel('API token').fill('swa_wrong');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    await context.close();

    page = await signedInPage(browser, fleet.url, fleet.tokens.admin);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.locator('[data-project="hello"] [data-run="1"]').waitFor();
  });

  it('shows a new commit on the overview as soon as the server sees it', async () => {
    await page.locator('.live-state.open').waitFor(live);
    await screenshots(page, 'overview');
    const sha = fleet.commit('Say hi', () => {
      for (const file of ['greeting.js', 'test/greeting.test.js', 'acceptance.js']) fleet.editFile(file, (t) => t.replace('hello from', 'hi from'));
      // The app takes a moment to start, so that each host is seen activating before it is done.
      fleet.editFile('server.js', (t) => t.replace("server.listen(", `console.log('markup ${markup} end');\nawait new Promise((r) => setTimeout(r, 800));\nserver.listen(`));
    });
    secondVersion = `2-${sha.slice(0, 7)}`;
    const card = page.locator('[data-project="hello"] [data-run="2"]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.textContent()).toContain('Say hi');
  });

  it('moves every host bar of the run page to done live, with both hosts\' lines in its log', async () => {
    await page.locator('[data-project="hello"] [data-run="2"] a.run-link').click();
    await page.waitForURL('**/projects/hello/runs/2');
    await recordHostSteps(page);
    for (const host of ['testing-1', 'testing-2']) {
      await page.locator(`.host-bar[data-host="${host}"][data-step="healthy"]`).waitFor(live);
    }
    // Seen by this page as it happened (a reload would have lost the record): steps before done.
    const seen = await page.evaluate(() => (window as unknown as { hostSteps: Record<string, string[]> }).hostSteps);
    expect(seen['testing-2']?.at(-1)).toBe('healthy');
    expect(seen['testing-2']).toContain('activating');
    await page.locator('.stage[data-stage="production"][data-status="awaiting_approval"]').waitFor(live);
    await screenshots(page, 'run');
    const hosts = await waitFor('lines of both testing hosts in the run log', async () => {
      const seen = await hostsInLogPane(page, '.log-pane');
      return seen.has('testing-1') && seen.has('testing-2') ? seen : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(hosts.size).toBeGreaterThanOrEqual(2);
  });

  it('approves the production gate from the run page', async () => {
    await page.getByRole('button', { name: 'Approve production' }).click();
    await page.locator('.host-bar[data-host="production-1"][data-step="healthy"]').waitFor(live);
    await page.locator('.run-actions [data-status="succeeded"]').waitFor(live);
    expect((await run(2)).status).toBe('succeeded');
  });

  it('finds a line that the app wrote on one host', async () => {
    const port = fleet.agent('testing-2').port!;
    await page.getByRole('link', { name: 'Logs', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search the logs' }).fill(`"listening on port ${port}"`);
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator('.log-row[data-host="testing-2"]').filter({ hasText: `listening on port ${port}` }).first();
    await row.waitFor({ timeout: 30_000 });
    expect(await page.locator('.log-row').filter({ hasText: `listening on port ${port}` }).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host')))).not.toContain('testing-1');
    await screenshots(page, 'logs');
  });

  it('shows HTML in a log line as text, never as markup', async () => {
    await page.getByRole('searchbox', { name: 'Search the logs' }).fill('markup');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator('.log-row').filter({ hasText: markup }).first();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('.log-text').textContent()).toBe(`markup ${markup} end`);
    await row.click();
    await page.locator('.line-detail-text').filter({ hasText: markup }).waitFor();
    expect(await page.locator('.log-view img').count()).toBe(0);
    await screenshots(page, 'logs-markup');
    expect(dialogs).toEqual([]);
  });

  it('lists every host with its labels, agent health and app version', async () => {
    await page.getByRole('link', { name: 'Hosts', exact: true }).click();
    for (const host of ['runner-1', 'testing-1', 'testing-2', 'production-1']) await page.locator(`tr[data-host="${host}"]`).waitFor();
    const production = page.locator('tr[data-host="production-1"]');
    await production.filter({ hasText: secondVersion }).waitFor(live);
    expect(await production.textContent()).toContain('env=production');
    expect(await production.locator('[data-status="online"]').count()).toBe(1);
    await screenshots(page, 'hosts');
  });

  it('rolls testing back from the overview after a confirmation, and every host runs the previous version again', async () => {
    expect(await answers()).toEqual(['testing-1', 'testing-2'].map((h) => `hi from ${h}, running version ${secondVersion}`));
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const testing = page.locator('[data-project="hello"] [data-env="testing"]');
    await testing.getByRole('button', { name: /Roll back/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back testing?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(firstVersion);
    await screenshots(page, 'rollback-confirm');
    await dialog.getByRole('button', { name: 'Roll back testing' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor('both testing hosts on the first version', async () => {
      const now = await answers();
      return now.every((a, i) => a === `hello from testing-${i + 1}, running version ${firstVersion}`) || undefined;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    await testing.locator('.env-version').filter({ hasText: firstVersion }).waitFor(live);
    await testing.locator('[data-status="succeeded"]').filter({ hasText: 'rollback' }).waitFor(live);
    await screenshots(page, 'overview-after-rollback');
  });

  it('re-runs a run as a new run of the same commit', async () => {
    const first = await run(1);
    await page.goto(`${fleet.url}/projects/hello/runs/1`);
    await page.getByRole('button', { name: /Re-run/ }).click();
    await page.waitForURL('**/projects/hello/runs/3');
    await page.locator('.run-title').filter({ hasText: '#3' }).waitFor();
    const again = await run(3);
    expect(again).toMatchObject({ sha: first.sha, trigger: 'manual' });
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
