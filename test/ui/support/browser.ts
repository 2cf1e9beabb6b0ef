// Debian's Chromium driven by playwright-core for the UI tests: launched headless with the
// flags this machine needs, a signed-in page on a server, and screenshots at desktop and phone
// widths under test-output/screenshots/.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = resolve(import.meta.dirname, '../../../test-output/screenshots');

export const desktop = { width: 1280, height: 900 };
export const phone = { width: 390, height: 844 };

/** Launches Chromium; throws with the install command when it is not there. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium (or set SLIPWAY_CHROMIUM)`);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Without the networking flags Chromium keeps calling home, which this machine refuses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Opens the UI at `url` and signs in with `token` through the sign-in form. */
export async function signedInPage(browser: Browser, url: string, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: desktop, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  return page;
}

/**
 * Saves `<name>-1280.png`, `<name>-phone.png` and `<name>-dark.png` (1280 px, dark colour scheme)
 * of the whole page, and leaves it light at desktop width.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.setViewportSize(desktop);
  await page.screenshot({ path: join(screenshotDir, `${name}-1280.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(screenshotDir, `${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(phone);
  await page.screenshot({ path: join(screenshotDir, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(desktop);
}
