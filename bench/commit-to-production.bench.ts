// Slipway's own overhead from a commit to production for the sample project: the time from the
// commit until every production host runs it, minus the time of the project's own commands
// (unit tests, acceptance test, and the app's start-up in each sequential batch).
// Run: npx tsx bench/commit-to-production.bench.ts [iterations]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LogLine } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { freePort } from '../test/support/slipway-processes.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { median, ms, sendPushWebhook, stepDuration, waitForRunEnd } from './bench-support.ts';

const iterations = Number(process.argv[2] ?? 5);
const fleet = new TestFleet('bench-overhead');

try {
  fleet.initRepo(() => fleet.editFile('slipway.yml', (y) => y.replace('approval: manual', 'approval: auto')));
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  for (const name of ['testing-1', 'testing-2']) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
  for (const name of ['production-1', 'production-2', 'production-3']) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
  await waitFor('six agents online', async () => (await fleet.api.get<{ online: boolean }[]>('/api/v1/agents')).filter((a) => a.online).length === 6);
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1h' });
  await waitForRunEnd(fleet, 'hello', 1); // warm-up: the first run also creates the mirror

  const appStart = median(await Promise.all(Array.from({ length: 5 }, () => timeAppStart(fleet.repo))));
  const sequentialActivations = 4; // testing: 2 batches of 1; production: 50% of 3 = batches of 2 and 1
  const rows: { total: number; build: number; verify: number; overhead: number }[] = [];
  for (let i = 0; i < iterations; i++) {
    const sha = fleet.commit(`Change ${i}`, () => fleet.editFile('greeting.js', (t) => `${t.trimEnd()}\n// change ${i}\n`));
    const committed = Date.now();
    await sendPushWebhook(fleet, 'hello', sha);
    const run = await waitForRunEnd(fleet, 'hello', i + 2);
    if (run.status !== 'succeeded') throw new Error(`run #${run.number} ${run.status}: ${run.error}`);
    const total = run.finishedAt! - committed;
    const log = await fleet.api.get<LogLine[]>(projectPath('hello', `/runs/${run.number}/log`));
    const build = stepDuration(log, 'npm test');
    const verify = stepDuration(log, 'npm run acceptance');
    rows.push({ total, build, verify, overhead: total - build - verify - sequentialActivations * appStart });
  }

  console.log(`commit to production, sample project, ${iterations} commits (webhook trigger; a poll trigger adds up to its interval)`);
  console.log(`app start-up (spawn to first healthy answer), median of 5: ${ms(appStart)} × ${sequentialActivations} sequential activations`);
  console.log('total      build      verify     overhead');
  for (const r of rows) console.log([r.total, r.build, r.verify, r.overhead].map((v) => ms(v).padEnd(10)).join(' '));
  console.log(`median overhead: ${ms(median(rows.map((r) => r.overhead)))} of a median total of ${ms(median(rows.map((r) => r.total)))}`);
} finally {
  await fleet.close();
}

/** The sample app's own start-up: from spawning `node server.js` to its first 2xx on /healthz. */
async function timeAppStart(repo: string): Promise<number> {
  const port = await freePort();
  const started = Date.now();
  const app = spawn(process.execPath, [join(repo, 'server.js')], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  try {
    await waitFor('the app to answer', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { intervalMs: 5, timeoutMs: 10_000 });
    return Date.now() - started;
  } finally {
    app.kill('SIGKILL');
  }
}
