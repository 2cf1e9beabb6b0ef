// The agent's own share of one activation, without a server: the bench Python app (the one
// ansible-compare rolls out) switched between two prepared releases in one process, with the
// agent's real log follower and spool, `rounds` times. From the app's own lines (see
// ansible-compare-app.py) it prints the medians of: the old app's stop (SIGTERM → exiting), old
// app exited → new app forked (all Slipway's: the switch), the new app's start (fork → listening),
// listening → health passed, and the whole activation. Several `hosts` (agents' roots) switch at
// once, as a batch does on one disk.
// Run: npx tsx bench/activation-gap.bench.ts [rounds, default 20] [hosts at once, default 1]
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppLogs } from '../src/agent/logs/app-logs.ts';
import { activateRelease } from '../src/agent/releases/activate-release.ts';
import { appPaths } from '../src/agent/releases/app-paths.ts';
import type { AppHostDeps } from '../src/agent/releases/start-app.ts';
import { LogSpool } from '../src/agent/spool/log-spool.ts';
import { AppSupervisors } from '../src/agent/supervisor/app-supervisors.ts';
import { freePort } from '../test/support/slipway-processes.ts';
import { median } from './bench-support.ts';

const rounds = Number(process.argv[2] ?? 20);
const parallel = Number(process.argv[3] ?? 1);
const app = 'pyapp';
const work = mkdtempSync(join(tmpdir(), 'slipway-activation-gap-'));
const run = { command: 'exec python3 app.py', port: 8000, healthPath: '/healthz', healthTimeoutMs: 20_000, stopTimeoutMs: 10_000 };

interface Host {
  deps: AppHostDeps;
  logs: AppLogs;
  spool: LogSpool;
}

const hosts: Host[] = [];
try {
  for (let h = 0; h < parallel; h++) {
    const root = join(work, `host-${h}`);
    for (const version of ['1-aaaaaaa', '2-bbbbbbb']) {
      const dir = appPaths(root, app).release(version);
      mkdirSync(dir, { recursive: true });
      copyFileSync(resolve(import.meta.dirname, 'ansible-compare-app.py'), join(dir, 'app.py'));
    }
    const spool = await LogSpool.open({ dir: join(root, 'spool') });
    const logs = new AppLogs({ root, spool });
    hosts.push({ spool, logs, deps: { root, host: `h${h}`, port: await freePort(), apps: new AppSupervisors(), logs, baseEnv: { PATH: process.env.PATH } } });
  }
  const activate = (host: Host, version: string) =>
    activateRelease(host.deps, { app, version, env: 'bench', run, runId: null, deploymentId: null, logs: [] });
  for (const outcome of await Promise.all(hosts.map((h) => activate(h, '1-aaaaaaa')))) {
    if (!outcome.ok) throw new Error(`activating 1-aaaaaaa: ${outcome.error}`);
  }

  const rows: { stop: number; gap: number; start: number; health: number; total: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const version = round % 2 === 0 ? '2-bbbbbbb' : '1-aaaaaaa';
    const marks = hosts.map((h) => readFileSync(appPaths(h.deps.root, app).stdoutLog, 'utf8').length);
    const began = Date.now();
    const ended = await Promise.all(hosts.map(async (h) => {
      const outcome = await activate(h, version);
      if (!outcome.ok) throw new Error(`activating ${version}: ${outcome.error}`);
      return Date.now();
    }));
    hosts.forEach((h, i) => {
      const text = readFileSync(appPaths(h.deps.root, app).stdoutLog, 'utf8').slice(marks[i]);
      const at = (word: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${word} at `));
        if (!line) throw new Error(`no "${word} at" line`);
        return Number(line.slice(word.length + 4));
      };
      rows.push({
        stop: at('exiting') - at('stopping'),
        gap: at('spawned') - at('exiting'),
        start: at('listening') - at('spawned'),
        health: ended[i]! - at('listening'),
        total: ended[i]! - began,
      });
    });
  }
  const show = (name: string, values: number[]) => `${name} ${median(values).toFixed(0)} ms (max ${Math.max(...values).toFixed(0)})`;
  console.log(`${rounds} rounds × ${parallel} hosts at once, medians:`);
  console.log([
    show('old app stops', rows.map((r) => r.stop)),
    show('old app exited → new app forked', rows.map((r) => r.gap)),
    show('new app starts', rows.map((r) => r.start)),
    show('listening → activation returned', rows.map((r) => r.health)),
    show('activation', rows.map((r) => r.total)),
  ].join('\n'));
} finally {
  for (const h of hosts) {
    await h.deps.apps.close();
    await h.logs.close();
    await h.spool.close();
  }
  rmSync(work, { recursive: true, force: true });
}
