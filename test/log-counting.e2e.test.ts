// The counting test of the central log (issue 3): an app writes N numbered lines to its stdout and
// to a log file it declares in slipway.yml (rotated half-way) while its agent is SIGKILLed and
// started again, and then the server is SIGKILLed and started again. The central log ends with
// exactly N lines of each, in order: no gap, no duplicate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentView, LogSearchAnswer, RunDetail } from '../src/core/api/answers.ts';
import type { LogLine } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

/** Lines the app writes to each place; at 400 lines a second, about 10 s of writing. */
const N = 4000;

/**
 * The app: every 50 ms the next 20 numbers, each as "count <n>" on stdout and "file <n>" in
 * shared/log/app.log, which it renames to app.log.1 at N/2 (the next line starts a new app.log).
 * It keeps its count in shared/counter, so that a restart (an agent coming back kills the app it
 * left and starts it again) goes on where it stopped; SIGTERM lands between two batches.
 */
const countingApp = `// The app of the log-counting test: numbered lines on stdout and in a declared log file.
import { createServer } from 'node:http';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

const total = ${N};
const logDir = resolve('../../shared/log');
const counter = resolve('../../shared/counter');
mkdirSync(logDir, { recursive: true });
let n = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;

const timer = setInterval(() => {
  for (let k = 0; k < 20 && n < total; k++) {
    n += 1;
    writeSync(1, 'count ' + n + '\\n');
    appendFileSync(resolve(logDir, 'app.log'), 'file ' + n + '\\n');
    if (n === total / 2) renameSync(resolve(logDir, 'app.log'), resolve(logDir, 'app.log.1'));
  }
  writeFileSync(counter, String(n));
  if (n >= total) clearInterval(timer);
}, 50);

const server = createServer((request, response) => response.end('ok\\n'));
server.listen(Number(process.env.PORT ?? 8080));
process.on('SIGTERM', () => {
  writeFileSync(counter, String(n));
  process.exit(0);
});
`;

describe('the central log of an app whose agent and server are SIGKILLed while it writes', () => {
  const fleet = new TestFleet('log-counting');
  afterAll(() => fleet.close());

  const appRoot = () => join(fleet.agent('web-1').root, 'apps', 'hello');
  const declaredLog = () => join(appRoot(), 'shared', 'log', 'app.log');
  const counted = (): number => {
    try {
      return Number(readFileSync(join(appRoot(), 'shared', 'counter'), 'utf8')) || 0;
    } catch {
      return 0;
    }
  };
  const countReaches = (n: number, what: string) => waitFor(`the app to count to ${n} ${what}`, () => counted() >= n, { timeoutMs: 60_000, intervalMs: 20 });

  /**
   * Every stored line of web-1 with this stream, oldest first: through GET /api/v1/logs paged with
   * order=asc, or, on a server without it, through the run's log filtered here.
   */
  async function centralLog(stream: string): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    const probe = await fetch(`${fleet.url}/api/v1/logs?limit=1`, { headers: { authorization: `Bearer ${fleet.tokens.admin}` } });
    if (probe.status !== 404) {
      for (;;) {
        const after = lines.at(-1)?.id ?? 0;
        const page = await fleet.api.get<LogSearchAnswer>(`/api/v1/logs?host=web-1&stream=${encodeURIComponent(stream)}&order=asc&limit=1000&after=${after}`);
        lines.push(...page.lines);
        if (page.lines.length < 1000) return lines;
      }
    }
    for (let after = 0; ;) {
      const page = await fleet.api.get<LogLine[]>(projectPath('hello', `/runs/1/log?after=${after}&limit=10000`));
      lines.push(...page.filter((l) => l.host === 'web-1' && l.stream === stream));
      if (page.length < 10_000) return lines;
      after = page.at(-1)!.id;
    }
  }

  it('holds exactly N lines of its stdout and N of its rotated log file, in order, with no gap and no duplicate', async () => {
    fleet.initRepo(() => {
      fleet.editFile('slipway.yml', (y) => `${y.slice(0, y.indexOf('environments:'))}logs: ["shared/log/*.log"]
environments:
  production:
    hosts: { env: production }
`);
      fleet.editFile('server.js', () => countingApp);
    });
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.startAgent({ name: 'web-1', labels: 'env=production', appPort: true });
    await waitFor('two agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 2);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });

    // The agent dies while the app writes; the app goes on writing into its files meanwhile.
    await countReaches(N / 8, 'before its agent is killed');
    await fleet.agent('web-1').process.kill('SIGKILL');
    const atAgentDeath = counted();
    await countReaches(atAgentDeath + 200, 'while its agent is dead');
    await fleet.startAgent(fleet.agent('web-1').spec);

    // The server dies once the agent is back; the agent keeps spooling and sends it all later.
    await waitFor('web-1 online again', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).some((a) => a.name === 'web-1' && a.online));
    await countReaches(counted() + 200, 'after its agent is back');
    await fleet.server.kill('SIGKILL');
    const atServerDeath = counted();
    expect(atServerDeath, 'the app was still writing when the server died').toBeLessThan(N);
    await countReaches(atServerDeath + 200, 'while the server is dead');
    await fleet.startServer();
    await countReaches(N, 'to the end');

    const expected = (word: string) => Array.from({ length: N }, (_, i) => `${word} ${i + 1}`);
    const stdout = await waitFor(`${N} stdout lines in the central log`, async () => {
      const lines = await centralLog('app');
      return lines.length >= N ? lines : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const file = await waitFor(`${N} lines of the declared log file in the central log`, async () => {
      const lines = await centralLog(declaredLog());
      return lines.length >= N ? lines : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });

    // The supervisor's notes share the app's stream; the app's own lines are the numbered ones.
    expect(stdout.filter((l) => l.text.startsWith('count ')).map((l) => l.text)).toEqual(expected('count'));
    expect(file.map((l) => l.text)).toEqual(expected('file'));

    // Each line is tagged with the run and deployment of the activation that started the app, also
    // after the restarted agent started it again.
    const run = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
    const deployment = run.deployments.find((d) => d.env === 'production')!;
    for (const line of [...stdout.filter((l) => l.text.startsWith('count ')), ...file]) {
      expect(line).toMatchObject({ app: 'hello', env: 'production', runId: run.id, deploymentId: deployment.id });
    }
  });
});
