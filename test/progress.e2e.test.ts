// Progress as a person sees it, on real processes: `slipway run` and `slipway deploy` piped print
// one plain line per change; in a real terminal (tmux) `slipway approve` draws a bar per stage
// and per host that is redrawn in place and ends with every host healthy, and a rollback shows
// the failing host with its last log lines.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { AgentView, RunDetail } from '../src/core/api/answers.ts';
import { runSlipway, slipwayBin } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

/** A terminal of its own: a tmux server on a socket in the test's directory. */
class Terminal {
  private readonly socket: string;
  private readonly config: string;
  /** Every screen captured while waiting, oldest first. */
  readonly screens: string[] = [];

  constructor(dir: string, private readonly env: Record<string, string>) {
    this.socket = join(dir, 'tmux.sock');
    this.config = join(dir, 'tmux.conf');
    // The pane stays after the command exits, so that its last screen and exit status can be read.
    writeFileSync(this.config, 'set -g remain-on-exit on\nset -g history-limit 5000\n');
  }

  /** Runs bin/slipway ARGS in a new 120×40 terminal window named `name`. */
  start(name: string, args: string[]): void {
    const env = Object.entries(this.env).map(([key, value]) => `${key}=${value}`);
    // The shell prints the exit status (tmux's own #{pane_dead_status} misses quick exits).
    const command = `${['env', ...env, process.execPath, slipwayBin, ...args].join(' ')}; echo "[exit $?]"`;
    this.tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', command);
  }

  /** What the window shows now, with its scrollback (plain text, no colours), up to the exit status. */
  capture(name: string): string {
    const screen = this.screenOf(name);
    const end = screen.search(/^\[exit \d+\]$/m);
    return end < 0 ? screen : screen.slice(0, end);
  }

  /** Waits for the command to exit, capturing the screen meanwhile; returns its exit status. */
  async exitStatus(name: string): Promise<number> {
    return waitFor(`the command in ${name} to exit`, () => {
      const screen = this.screenOf(name);
      this.screens.push(screen);
      const status = /^\[exit (\d+)\]$/m.exec(screen)?.[1];
      return status === undefined ? undefined : Number(status);
    }, { timeoutMs: 120_000, intervalMs: 50 });
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // no server was started
    }
  }

  private screenOf(name: string): string {
    return this.tmux('capture-pane', '-p', '-t', name, '-S', '-', '-E', '-');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', this.config, ...args], { encoding: 'utf8', env: { ...process.env, TMUX: '' } });
  }
}

/** Runs bin/slipway ARGS with stdout piped, to its end. */
const piped = (args: string[], env: Record<string, string>) => runSlipway(args, { env: { ...process.env, ...env } });

/** The lines of a screen that name the host. */
const linesOf = (screen: string, host: string) => screen.split('\n').filter((line) => new RegExp(`\\b${host}\\b`).test(line));

