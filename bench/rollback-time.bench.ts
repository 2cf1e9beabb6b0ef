// How fast a failed deployment puts every host back: from the first health check the new version
// fails (the app logs the time it refused the probe) and from the agent's failed verdict (after
// the health timeout), until every production host is restored and the deployment is rolled_back.
// Run: npx tsx bench/rollback-time.bench.ts [iterations]
import type { Artifact, Deployment } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { events, median, ms, waitForRunEnd } from './bench-support.ts';
import { productionOnlyConfig } from '../test/support/production-only-config.ts';

const iterations = Number(process.argv[2] ?? 5);
const healthTimeout = '3s';
const hosts = ['production-1', 'production-2', 'production-3'];
const fleet = new TestFleet('bench-rollback');

try {
  fleet.initRepo(() => fleet.editFile('slipway.yml', () => productionOnlyConfig({ healthTimeout, batch: 1 })));
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  for (const name of hosts) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
  await waitFor('four agents online', async () => (await fleet.api.get<{ online: boolean }[]>('/api/v1/agents')).filter((a) => a.online).length === 4);
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  const good = await waitForRunEnd(fleet, 'hello', 1);
  if (good.status !== 'succeeded') throw new Error(`the first run ${good.status}: ${good.error}`);

  // The bad version refuses its health check on the last host only, after the two others switched.
  fleet.commit('Fail on production-3', () => fleet.editFile('server.js', (t) => t.replace(`if (request.url === '/healthz') {`, `if (request.url === '/healthz' && host === 'production-3') {
    console.log(\`refused health at \${Date.now()}\`);
    response.writeHead(503).end();
    return;
  }
  if (request.url === '/healthz') {`)));
  const bad = await waitForRunEnd(fleet, 'hello', 2);
  const rows: { fromProbe: number; fromVerdict: number }[] = [];
  rows.push(await measure(bad.deployments[0]!.id));
  for (let i = 1; i < iterations; i++) {
    const started = await fleet.api.post<Deployment>(projectPath('hello', '/deployments'), { version: bad.version, env: 'production', force: true });
    rows.push(await measure(started.id));
  }
  const answers = await Promise.all(hosts.map((h) => fleet.appAnswer(h)));
  if (!answers.every((a) => a?.endsWith(good.version))) throw new Error(`not every host is back on ${good.version}: ${answers.join(' | ')}`);
  const versions = await fleet.api.get<Artifact[]>(projectPath('hello', '/versions'));

  console.log(`rollback of 3 production hosts (batch 1, the last host fails), health timeout ${healthTimeout}, ${iterations} deployments`);
  console.log('from first failed probe   from failed verdict');
  for (const r of rows) console.log(`${ms(r.fromProbe).padEnd(25)} ${ms(r.fromVerdict)}`);
  console.log(`median: ${ms(median(rows.map((r) => r.fromProbe)))} from the first failed probe (includes the ${healthTimeout} health timeout), ` +
    `${ms(median(rows.map((r) => r.fromVerdict)))} from the failed verdict until every host is restored`);
  console.log(`${bad.version} quarantined: ${Boolean(versions.find((v) => v.version === bad.version)?.quarantinedAt)}`);
} finally {
  await fleet.close();
}

async function measure(deploymentId: string): Promise<{ fromProbe: number; fromVerdict: number }> {
  const ended = await waitFor('the deployment to end', async () => {
    const d = await fleet.api.get<Deployment>(`/api/v1/deployments/${deploymentId}`);
    return d.finishedAt ? d : undefined;
  }, { timeoutMs: 60_000, intervalMs: 50 });
  if (ended.status !== 'rolled_back') throw new Error(`deployment ${ended.status}: ${ended.error}`);
  const verdict = (await events(fleet, `deployment=${deploymentId}`)).find((e) => e.kind === 'deployment.host' && e.data.step === 'failed');
  const probe = ended.cause?.logTail.map((l) => /refused health at (\d+)/.exec(l)?.[1]).find(Boolean);
  if (!verdict || !probe) throw new Error('no failed health check recorded');
  return { fromProbe: ended.finishedAt! - Number(probe), fromVerdict: ended.finishedAt! - verdict.at };
}
