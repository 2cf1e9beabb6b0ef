// Watching the run page as a person would: a virtualised log pane scrolled from top to bottom
// noting the host of every line that comes into view, and the steps each host bar went through.
import type { Page } from 'playwright-core';

/** The hosts of every line in the log list inside `scope`, scrolling through all of it. */
export async function hostsInLogPane(page: Page, scope: string): Promise<Set<string>> {
  const hosts = await page.locator(`${scope} .vlist`).first().evaluate(async (list) => {
    const seen = new Set<string>();
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    list.scrollTop = 0;
    await frame();
    for (let guard = 0; guard < 10_000; guard++) {
      for (const row of list.querySelectorAll('.log-row')) seen.add(row.getAttribute('data-host') ?? '');
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) break;
      list.scrollTop += list.clientHeight;
      await frame();
    }
    return [...seen];
  });
  return new Set(hosts);
}

/**
 * Notes, every frame from now on, the step each host bar shows (window.hostSteps: host → steps in
 * the order they appeared), so a test can tell that the bars moved while the page watched.
 */
export async function recordHostSteps(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    (window as unknown as { hostSteps: Record<string, string[]> }).hostSteps = seen;
    const sample = () => {
      for (const bar of document.querySelectorAll('.host-bar')) {
        const host = bar.getAttribute('data-host') ?? '';
        const step = bar.getAttribute('data-step') ?? '';
        const steps = (seen[host] ??= []);
        if (steps.at(-1) !== step) steps.push(step);
      }
      requestAnimationFrame(sample);
    };
    sample();
  });
}
