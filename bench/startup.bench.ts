// What the `slipway` command costs to start, and what an agent costs to keep, next to a bare
// `node -e 0` on the same machine in the same run: wall time and peak RSS (medians of N runs, GNU
// time's %M, which is the process's VmHWM) of `node -e 0` and `bin/slipway --help`; then the
// resident memory (VmRSS, VmHWM from /proc/<pid>/status) of real agents that enrolled with a
// real server and sit idle, and after they have taken part in a deployment (the sample app
// built on a runner and rolled out to them, health checks included); and the same idle figure for
// agents of the packaged single executable (dist/slipway, as the .deb installs it). It builds dist/
// and the executable first, so it measures what users run.
// Run: npx tsx bench/startup.bench.ts [runs, default 15]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSlipway } from '../scripts/build.ts';
import { buildExecutable } from '../scripts/package/build-executable.ts';
import { productionOnlyConfig } from '../test/support/production-only-config.ts';
import { slipwayBin } from '../test/support/slipway-processes.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { median, waitForRunEnd } from './bench-support.ts';

const runs = Number(process.argv[2] ?? 15);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`usage: npx tsx bench/startup.bench.ts [runs] (got ${process.argv[2]})`);
const gnuTime = '/usr/bin/time';
if (!existsSync(gnuTime)) throw new Error('this benchmark reads peak RSS through GNU time: apt-get install time');

/** Settling time before an agent's memory is read: long enough for start-up garbage to go. */
const IDLE_MS = 10_000;
/** Agents measured, the median reported: one agent's figures vary by a few MB from start to start. */
const AGENTS = 3;

await buildSlipway();
const checkout = join(import.meta.dirname, '..');
// The executable alone (no .deb): it needs web/dist (npm run build:web).
const packaged = await buildExecutable({ checkout, workDir: join(checkout, 'dist', 'build', 'sea'), output: join(checkout, 'dist', 'slipway') });

interface StartCost { wallMs: number; peakKb: number }

