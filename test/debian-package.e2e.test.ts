// The Debian package from `npm run package` (built once for this file): what it holds, its unit
// as systemd reads it, and, installed into a scratch root with dpkg, its executable running the
// server (SQLite, web UI), a runner and a host started as slipway-agent.service would start it,
// which together build the sample app and deploy it to that host.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage, type BuiltPackage } from '../scripts/package/build-package.ts';
import { projectPath } from '../src/cli/api-client.ts';
import type { AgentView, RunDetail } from '../src/core/api/answers.ts';
import { freePort, startSlipway } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const scratch = mkdtempSync(join(tmpdir(), 'slipway-deb-'));
const root = join(scratch, 'root');
const unitPath = 'lib/systemd/system/slipway-agent.service';
let built: BuiltPackage;
let fleet: TestFleet | undefined;

const dpkgDeb = (...args: string[]) => execFileSync('dpkg-deb', args, { encoding: 'utf8' });
const dpkgInRoot = (...args: string[]) =>
  // The scratch root has no shell to chroot into: the maintainer scripts run outside, with
  // DPKG_ROOT set, which they honour. Depends (libc6, ...) are the host's, not the scratch root's.
  execFileSync('dpkg', [`--root=${root}`, '--force-script-chrootless', '--force-depends', ...args], { encoding: 'utf8', stdio: 'pipe' });

beforeAll(async () => {
  built = await buildPackage({ outDir: join(scratch, 'dist') });
  for (const dir of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'var/log']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  dpkgInRoot('--install', built.deb);
}, 300_000);

