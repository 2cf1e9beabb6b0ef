// A build step that goes looking for credentials, on a real server and a runner running as root:
// it searches the filesystem, the processes and its own environment for the agent's token and the
// join token, and the central log shows it found neither (issue 7: "Read credentials from a build
// step").
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogSearchAnswer, RunDetail } from '../src/core/api/answers.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const TOKEN = String.raw`sw[a-z]_[A-Za-z0-9_-]{20,}`;
// Everything a hostile step would try, each finding printed so that it lands in the central log.
const search = [
  'echo "step uid=$(id -u)"',
  `env | grep -E '${TOKEN}' || echo "nothing in the environment"`,
  "find / \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o \\( -name agent.json -o -name join-token -o -name admin-token \\) -print 2>/dev/null | while read -r f; do cat \"$f\" 2>/dev/null | sed \"s|^|$f: |\"; done",
  `timeout 90 grep -rhoE '${TOKEN}' /tmp /var /etc /root /home /run 2>/dev/null | sort -u | head -100 | sed 's/^/grep: /'`,
  `for f in /proc/[0-9]*/cmdline /proc/[0-9]*/environ; do tr '\\0' '\\n' < "$f" 2>/dev/null; done | grep -oE '${TOKEN}' | sort -u | sed 's/^/proc: /'`,
  'echo "search done"',
].join('\n');

describe.runIf(process.getuid?.() === 0)('a build step of a root agent hunting for credentials', () => {
  const fleet = new TestFleet('job-isolation');

  beforeAll(async () => {
    fleet.initRepo((repo) => {
      const file = join(repo, 'slipway.yml');
      const yml = readFileSync(file, 'utf8');
      const step = `    - name: hunt\n      run: |\n${search.split('\n').map((line) => `        ${line}`).join('\n')}\n`;
      writeFileSync(file, yml.replace('  steps:\n', `  steps:\n${step}`));
    });
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  }, 60_000);

  afterAll(() => fleet.close());

  it('finds neither the agent\'s token nor the join token, and runs as an unprivileged user', async () => {
    const built = await waitFor('run #1 built', async () => {
      const run = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1')).catch(() => undefined);
      const build = run?.stages.find((s) => s.name === 'build')?.status;
      return build === 'succeeded' || build === 'failed' ? build : undefined;
    }, { timeoutMs: 240_000, intervalMs: 500 });

    const root = fleet.agent('runner-1').root;
    const agentToken = (JSON.parse(readFileSync(join(root, 'agent.json'), 'utf8')) as { token: string }).token;
    const { lines } = await fleet.api.get<LogSearchAnswer>('/api/v1/logs?stream=job&order=asc&limit=1000');
    const texts = lines.map((line) => line.text);
    expect(built, texts.slice(-30).join('\n')).toBe('succeeded');
    expect(texts).toContain('search done');
    expect(texts).toContain('nothing in the environment');
    const uid = texts.find((text) => text.startsWith('step uid='));
    expect(uid).toMatch(/^step uid=[1-9][0-9]*$/);
    for (const secret of [agentToken, fleet.tokens.join, fleet.tokens.admin]) {
      expect(texts.filter((text) => text.includes(secret))).toEqual([]);
    }
    // The agent's own files: private, and its workspaces outside its root.
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'agent.json')).mode & 0o777).toBe(0o600);
    expect(statSync(`${root}-work`).isDirectory()).toBe(true);
  }, 300_000);
});

