// Slipway side by side with Ansible (issue 10, part 4): the same tiny Python app, as the same
// tarball, rolled to N = 10, 30 and 50 hosts in batches of 10%, once by Slipway and once by Ansible,
// measured in one run. A host is a loopback address (127.0.X.i) with a real Slipway agent (its app
// on a port of its own) and reachable over SSH (Debian's sshd on that address, see
// loopback-ssh-hosts.ts); Ansible's copy of the app lives in its own directory and port, so the two
// never touch each other's. Before each measured rollout every host runs an older version, so both
// tools stop one app and start another on every host.
//  - Slipway: a real server, runner and project; the tarball is the artifact its build made. Wall
//    time from the deploy request (POST /deployments) to the deployment's end (its finishedAt).
//  - Ansible: `ansible-playbook` with serial "10%", default forks (5), pipelining and
//    ControlPersist (connections opened beforehand, so the rollout does not pay for SSH handshakes),
//    tasks: make the release dir + unarchive, switch the symlink, restart, HTTP health check
//    (ansible-rollout.ts). Wall time of the ansible-playbook process.
// Then, for Slipway, where each batch's time goes (batch-breakdown.ts).
// Run as root: npx tsx bench/ansible-compare.bench.ts [sizes, default 10,30,50]
// ANSIBLE_COMPARE_SLIPWAY_ONLY=1 measures Slipway's side alone (no sshd, no Ansible, no ratio), for
// iterating on Slipway's batch breakdown; Slipway does exactly what it does in a full run.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LogSearchAnswer } from '../src/core/api/answers.ts';
import type { Artifact, Deployment } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import { freePort } from '../test/support/slipway-processes.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { AnsibleRollout, ansibleUnavailableReason, type AnsibleHost } from './ansible-rollout.ts';
import { batchTimes, hostTimelines, hostsWithLine, hostsWithStoppedNote, type BatchTimes } from './batch-breakdown.ts';
import { events, median, ms, sendPushWebhook } from './bench-support.ts';
import { LoopbackSshHosts, sshUnavailableReason } from './loopback-ssh-hosts.ts';
import { cpuSnapshot, cpuSpent, describeCpu } from './process-cpu.ts';

// Both tools' hosts run what a Debian server runs: Debian's PATH, so that `python3` is Debian's
// /usr/bin/python3 for Slipway's agents as it is for Ansible's SSH sessions (loopback-ssh-hosts.ts),
// not a developer's pyenv shim (a bash script around pyenv that costs every start of the app 0.2 s
// of CPU: more than the app itself).
process.env.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const sizes = (process.argv[2] ?? '10,30,50').split(',').map(Number);
const maxHosts = Math.max(...sizes);
const app = 'pyapp';
const hostName = (i: number) => `h${String(i).padStart(2, '0')}`;
// One third octet per bench run (from its pid), so that two runs on one machine use different addresses.
const address = (i: number) => `127.0.${100 + (process.pid % 150)}.${i}`;

const slipwayOnly = process.env.ANSIBLE_COMPARE_SLIPWAY_ONLY === '1';
const unavailable = slipwayOnly ? null : (sshUnavailableReason() ?? ansibleUnavailableReason());
if (unavailable) {
  console.error(`ansible-compare bench: cannot run here: ${unavailable}`);
  process.exit(1);
}

const slipwayYml = `app: ${app}
build:
  steps:
    - name: compile
      run: python3 -m py_compile app.py
  artifact: [app.py]
run:
  command: exec python3 app.py
  port: 8000
  health: { http: /healthz, timeout: 20s }
environments:
${sizes.map((n) => `  n${n}:\n    hosts: { n${n}: "1" }\n    batch: 10%\n    approval: manual\n`).join('')}`;

