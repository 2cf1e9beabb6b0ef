// How smoothly the web UI's log list scrolls with a million lines, against a short list of twenty
// thousand measured in the same browser at the same time: milliseconds between frames (p50, p95;
// 16.7 ms is 60 frames a second) and the most rows in the page. Debian's Chromium, headless.
// Run: npx tsx bench/ui/log-scroll.bench.ts
import { desktop, launchChromium } from '../../test/ui/support/browser.ts';
import { scrollThrough, serveMillionLinesPage } from '../../test/ui/support/million-lines-page.ts';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const served = await serveMillionLinesPage();
const browser = await launchChromium();
try {
  const tab = await browser.newPage({ viewport: desktop });
  for (const lines of [20_000, 1_000_000]) {
    const { gaps, rowsMax } = await scrollThrough(tab, served.url, lines);
    console.log(`${lines.toLocaleString('en')} lines: ${gaps.length} frames, p50 ${percentile(gaps, 0.5).toFixed(1)} ms, p95 ${percentile(gaps, 0.95).toFixed(1)} ms between frames, at most ${rowsMax} rows in the page`);
  }
} finally {
  await browser.close();
  await served.close();
}
