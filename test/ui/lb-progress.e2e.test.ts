// The steps of a rollout behind a real HAProxy, where people watch it: the run page's host bars in
// Debian's Chromium go draining → activating → ready, live, and `slipway deploy` prints
// the same steps, one line each, when its output is not a terminal. Slow requests keep a session
// open on each host, so that its drain waits for it. Hosts on loopback ports here: the namespaced
// hosts are the business of the load tests.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView, RunDetail } from '../../src/core/api/answers.ts';
import { projectPath } from '../../src/cli/api-client.ts';
import { HaproxyProcess, haproxyUnavailableReason } from '../support/haproxy-process.ts';
import { LoadGenerator } from '../support/load-generator.ts';
import { productionOnlyConfig } from '../support/production-only-config.ts';
import { cliEnv, runSlipway } from '../support/slipway-processes.ts';
import { TestFleet } from '../support/test-fleet.ts';
import { waitFor } from '../support/wait-for.ts';
import { launchChromium, screenshots, signedInPage } from './support/browser.ts';
import { recordHostSteps } from './support/log-pane.ts';

const unavailable = haproxyUnavailableReason();
const mustRun = process.env.CI === 'true';
if (unavailable && !mustRun) console.warn(`lb-progress.e2e: skipped, ${unavailable}`);

const hosts = ['production-1', 'production-2'];
const live = { timeout: 90_000 };

describe.skipIf(unavailable !== null && !mustRun)('the steps of a rollout behind HAProxy, in the web UI and the terminal', () => {
  const fleet = new TestFleet('lb-progress');
  let haproxy: HaproxyProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    if (unavailable) throw new Error(`CI runs this test, but this machine cannot: ${unavailable}`);
    await fleet.startServer();
    for (const name of hosts) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
    haproxy = await HaproxyProcess.start({ servers: hosts.map((name) => ({ name, address: '127.0.0.1', port: fleet.agent(name).port! })) });
    fleet.initRepo(() => {
      fleet.editFile('slipway.yml', () => productionOnlyConfig({
        healthTimeout: '10s', batch: 1,
        productionLines: `    loadBalancer:\n      haproxy:\n        on: { role: lb }\n        socket: ${haproxy!.socketPath}\n        backend: app\n        drain: 5s\n`,
      }));
      // A slow answer holds a session open, so that a drain has one to wait for (and lasts long
      // enough for a person, or this test, to see it).
      fleet.editFile('server.js', (t) => t.replace("  if (request.url === '/healthz') {", "  if (request.url === '/slow') {\n    setTimeout(() => response.end('slow\\n'), 1500);\n    return;\n  }\n  if (request.url === '/healthz') {"));
    });
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.startAgent({ name: 'lb-1', labels: 'role=lb', args: ['--haproxy-socket', haproxy.socketPath] });
    await waitFor('four agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 4);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1h' });
    await waitFor('run #1 to succeed', async () => (await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1')).catch(() => undefined))?.status === 'succeeded', { timeoutMs: 120_000, intervalMs: 250 });
    await haproxy.waitUntilAllUp();
    browser = await launchChromium();
    page = await signedInPage(browser, fleet.url, fleet.tokens.admin);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await haproxy?.stop();
    await fleet.close();
  });

  it('moves each host bar of the run page out of the pool (draining) and back (ready), live', async () => {
    const slow = LoadGenerator.start({ url: `${haproxy!.url}/slow`, freshClients: 2, keepAliveClients: 0, deadlineMs: 120_000 });
    fleet.commit('A second version', () => fleet.editFile('server.js', (t) => `${t}// version two\n`));
    await fleet.api.post(projectPath('hello', '/runs'), { ref: 'main' });
    await page.goto(`${fleet.url}/projects/hello/runs/2`);
    await page.locator('.run-actions').waitFor(live);
    await recordHostSteps(page);
    for (const host of hosts) await page.locator(`.host-bar[data-host="${host}"][data-step="ready"]`).waitFor(live);
    const counts = await slow.stop();
    expect({ sent: counts.sent, ok: counts.ok, examples: counts.examples }).toEqual({ sent: counts.ok, ok: counts.ok, examples: { non2xx: [], connectionErrors: [] } });
    const seen = await page.evaluate(() => (window as unknown as { hostSteps: Record<string, string[]> }).hostSteps);
    await screenshots(page, 'lb-run');
    for (const host of hosts) {
      // Activating and readying can pass within a few tens of milliseconds (the app restarts fast,
      // the agent's health check polls from 5 ms, readying passes within a check interval when
      // HAProxy never saw the host down): the page may or may not catch them, and the terminal's
      // test below requires every step in order.
      const steps = (seen[host] ?? []).filter((step) => step !== 'readying' && step !== 'activating' && step !== 'healthy');
      const order = ['draining', 'ready'].map((step) => steps.indexOf(step));
      expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), `${host} went ${(seen[host] ?? []).join(' → ')}`).toBe(true);
    }
    expect((await haproxy!.runtime.showStat('app')).map((s) => [s.svname, s.status])).toEqual(hosts.map((h) => [h, 'UP']));
  });

  it('prints each LB step once per host for slipway deploy when stdout is not a terminal', async () => {
    const { version } = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
    // The first version again, through the same steps.
    const ran = await runSlipway(['deploy', 'hello', version, '--env', 'production', '--force'], { env: cliEnv(fleet.url, fleet.tokens.admin) });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const lines = ran.stdout.trimEnd().split('\n');
    for (const host of hosts) {
      const steps = lines.filter((l) => l.startsWith(`    ${host} `)).map((l) => l.trim().split(/\s+/).slice(1).join(' '));
      expect(steps.filter((s) => ['draining', 'readying', 'ready'].includes(s)), `${host}: ${steps.join(', ')}`).toEqual(['draining', 'readying', 'ready']);
    }
    expect(lines.at(-1)).toBe(`  production: deploy of ${version} succeeded`);
  });
});