/** Runs `args` under GNU time: the wall time seen from here and the child's peak RSS. */
function start(args: string[]): StartCost {
  const began = process.hrtime.bigint();
  const result = spawnSync(gnuTime, ['-f', '%M', process.execPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = Number(process.hrtime.bigint() - began) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const peakKb = Number(result.stderr.trim().split('\n').at(-1));
  return { wallMs, peakKb };
}

// Interleaved, so that whatever else the machine does weighs on both alike.
const bare: StartCost[] = [];
const help: StartCost[] = [];
start(['-e', '0']);
start([slipwayBin, '--help']);
for (let i = 0; i < runs; i++) {
  bare.push(start(['-e', '0']));
  help.push(start([slipwayBin, '--help']));
}
const bareWall = median(bare.map((c) => c.wallMs));
const helpWall = median(help.map((c) => c.wallMs));
const bareRss = median(bare.map((c) => c.peakKb)) / 1024;
const helpRss = median(help.map((c) => c.peakKb)) / 1024;

const fleet = new TestFleet('bench-startup');
let idle: Memory;
let deployed: Memory;
try {
  fleet.initRepo(() => fleet.editFile('slipway.yml', () => productionOnlyConfig({ healthTimeout: '10s' })));
  await fleet.startServer();
  const hosts = [];
  for (let i = 1; i <= AGENTS; i++) hosts.push(await fleet.startAgent({ name: `web-${i}`, labels: 'env=production', appPort: true }));
  await waitFor(`${AGENTS} agents online`, async () => (await fleet.api.get<{ online: boolean }[]>('/api/v1/agents')).filter((a) => a.online).length === AGENTS);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  idle = medianMemory(hosts.map((host) => memoryOf(host.process.child.pid!)));

  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  const run = await waitForRunEnd(fleet, 'hello', 1);
  if (run.status !== 'succeeded') throw new Error(`the run ${run.status}: ${run.error}`);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  deployed = medianMemory(hosts.map((host) => memoryOf(host.process.child.pid!)));
} finally {
  await fleet.close();
}

// The packaged agents, each on a server of the same executable. The executable was just written,
// and pages written to the page cache are large folios, which the kernel maps whole at a fault:
// measured on Linux 6.18, an agent of a just-written executable has about 20 MB more of it
// resident (RssFile) than one of the same file read from disk. So it is synced and dropped from
// the cache first, as on a host that started it from disk; right after an install (dpkg writes
// it) the figure is higher by as much, all of it clean pages of the executable that the kernel
// may reclaim.
dropFromPageCache(packaged);
const packagedFleet = new TestFleet('bench-startup-packaged', [], '127.0.0.1', [packaged]);
let packagedIdle: Memory;
try {
  await packagedFleet.startServer();
  const hosts = [];
  for (let i = 1; i <= AGENTS; i++) hosts.push(await packagedFleet.startAgent({ name: `web-${i}`, labels: 'env=production' }));
  await waitFor(`${AGENTS} packaged agents online`, async () => (await packagedFleet.api.get<{ online: boolean }[]>('/api/v1/agents')).filter((a) => a.online).length === AGENTS);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  packagedIdle = medianMemory(hosts.map((host) => memoryOf(host.process.child.pid!)));
} finally {
  await packagedFleet.close();
}

const mb = (value: number) => `${value.toFixed(1)} MB`.padStart(9);
const row = (what: string, ...cells: string[]) => console.log(`${what.padEnd(52)}${cells.map((c) => c.padStart(12)).join('')}`);
console.log(`slipway start-up and agent memory (Node ${process.versions.node}, ${runs} runs each, medians)`);
row('', 'wall', 'peak RSS');
row('node -e 0', `${bareWall.toFixed(0)} ms`, mb(bareRss));
row('bin/slipway --help', `${helpWall.toFixed(0)} ms`, mb(helpRss));
row('ratio', `${(helpWall / bareWall).toFixed(2)}x`, `${(helpRss / bareRss).toFixed(2)}x`);
console.log('');
row('', 'RSS', 'peak RSS', 'anonymous', 'file');
row(`agent enrolled, idle ${IDLE_MS / 1000} s (median of ${AGENTS})`, mb(idle.rssKb / 1024), mb(idle.peakKb / 1024), mb(idle.anonKb / 1024), mb(idle.fileKb / 1024));
row(`agent after a deployment, idle ${IDLE_MS / 1000} s`, mb(deployed.rssKb / 1024), mb(deployed.peakKb / 1024), mb(deployed.anonKb / 1024), mb(deployed.fileKb / 1024));
row(`packaged agent (dist/slipway) enrolled, idle ${IDLE_MS / 1000} s`, mb(packagedIdle.rssKb / 1024), mb(packagedIdle.peakKb / 1024), mb(packagedIdle.anonKb / 1024), mb(packagedIdle.fileKb / 1024));

/** VmRSS, VmHWM, and VmRSS's parts: RssAnon (the heap, ...) and RssFile (mapped files: the node binary, the executable). */
interface Memory { rssKb: number; peakKb: number; anonKb: number; fileKb: number }

function medianMemory(samples: Memory[]): Memory {
  const of = (key: keyof Memory) => median(samples.map((s) => s[key]));
  return { rssKb: of('rssKb'), peakKb: of('peakKb'), anonKb: of('anonKb'), fileKb: of('fileKb') };
}

/** Writes `file` out and drops it from the page cache (GNU dd: count=0 with nocache covers the whole file; dirty pages would stay). */
function dropFromPageCache(file: string): void {
  const result = spawnSync('dd', ['if=/dev/null', `of=${file}`, 'oflag=nocache', 'conv=notrunc,fdatasync', 'count=0', 'status=none'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dd could not drop ${file} from the page cache: ${result.stderr}`);
}

/** A running process's Memory, in kB. */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKb: field('VmRSS'), peakKb: field('VmHWM'), anonKb: field('RssAnon'), fileKb: field('RssFile') };
}