const fleet = new TestFleet('bench-ansible');
/** The port of each host's app under Slipway (by host number); Ansible's apps have others. */
const slipwayPorts = new Map<number, number>();
const usedPorts = new Set<number>();
/** The agents' pids, once they run (agentPids). */
let agentPidSet: Set<number> | undefined;
const work = join(fleet.dir, 'ansible');
const ssh = new LoopbackSshHosts(fleet.dir);
const tearDown = async () => {
  await fleet.close();
  await ssh.close();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void tearDown().finally(() => process.exit(1)));

try {
  mkdirSync(work);
  const addresses = Array.from({ length: maxHosts }, (_, i) => address(i + 1));
  if (!slipwayOnly) await ssh.start(addresses);

  fleet.initRepo((repo) => {
    writeFileSync(join(repo, 'slipway.yml'), slipwayYml);
    cpSync(resolve(import.meta.dirname, 'ansible-compare-app.py'), join(repo, 'app.py'));
  });
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  for (let i = 1; i <= maxHosts; i++) {
    const labels = sizes.filter((n) => i <= n).map((n) => `n${n}=1`).join(',');
    const port = await uniquePort();
    slipwayPorts.set(i, port);
    await fleet.startAgent({ name: hostName(i), labels, address: address(i), args: ['--port', String(port)] });
  }
  await waitFor(`${maxHosts + 1} agents online`, async () =>
    (await fleet.api.get<{ online: boolean }[]>('/api/v1/agents')).filter((a) => a.online).length === maxHosts + 1, { timeoutMs: 300_000, intervalMs: 250 });

  // One version to start from, then one new version per size: every measured rollout changes every host.
  // Pushes are told by webhook; the hourly poll does not spawn git in the server during a rollout.
  await fleet.api.post('/api/v1/projects', { name: app, repo: fleet.repo, branch: 'main', poll: '1h' });
  const versions = [await nextVersion(1)];
  for (const n of sizes) {
    const sha = fleet.commit(`Version for ${n} hosts`, () => fleet.editFile('app.py', (t) => `${t}# for ${n} hosts\n`));
    await sendPushWebhook(fleet, app, sha);
    versions.push(await nextVersion(versions.length + 1));
  }
  const tarballs = new Map(await Promise.all(versions.map(async (v) => [v.version, await download(v)] as const)));

  const ansibleHosts: AnsibleHost[] = [];
  for (let i = 1; i <= maxHosts && !slipwayOnly; i++) {
    const appRoot = join(work, 'hosts', hostName(i));
    mkdirSync(appRoot, { recursive: true });
    ansibleHosts.push({ ...ssh.hosts[i - 1]!, name: hostName(i), appPort: await uniquePort(), appRoot });
  }
  const groups = Object.fromEntries(sizes.map((n) => [`n${n}`, ansibleHosts.slice(0, n).map((h) => h.name)]));
  const ansible = new AnsibleRollout(work, ansibleHosts, groups, ssh.clientKey);

  // Every host starts on the first version, with both tools.
  const first = versions[0]!;
  await deploySlipway(`n${maxHosts}`, first.version);
  if (!slipwayOnly) await ansible.roll(`n${maxHosts}`, first.version, tarballs.get(first.version)!, 600_000, '100%');

  const rows: Row[] = [];
  for (const [k, n] of sizes.entries()) {
    const { version } = versions[k + 1]!;
    const cpuBefore = cpuSnapshot();
    const cpuFrom = performance.now();
    const deployment = await deploySlipway(`n${n}`, version);
    const cpu = describeCpu(cpuSpent(cpuBefore, cpuSnapshot(), kindOfProcess), performance.now() - cpuFrom);
    await expectVersion(n, version, (i) => answer(slipwayPorts.get(i)!));
    const batches = await breakdown(deployment, n, version);
    let ansibleMs = Number.NaN;
    if (!slipwayOnly) {
      await ansible.ping(`n${n}`, 120_000);
      ansibleMs = await ansible.roll(`n${n}`, version, tarballs.get(version)!, 900_000);
      await expectVersion(n, version, (i) => answer(ansibleHosts[i - 1]!.appPort));
    }
    rows.push({ n, slipway: deployment.ms, ansible: ansibleMs, batches, cpu, staging: Math.min(...batches[0]!.hosts.map((h) => h.sent)) - (deployment.finishedAt! - deployment.ms) });
    console.log(`${n} hosts: Slipway ${ms(deployment.ms)}, Ansible ${slipwayOnly ? 'skipped' : ms(ansibleMs)}`);
  }
  report(rows);
} finally {
  await tearDown();
}

