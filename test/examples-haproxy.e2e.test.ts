// The examples/haproxy set-up a user copies: HAProxy itself accepts its haproxy.cfg (`haproxy -c`),
// `slipway validate` accepts its slipway.yml fragment in a project's slipway.yml, and the fragment
// names the socket, backend and servers that haproxy.cfg has. The HAProxy check needs
// /usr/sbin/haproxy: elsewhere it is skipped with the reason, but never in CI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lbServerName } from '../src/core/lb/lb-server-name.ts';
import { parseSlipwayConfig } from '../src/core/pipeline/parse-slipway-config.ts';
import { haproxyBin, haproxyUnavailableReason } from './support/haproxy-process.ts';
import { slipwayBin } from './support/slipway-processes.ts';

const examples = join(import.meta.dirname, '../examples');
const haproxyCfg = join(examples, 'haproxy/haproxy.cfg');
const fragment = readFileSync(join(examples, 'haproxy/slipway.yml'), 'utf8');
/** The Slipway hosts the example's backend serves. */
const hosts = ['web-1', 'web-2'];

const unavailable = haproxyUnavailableReason();
const mustRun = process.env.CI === 'true';
if (unavailable && !mustRun) console.warn(`examples-haproxy.e2e: haproxy -c skipped, ${unavailable}`);

/** The sample project's slipway.yml with the example's environments in place of its own, as the fragment says to use it. */
function projectYml(): string {
  const hello = readFileSync(join(examples, 'hello/slipway.yml'), 'utf8');
  return hello.slice(0, hello.indexOf('\nenvironments:\n') + 1) + fragment;
}

/** What haproxy.cfg says of the parts Slipway drives: the admin socket, and the servers of each backend with their lines. */
function readHaproxyCfg(text: string): { socket: string | undefined; backends: Map<string, string[]> } {
  const socket = /^\s*stats socket (\S+) .*\blevel admin\b/m.exec(text)?.[1];
  const backends = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const section = /^(\w+)\s*(\S*)/.exec(line);
    if (section) {
      current = section[1] === 'backend' ? [] : undefined;
      if (current) backends.set(section[2]!, current);
    } else if (current && /^\s+server /.test(line)) current.push(line.trim());
  }
  return { socket, backends };
}

/** `haproxy -c -f FILE`: its exit code and what it printed. */
function haproxyCheck(file: string): { status: number | null; output: string } {
  const ran = spawnSync(haproxyBin, ['-c', '-f', file], { encoding: 'utf8' });
  return { status: ran.status, output: `${ran.stdout}${ran.stderr}` };
}

const groupExists = (name: string) => spawnSync('getent', ['group', name]).status === 0;

describe('examples/haproxy', () => {
  it('slipway validate accepts the slipway.yml fragment in a project and reads its load balancer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-examples-haproxy-'));
    try {
      writeFileSync(join(dir, 'slipway.yml'), projectYml());
      const ran = spawnSync(process.execPath, [slipwayBin, 'validate', 'slipway.yml'], { cwd: dir, encoding: 'utf8' });
      expect({ status: ran.status, stdout: ran.stdout, stderr: ran.stderr }).toEqual({
        status: 0,
        stdout: 'slipway.yml: ok (app hello, environments: production)\n' +
          '  production: load balancer HAProxy, backend shop on /run/haproxy/admin.sock through the agents with role=lb, server "{host}", drain 30s\n',
        stderr: '',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the fragment names the admin socket, the backend and a checked server per host of haproxy.cfg', () => {
    const parsed = parseSlipwayConfig(projectYml());
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const lb = parsed.config.environments.production?.loadBalancer;
    const cfg = readHaproxyCfg(readFileSync(haproxyCfg, 'utf8'));

    expect(lb?.socket).toBe(cfg.socket);
    expect([...cfg.backends.keys()]).toEqual([lb?.backend]);
    const servers = cfg.backends.get(lb!.backend)!;
    expect(servers.map((s) => s.split(/\s+/)[1])).toEqual(hosts.map((h) => lbServerName(lb!.server, h)));
    for (const server of servers) expect(server).toMatch(/ check\b/);
  });

  it.skipIf(unavailable !== null && !mustRun)('HAProxy accepts haproxy.cfg (haproxy -c), with the group of the agent\'s user for the socket', () => {
    if (unavailable) throw new Error(`CI runs this test, but this machine cannot: ${unavailable}`);
    const checked = haproxyCheck(haproxyCfg);
    if (groupExists('slipway')) {
      expect(checked).toEqual({ status: 0, output: expect.stringContaining('Configuration file is valid') as string });
      return;
    }
    // Without a group `slipway` on this machine HAProxy refuses the socket line, and only it (the
    // README says so): the same file with a group this machine has must then be valid.
    expect(checked.status).not.toBe(0);
    const alerts = checked.output.split('\n').filter((l) => l.includes('[ALERT]'));
    expect(alerts[0]).toMatch(/'stats socket' : ''group' : unknown group name 'slipway''/);
    expect(alerts.slice(1).filter((l) => !/Error\(s\) found in configuration file|Fatal errors found in configuration/.test(l))).toEqual([]);

    const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
    const dir = mkdtempSync(join(tmpdir(), 'slipway-examples-haproxy-'));
    try {
      const text = readFileSync(haproxyCfg, 'utf8');
      const copy = join(dir, 'haproxy.cfg');
      writeFileSync(copy, text.replace(/(stats socket .* group )slipway /, `$1${group} `));
      expect(readFileSync(copy, 'utf8')).not.toBe(text);
      const again = haproxyCheck(copy);
      expect(again).toEqual({ status: 0, output: expect.stringContaining('Configuration file is valid') as string });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