afterAll(async () => {
  await fleet?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the Debian package', () => {
  it('holds the executable, the agent\'s unit and its settings as a conffile', () => {
    expect(built.deb).toBe(join(scratch, 'dist', `slipway_${built.version}_amd64.deb`));
    const info = dpkgDeb('--info', built.deb);
    expect(info).toContain('Package: slipway');
    expect(info).toContain(`Version: ${built.version}`);
    expect(info).toContain('Architecture: amd64');
    expect(info).toMatch(/Depends: .*libc6 \(>= [\d.]+\)/);
    expect(dpkgDeb('--info', built.deb, 'conffiles').trim()).toBe('/etc/slipway/agent.env');

    const contents = dpkgDeb('--contents', built.deb);
    expect(contents).toMatch(/^-rwxr-xr-x root\/root +\d+ .* \.\/usr\/bin\/slipway$/m);
    expect(contents).toMatch(/^-rw-r--r-- root\/root +\d+ .* \.\/lib\/systemd\/system\/slipway-agent\.service$/m);
    expect(contents).toMatch(/^-rw------- root\/root +\d+ .* \.\/etc\/slipway\/agent\.env$/m);

    const unit = execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./${unitPath}`, 'sh', built.deb], { encoding: 'utf8' });
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/slipway\/agent\.env$/m);
    expect(unit).toMatch(/^KillMode=process$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/slipway agent --keep-apps /m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });

  it('installs into a scratch root with dpkg --root, with a unit that systemd-analyze verify accepts', () => {
    expect(dpkgInRoot('--status', 'slipway')).toMatch(/^Status: install ok installed$/m);
    expect(statSync(join(root, 'usr/bin/slipway')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'etc/slipway/agent.env')).mode & 0o777).toBe(0o600);

    const verify = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (verify.error) {
      // .ci/run installs it: there, a missing systemd-analyze is a failure, not a skip.
      if (process.env.CI) throw new Error('systemd-analyze is not installed (apt-get install systemd)');
      console.warn('systemd-analyze is not installed: the unit is not verified');
      return;
    }
    // verify checks that ExecStart's program exists, so it reads a copy that points into the
    // scratch root; it exits 0 even after a line it ignored, hence the check of its output.
    const copy = join(scratch, 'verify', 'slipway-agent.service');
    mkdirSync(join(copy, '..'));
    writeFileSync(copy, readFileSync(join(root, unitPath), 'utf8').replace('/usr/bin/slipway', join(root, 'usr/bin/slipway')));
    const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: '' });
  });

  it('runs as server, runner and a host started the way the unit starts it, and deploys the sample app', async () => {
    const slipway = join(root, 'usr/bin/slipway');
    fleet = new TestFleet('debian-package', [], '127.0.0.1', [slipway]);
    const sha = fleet.initRepo();
    await fleet.startServer();
    const page = await fetch(`${fleet.url}/`);
    expect(await page.text()).toContain('<title>Slipway</title>');
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });

    // As an operator would: the installed settings file filled in, the unit's ExecStart run.
    const port = await freePort();
    const agentRoot = join(fleet.dir, 'agents', 'testing-1');
    const envFile = join(root, 'etc/slipway/agent.env');
    writeFileSync(envFile, readFileSync(envFile, 'utf8')
      .replace(/^SLIPWAY_SERVER=.*$/m, `SLIPWAY_SERVER=${fleet.url}`)
      .replace(/^#SLIPWAY_JOIN_TOKEN=.*$/m, `SLIPWAY_JOIN_TOKEN=${fleet.tokens.join}`)
      .replace(/^#SLIPWAY_AGENT_NAME=.*$/m, 'SLIPWAY_AGENT_NAME=testing-1')
      .replace(/^SLIPWAY_AGENT_LABELS=.*$/m, 'SLIPWAY_AGENT_LABELS=env=testing')
      .replace(/^#SLIPWAY_AGENT_ROOT=.*$/m, `SLIPWAY_AGENT_ROOT=${agentRoot}`)
      .replace(/^#SLIPWAY_AGENT_PORT=.*$/m, `SLIPWAY_AGENT_PORT=${port}`));
    const env = readEnvironmentFile(envFile);
    const [program, ...args] = execStart(readFileSync(join(root, unitPath), 'utf8'), env);
    expect(program).toBe('/usr/bin/slipway');
    const host = startSlipway(join(fleet.dir, 'logs'), 'testing-1', args, { PATH: process.env.PATH, ...env }, [], [join(root, program!)]);
    fleet.agents.set('testing-1', { spec: { name: 'testing-1', labels: 'env=testing' }, process: host, port, root: agentRoot });
    expect(readlinkSync(`/proc/${host.child.pid}/exe`)).toBe(slipway);

    await waitFor('the runner and the host online', async () => (await fleet!.api.get<AgentView[]>('/api/v1/agents')).filter((a) => a.online).length === 2);
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    const run = await waitFor('run #1 through testing', async () => {
      const detail = await fleet!.api.get<RunDetail>(projectPath('hello', '/runs/1'));
      return detail.stages.find((s) => s.name === 'testing')?.status === 'succeeded' || detail.status === 'failed' ? detail : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    expect(run.stages.map((s) => [s.name, s.status]), JSON.stringify(run)).toContainEqual(['testing', 'succeeded']);
    expect(await fleet.appAnswer('testing-1')).toBe(`hello from testing-1, running version 1-${sha.slice(0, 7)}`);
  }, 180_000);

  it('is removed again with dpkg --purge, settings included', () => {
    dpkgInRoot('--purge', 'slipway');
    for (const path of ['usr/bin/slipway', unitPath, 'etc/slipway/agent.env']) {
      expect(() => statSync(join(root, path))).toThrow(/ENOENT/);
    }
  });
});

/** KEY=VALUE lines, as systemd's EnvironmentFile= reads the simple ones (no quotes in ours). */
function readEnvironmentFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

/** ExecStart= split into words, each `$NAME` word replaced by its value split at white space (zero or more words), as systemd does. */
function execStart(unit: string, env: Record<string, string>): string[] {
  const line = /^ExecStart=(.+)$/m.exec(unit)?.[1];
  if (!line) throw new Error('the unit has no ExecStart=');
  return line.trim().split(/\s+/).flatMap((word) => {
    const variable = /^\$([A-Z_][A-Z0-9_]*)$/.exec(word);
    if (variable) return (env[variable[1]!] ?? '').split(/\s+/).filter(Boolean);
    if (word.includes('$')) throw new Error(`this test expands only whole $NAME words, not ${word}`);
    return [word];
  });
}