/** A port free a moment ago that no app of this bench was given yet (freePort alone may answer one twice). */
async function uniquePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await freePort();
    if (usedPorts.has(port)) continue;
    usedPorts.add(port);
    return port;
  }
  throw new Error('no port free that was not given already');
}

/** Waits for the build of run #`number` and answers its artifact. */
async function nextVersion(number: number): Promise<Artifact> {
  return waitFor(`the build of run #${number}`, async () => {
    const list = await fleet.api.get<Artifact[]>(projectPath(app, '/versions'));
    return list.find((a) => a.version.startsWith(`${number}-`));
  }, { timeoutMs: 120_000, intervalMs: 100 });
}

/** The artifact as a file: the very tarball Slipway's agents download, given to Ansible too. */
async function download(artifact: Artifact): Promise<string> {
  const response = await fetch(`${fleet.url}/api/v1/artifacts/${artifact.sha256}`, { headers: { authorization: `Bearer ${fleet.tokens.admin}` } });
  if (!response.ok) throw new Error(`downloading ${artifact.version} answered ${response.status}`);
  const file = join(work, `${app}-${artifact.version}.tar.gz`);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

/** Deploys with Slipway and answers the deployment with its wall time: from the request to its finishedAt. */
async function deploySlipway(env: string, version: string): Promise<Deployment & { ms: number }> {
  const requested = Date.now();
  const started = await fleet.api.post<Deployment>(projectPath(app, '/deployments'), { version, env });
  const ended = await waitFor(`the deployment of ${version} to ${env}`, async () => {
    const d = await fleet.api.get<Deployment>(`/api/v1/deployments/${started.id}`);
    return d.finishedAt ? d : undefined;
  }, { timeoutMs: 300_000, intervalMs: 100 });
  if (ended.status !== 'succeeded') throw new Error(`the deployment of ${version} to ${env} ${ended.status}: ${ended.error ?? JSON.stringify(ended.cause)}`);
  return { ...ended, ms: ended.finishedAt! - requested };
}

async function breakdown(deployment: Deployment, n: number, version: string): Promise<BatchTimes[]> {
  const read = async (query: string) => (await fleet.api.get<LogSearchAnswer>(`/api/v1/logs?${query}&order=asc&limit=1000`)).lines;
  const lines = await waitFor(`the central log of the deployment to ${n} hosts`, async () => {
    const found = await read(`deployment=${deployment.id}`);
    return hostsWithLine(found, 'app', 'listening at') === n && hostsWithLine(found, 'deploy', `${version} is healthy`) === n ? found : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  // The old apps' lines belong to the deployments that started them: found by time instead.
  const appLines = await waitFor('the old apps\' last lines', async () => {
    const found = (await read(`app=${app}&stream=app&since=${deployment.createdAt}`)).filter((l) => l.at >= deployment.createdAt);
    return hostsWithLine(found, 'app', 'exiting at') >= n && hostsWithStoppedNote(found) >= n ? found : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  const timelines = hostTimelines(await events(fleet, `deployment=${deployment.id}`), lines, appLines, version);
  return batchTimes(timelines, Math.ceil(n / 10), deployment.finishedAt!);
}

async function expectVersion(n: number, version: string, ask: (i: number) => Promise<string>): Promise<void> {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => ask(i + 1)));
  const wrong = answers.map((a, i) => ({ host: hostName(i + 1), a })).filter(({ a }) => a !== `version ${version}`);
  if (wrong.length > 0) throw new Error(`not every host answers version ${version}: ${wrong.map((w) => `${w.host}: ${w.a}`).join(', ')}`);
}

async function answer(port: number): Promise<string> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) })).text()).trim();
  } catch (err) {
    const cause = (err as Error).cause;
    return `port ${port}: ${(err as Error).message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
  }
}

interface Row {
  n: number;
  slipway: number;
  ansible: number;
  batches: BatchTimes[];
  /** From the deploy request to the first activation: every host downloads and unpacks the release first. */
  staging: number;
  /** Where the machine's CPU went during Slipway's rollout (process-cpu.ts). */
  cpu: string;
}

/** For the CPU figures: which part of the bench a process is. */
function kindOfProcess(pid: number, comm: string): string | undefined {
  if (pid === fleet.server.child.pid) return 'server';
  if (pid === process.pid) return 'bench';
  if (agentPids().has(pid)) return 'agents';
  if (comm === 'python3' || comm === 'sh') return 'apps';
  return undefined;
}

/** The agents' pids (the hosts' and the runner's): they are started once, before any rollout. */
function agentPids(): Set<number> {
  agentPidSet ??= new Set([...Array.from({ length: maxHosts }, (_, i) => hostName(i + 1)), 'runner-1'].map((name) => fleet.agent(name).process.child.pid!));
  return agentPidSet;
}

function report(rows: Row[]): void {
  console.log('\nthe same app and tarball, batches of 10%, every host changes version');
  console.log('| hosts | Slipway | Ansible | ratio |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    const ansible = slipwayOnly ? ['skipped', '–'] : [`${(r.ansible / 1000).toFixed(1)} s`, `${(r.ansible / r.slipway).toFixed(1)}×`];
    console.log(`| ${r.n} | ${(r.slipway / 1000).toFixed(2)} s | ${ansible.join(' | ')} |`);
  }
  console.log('\nSlipway, per batch: median (max); the app\'s restart is its own stop (SIGTERM → its process gone) and start (fork → listening)');
  for (const r of rows) {
    const all = r.batches;
    const hosts = all.flatMap((b) => b.hosts);
    const stat = (values: number[]) => `${ms(median(values))} (${ms(Math.max(...values))})`;
    const per = (f: (h: (typeof hosts)[number]) => number) => stat(hosts.map(f));
    console.log(`${r.n} hosts: ${ms(r.staging)} from the request until every host has staged the release; then ${all.length} batches: period ${stat(all.map((b) => b.period))}; the slowest app's restart ${stat(all.map((b) => b.appRestart))}; ` +
      `Slipway's share (period − app restart) ${stat(all.map((b) => b.period - b.appRestart))}`);
    console.log(`  per host: command written → received ${per((h) => h.received - h.sent)}; received → old app's SIGTERM ${per((h) => h.oldStopping - h.received)}; ` +
      `[old app stops ${per((h) => h.oldGone - h.oldStopping)}: its last line ${per((h) => h.oldExiting - h.oldStopping)}, then its teardown ${per((h) => h.oldGone - h.oldExiting)}]; ` +
      `old app gone → new app forked ${per((h) => h.spawned - h.oldGone)} (from its last line: ${per((h) => h.spawned - h.oldExiting)}); ` +
      `[new app starts ${per((h) => h.listening - h.spawned)}]; listening → health passed ${per((h) => h.healthyOnAgent - h.listening)}; ` +
      `health passed → result recorded ${per((h) => h.healthyOnServer - h.healthyOnAgent)}`);
    console.log(`  CPU during the rollout: ${r.cpu}`);
    console.log(`  per batch: last result recorded → next batch's first command written (or the deployment's end) ${stat(all.map((b) => b.engineGap))}`);
  }
}
