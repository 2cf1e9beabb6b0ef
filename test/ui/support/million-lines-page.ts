// The log list at scale, for the million-lines test and bench/ui/log-scroll.bench.ts: builds the
// test page (the real LogView and LogBuffer, web/bench/), serves it with the server's own static
// route, and scrolls it in Debian's Chromium as a wheel and a dragged scrollbar would.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import type { Page } from 'playwright-core';
import { webRoutes } from '../../../src/server/web/web-routes.ts';

const root = resolve(import.meta.dirname, '../../..');

export interface Scrolled {
  /** Milliseconds between frames while scrolling, sorted. */
  gaps: number[];
  /** The most log rows in the page at any frame. */
  rowsMax: number;
  lastText: string;
  imgs: number;
  /** Rows whose text holds markup shown as text. */
  markup: number;
}

/** Builds the page and serves it on a loopback port; returns its URL and how to stop serving it. */
export async function serveMillionLinesPage(): Promise<{ url: string; close: () => Promise<void> }> {
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'web', 'bench', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  const server = Fastify();
  webRoutes(server, { distDir: join(root, 'test-output', 'million-lines') });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => server.close() };
}

/** Opens the page with `lines` lines and scrolls it: 120 frames of 300 px, 61 jumps, then the end. */
export async function scrollThrough(page: Page, url: string, lines: number): Promise<Scrolled> {
  await page.goto(`${url}?lines=${lines}`);
  await page.waitForFunction(() => 'millionLines' in window, undefined, { timeout: 60_000 });
  // No named functions inside: tsx (the benchmark) would wrap them in a helper the page lacks.
  return page.locator('.vlist').evaluate(async (list) => {
    const gaps: number[] = [];
    let rowsMax = 0;
    // Let the page settle (the collector runs after the lines were made) before timing.
    for (let i = 0; i < 90; i++) await new Promise((r) => requestAnimationFrame(r));
    list.scrollTop = 0;
    let last = await new Promise<number>((r) => requestAnimationFrame(r));
    // 120 wheel steps of 300 px, 61 jumps of a dragged scrollbar, then the end (twice).
    const jumps = Array.from({ length: 61 }, (_, i) => ((i * 7919) % 61) / 60);
    const moves = [...Array<null>(120).fill(null), ...jumps, 1, 1];
    for (const move of moves) {
      list.scrollTop = move === null ? list.scrollTop + 300 : move * (list.scrollHeight - list.clientHeight);
      const now = await new Promise<number>((r) => requestAnimationFrame(r));
      gaps.push(now - last);
      last = now;
      rowsMax = Math.max(rowsMax, list.querySelectorAll('.log-row').length);
    }
    const texts = [...list.querySelectorAll('.log-row .log-text')].map((e) => e.textContent ?? '');
    gaps.sort((a, b) => a - b);
    return { gaps, rowsMax, lastText: texts[texts.length - 1] ?? '', imgs: list.querySelectorAll('img').length, markup: texts.filter((t) => t.includes('<img')).length };
  });
}
