// The log list at scale, in Debian's Chromium: with a million lines only the rows in view are in
// the page, the last line is reachable, and markup stays text. How smoothly it scrolls is measured
// by bench/ui/log-scroll.bench.ts, not here: a frame time depends on how busy the machine is.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, screenshotDir } from './support/browser.ts';
import { scrollThrough, serveMillionLinesPage } from './support/million-lines-page.ts';

describe('a log list of a million lines', () => {
  let page: { url: string; close: () => Promise<void> } | undefined;
  let browser: Browser;

  beforeAll(async () => {
    page = await serveMillionLinesPage();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await page?.close();
  });

  it('keeps only the visible rows in the page, reaches the last line, and shows markup as text', async () => {
    const tab = await browser.newPage({ viewport: desktop });
    const errors: string[] = [];
    tab.on('pageerror', (err) => errors.push(err.message));
    tab.on('dialog', (dialog) => {
      errors.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    const million = await scrollThrough(tab, page!.url, 1_000_000);
    expect(await tab.evaluate(() => (window as unknown as { millionLines: { count: number } }).millionLines.count)).toBe(1_000_000);
    mkdirSync(screenshotDir, { recursive: true });
    await tab.screenshot({ path: join(screenshotDir, 'million-lines-1280.png') });

    expect(million.rowsMax).toBeLessThan(100);
    expect(million.lastText).toMatch(/^#1000000 /);
    expect(million.imgs).toBe(0);
    expect(million.markup).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