describe('progress of runs and deployments', () => {
  const fleet = new TestFleet('progress');
  let terminal: Terminal;
  let env: Record<string, string>;
  let firstVersion = '';
  const run = (n: number) => fleet.api.get<RunDetail>(projectPath('hello', `/runs/${n}`));

  beforeAll(async () => {
    // The app takes a moment to listen, so that a host is seen activating before it is healthy.
    const sha = fleet.initRepo(() => fleet.editFile('server.js', (t) => t.replace('server.listen(', 'setTimeout(() => server.listen(').replace(/\}\);\nprocess\.on/, '}), 700);\nprocess.on')));
    firstVersion = `1-${sha.slice(0, 7)}`;
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    for (const name of ['testing-1', 'testing-2']) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
    for (const name of ['production-1', 'production-2']) await fleet.startAgent({ name, labels: 'env=production', appPort: true });
    await waitFor('five agents online', async () => (await fleet.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 5);
    // Polled once when added (run #1), then not again within the test: later runs are started by hand.
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1h' });
    env = { SLIPWAY_URL: fleet.url, SLIPWAY_TOKEN: fleet.tokens.admin };
    terminal = new Terminal(fleet.dir, env);
    await waitFor('run #1 to wait for approval', async () => (await run(1)).stages.some((s) => s.name === 'production' && s.status === 'awaiting_approval'), { timeoutMs: 120_000, intervalMs: 200 });
  });

  afterAll(async () => {
    terminal?.close();
    await fleet.close();
  });

  it('redraws the bars in place in a terminal and ends with every production host healthy', async () => {
    terminal.start('approve', ['approve', 'hello', '1', '--env', 'production']);
    expect(await terminal.exitStatus('approve')).toBe(0);
    const screen = terminal.capture('approve');
    expect(screen).toContain('approved production for run #1 of hello');
    expect(screen).toMatch(/run #1 hello 1-[0-9a-f]{7} "The sample app"\s+✓ succeeded/);
    for (const stage of ['build', 'testing', 'production']) expect(screen).toMatch(new RegExp(`^  ${stage}\\s+█+\\s+✓ succeeded`, 'm'));
    for (const host of ['production-1', 'production-2', 'testing-1', 'testing-2']) {
      // One line per host in the whole scrollback: redrawn in place, not printed again.
      expect(linesOf(screen, host)).toHaveLength(1);
      expect(linesOf(screen, host)[0]).toMatch(new RegExp(`^    ${host}\\s+█{8,}\\s+✓ healthy$`));
    }
    // While it ran, the same single line showed the host on its way (staged or activating, a part-filled bar).
    const onTheWay = terminal.screens.flatMap((s) => linesOf(s, 'production-2')).filter((l) => /░/.test(l) && /staged|activating|staging|pending/.test(l));
    expect(onTheWay.length).toBeGreaterThan(0);
    expect(terminal.screens.every((s) => linesOf(s, 'production-2').length <= 1)).toBe(true);
  });

  it('prints plain progress lines for slipway run when stdout is not a terminal', async () => {
    fleet.commit('Say hi, but break production-2', () => {
      for (const file of ['greeting.js', 'test/greeting.test.js', 'acceptance.js']) fleet.editFile(file, (t) => t.replace('hello from', 'hi from'));
      fleet.editFile('server.js', (t) => t.replace(`if (request.url === '/healthz') {`, `if (request.url === '/healthz' && host === 'production-2') {
    response.writeHead(503).end('not ok\\n');
    console.log('health check refused on production-2');
    return;
  }
  if (request.url === '/healthz') {`));
    });
    const ran = await piped(['run', 'hello'], env);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toContain('\x1b');
    const lines = ran.stdout.split('\n');
    expect(lines[0]).toMatch(/^run #2 of hello for [0-9a-f]{7} "Say hi, but break production-2"$/);
    expect(lines).toContain('  build        succeeded');
    expect(lines).toContain('  testing      succeeded');
    expect(lines).toContain('  production   awaiting approval');
    expect(lines).toContain('    testing-1        healthy');
    expect(lines).toContain('    testing-2        healthy');
    // One line per change: each step of a host is printed once.
    expect(lines.filter((l) => l === '    testing-1        healthy')).toHaveLength(1);
    expect(lines[lines.length - 2]).toBe('waiting for approval into production: slipway approve hello 2 --env production');
  });

  it('shows the failing host with its last log lines when a deployment rolls back', async () => {
    terminal.start('rollback', ['approve', 'hello', '2', '--env', 'production']);
    expect(await terminal.exitStatus('rollback')).toBe(1);
    const screen = terminal.capture('rollback');
    expect(screen).toMatch(/^ {2}production\s+█*░*\s+✗ failed/m);
    expect(screen).toMatch(/✗ production-2 failed at health: /);
    expect(screen).toMatch(/│ health check refused on production-2/);
    for (const host of ['production-1', 'production-2']) expect(linesOf(screen, host).filter((l) => /^ {4}production-\d/.test(l))).toEqual([expect.stringMatching(new RegExp(`^    ${host}\\s+█+\\s+↺ restored\\s+back on ${firstVersion}$`))]);
  });

  it('prints plain progress lines for slipway deploy when stdout is not a terminal', async () => {
    const ran = await piped(['deploy', 'hello', firstVersion, '--env', 'testing'], env);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toContain('\x1b');
    const lines = ran.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^deploying hello ${firstVersion} to testing \\(\\S+\\)$`));
    for (const host of ['testing-1', 'testing-2']) {
      const steps = lines.filter((l) => l.startsWith(`    ${host} `)).map((l) => l.trim().split(/\s+/).slice(1).join(' '));
      expect(steps.slice(-1)).toEqual(['healthy']);
      expect(new Set(steps).size).toBe(steps.length);
    }
    expect(lines[lines.length - 1]).toBe(`  testing: deploy of ${firstVersion} succeeded`);
  });
});
