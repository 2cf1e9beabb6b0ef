// Activation end to end on one host: real artifacts, a real node app on 127.0.0.1, real health checks.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppRunSpec } from '../../core/protocol/messages.ts';
import { signalProcess } from '../process-signals.ts';
import { listGroupMembers, readProcInfo } from '../supervisor/proc-info.ts';
import { activateRelease } from './activate-release.ts';
import { useAppHost } from './app-host-fixture.ts';
import { updateAppState } from './app-state.ts';
import { startArtifactServer, type ArtifactServerFixture } from './artifact-server-fixture.ts';
import { deactivateApp } from './deactivate-app.ts';
import { listAppsOnHost } from './list-apps.ts';
import { prepareRelease } from './prepare-release.ts';
import { resumeApp } from './resume-app.ts';
import type { AppHostDeps } from './start-app.ts';

const token = 'agent_activate-test';
/** The run and deployment an activation belongs to, and the log files it declares. */
const activation = { runId: 'run-1', deploymentId: 'deployment-1', logs: [] as string[] };
const appSource = `
const http = require('node:http');
const fs = require('node:fs');
const mode = process.argv[2];
console.log('listening on ' + process.env.PORT);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    if (mode === 'unhealthy') console.error('boom: database unreachable');
    res.writeHead(mode === 'unhealthy' ? 500 : 200).end();
    return;
  }
  const pick = (names) => Object.fromEntries(names.map((n) => [n, process.env[n]]));
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pid: process.pid, release: fs.readFileSync('release.txt', 'utf8'),
    env: pick(['PORT', 'SLIPWAY_APP', 'SLIPWAY_VERSION', 'SLIPWAY_ENV', 'SLIPWAY_HOST', 'SLIPWAY_TOKEN']) }));
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

let server: ArtifactServerFixture;
let work: string;
let root: string;
let port: number;
const host = useAppHost('slipway-activate-', {
  baseEnv: { PATH: process.env.PATH, SLIPWAY_TOKEN: 'agent-secret' },
  backoff: { initialMs: 50, maxMs: 200 },
  healthIntervalMs: 50,
});

beforeAll(async () => {
  server = await startArtifactServer(token);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  ({ work, root, port } = host());
});

function deps(): AppHostDeps {
  return host().deps();
}

function runSpec(mode: string, extra: Partial<AppRunSpec> = {}): AppRunSpec {
  return { command: `exec "${process.execPath}" server.cjs ${mode}`, port: 1, healthPath: '/healthz', healthTimeoutMs: 10_000, stopTimeoutMs: 3_000, ...extra };
}

/** Packs a release with the system's tar, serves it and prepares it on the host. */
async function prepared(version: string): Promise<void> {
  const dir = path.join(work, `build-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'server.cjs'), appSource);
  await writeFile(path.join(dir, 'release.txt'), version);
  const file = path.join(work, `${version}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', dir, '.']);
  const data = readFileSync(file);
  server.put(`/a/${version}`, data);
  const outcome = await prepareRelease({
    root, app: 'hello', version, url: server.url(`/a/${version}`), token,
    sha256: createHash('sha256').update(data).digest('hex'), size: data.length,
  });
  expect(outcome.ok).toBe(true);
}

async function ask(): Promise<{ pid: number; release: string; env: Record<string, string | undefined> }> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return (await res.json()) as { pid: number; release: string; env: Record<string, string | undefined> };
}

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('activateRelease', () => {
  it('starts a prepared release that answers on its PORT with its environment', async () => {
    await prepared('1-aaaaaaa');
    const outcome = await activateRelease(deps(), { app: 'hello', version: '1-aaaaaaa', env: 'testing', ...activation, run: runSpec('ok') });
    expect(outcome).toMatchObject({ ok: true, previous: null });
    expect(outcome.logTail).toContain(`listening on ${port}`);
    const answer = await ask();
    expect(answer.release).toBe('1-aaaaaaa');
    expect(answer.env).toEqual({
      PORT: String(port), SLIPWAY_APP: 'hello', SLIPWAY_VERSION: '1-aaaaaaa', SLIPWAY_ENV: 'testing', SLIPWAY_HOST: 'web-1',
    });
    expect(answer.env).not.toHaveProperty('SLIPWAY_TOKEN');
    expect(await readlink(path.join(root, 'apps/hello/current'))).toBe('releases/1-aaaaaaa');
    expect(await listAppsOnHost(root)).toEqual([{ app: 'hello', current: '1-aaaaaaa', releases: ['1-aaaaaaa'] }]);
  });

  it('activates back to the previous version', async () => {
    const d = deps();
    await prepared('1-aaaaaaa');
    await prepared('2-bbbbbbb');
    const activate = (version: string) => activateRelease(d, { app: 'hello', version, env: 'testing', ...activation, run: runSpec('ok') });
    expect(await activate('1-aaaaaaa')).toMatchObject({ ok: true, previous: null });
    expect(await activate('2-bbbbbbb')).toMatchObject({ ok: true, previous: '1-aaaaaaa' });
    expect((await ask()).release).toBe('2-bbbbbbb');
    expect(await activate('1-aaaaaaa')).toMatchObject({ ok: true, previous: '2-bbbbbbb' });
    expect((await ask()).release).toBe('1-aaaaaaa');
  });

  it('answers a replayed activation without restarting the app', async () => {
    const d = deps();
    await prepared('1-aaaaaaa');
    await prepared('2-bbbbbbb');
    const activate = (version: string) => activateRelease(d, { app: 'hello', version, env: 'testing', ...activation, run: runSpec('ok') });
    await activate('1-aaaaaaa');
    expect(await activate('2-bbbbbbb')).toMatchObject({ ok: true, previous: '1-aaaaaaa' });
    const pid = (await ask()).pid;
    expect(await activate('2-bbbbbbb')).toMatchObject({ ok: true, previous: '1-aaaaaaa' });
    expect((await ask()).pid).toBe(pid);
  });

  it('restarts the app when it crashes', async () => {
    await prepared('1-aaaaaaa');
    await activateRelease(deps(), { app: 'hello', version: '1-aaaaaaa', env: 'testing', ...activation, run: runSpec('ok') });
    const first = (await ask()).pid;
    expect(signalProcess(first, 'SIGKILL')).toBe(true);
    const second = await until('a new process answers', async () => {
      const { pid } = await ask();
      return pid !== first ? pid : undefined;
    });
    expect(second).not.toBe(first);
  });

  it('reports a failing health check as step health with the app log tail', async () => {
    await prepared('1-aaaaaaa');
    const outcome = await activateRelease(deps(), {
      app: 'hello', version: '1-aaaaaaa', env: 'testing', ...activation, run: runSpec('unhealthy', { healthTimeoutMs: 800 }),
    });
    expect(outcome).toMatchObject({ ok: false, step: 'health', previous: null });
    expect(outcome.error).toMatch(/hello 1-aaaaaaa: no 2xx from http:\/\/127\.0\.0\.1:\d+\/healthz within 0\.8s \(last: HTTP 500\)/);
    expect(outcome.logTail).toContain('boom: database unreachable');
  });

  it('fails the health check at once when the app exits, with its exit code', async () => {
    await prepared('1-aaaaaaa');
    const started = Date.now();
    const outcome = await activateRelease(deps(), {
      app: 'hello', version: '1-aaaaaaa', env: 'testing', ...activation,
      run: runSpec('x', { command: 'echo "cannot open config" >&2; exit 2', healthTimeoutMs: 30_000 }),
    });
    expect(outcome).toMatchObject({ ok: false, step: 'health' });
    expect(outcome.error).toContain('the app exited with code 2 before');
    expect(outcome.logTail).toContain('cannot open config');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses to start where another process already listens, which would answer its health check', async () => {
    await prepared('6-fffffff');
    const squatter = createServer((socket) => socket.on('error', () => undefined).end());
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const outcome = await activateRelease(deps(), { app: 'hello', version: '6-fffffff', env: 'testing', ...activation, run: runSpec('ok') });
      expect(outcome).toMatchObject({ ok: false, step: 'activate' });
      expect(outcome.error).toContain(`port ${port} is already in use by another process`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('refuses to activate a release that was not prepared', async () => {
    const outcome = await activateRelease(deps(), { app: 'hello', version: '5-eeeeeee', env: 'testing', ...activation, run: runSpec('ok') });
    expect(outcome).toMatchObject({ ok: false, step: 'activate', previous: null });
    expect(outcome.error).toContain('release 5-eeeeeee of hello is not prepared');
  });
});

describe('deactivateApp', () => {
  it('stops the app and removes current, keeping the releases', async () => {
    const d = deps();
    await prepared('1-aaaaaaa');
    await activateRelease(d, { app: 'hello', version: '1-aaaaaaa', env: 'testing', ...activation, run: runSpec('ok') });
    const pid = (await ask()).pid;
    expect(await deactivateApp(d, 'hello')).toEqual({ ok: true, previous: '1-aaaaaaa' });
    expect(readProcInfo(pid)?.state ?? 'gone').toMatch(/gone|Z/);
    expect(await readdir(path.join(root, 'apps/hello'))).not.toContain('current');
    expect(await listAppsOnHost(root)).toEqual([{ app: 'hello', current: null, releases: ['1-aaaaaaa'] }]);
    expect(await deactivateApp(d, 'hello')).toMatchObject({ ok: true });
  });
});

describe('resumeApp', () => {
  it('stops what a crashed agent left behind and starts the current release again', async () => {
    await prepared('1-aaaaaaa');
    const before = deps();
    await activateRelease(before, { app: 'hello', version: '1-aaaaaaa', env: 'testing', ...activation, run: runSpec('ok') });
    await before.apps.close();
    const orphan = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    updateAppState(root, 'hello', (s) => {
      s.pid = orphan.pid!;
      s.pidStartTime = readProcInfo(orphan.pid!)!.startTime;
    });

    const outcome = await resumeApp(deps(), 'hello');
    expect(outcome).toMatchObject({ ok: true, version: '1-aaaaaaa' });
    expect(listGroupMembers(orphan.pid!)).toEqual([]);
    expect((await ask()).release).toBe('1-aaaaaaa');
  });
});
