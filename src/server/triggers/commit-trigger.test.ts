// New commits of a real git repository becoming runs: a commit whose slipway.yml is hostile gets
// a failed run and never stops the commits after it; a check that fails is kept on the project.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Project } from '../../core/model.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog } from '../engine/event-log.ts';
import { GitMirrors } from '../git/git-mirrors.ts';
import { TestRepo, tempDir, testGitEnv } from '../git/git-test-repo.ts';
import { aliasBomb as aliasBombOf } from '../../core/pipeline/alias-bomb-fixture.ts';
import { CommitTrigger } from './commit-trigger.ts';
import { startPoller } from './poller.ts';

const goodConfig = `app: hello
build:
  steps:
    - run: make
  artifact: [dist]
run:
  command: node server.js
  health: { http: /healthz }
environments:
  production:
    after: testing
    hosts: { env: production }
  testing:
    hosts: { env: testing }
`;

const aliasBomb = aliasBombOf(6);

interface LogRecord {
  level: number;
  msg: string;
  project?: string;
}

let root: ReturnType<typeof tempDir>;
let repo: TestRepo;
let store: Store;
let logs: LogRecord[];
let log: Logger;
let now: number;
const clock = { now: () => now };

beforeEach(async () => {
  root = tempDir('commit-trigger');
  repo = TestRepo.create(root.path);
  store = await openSqliteStore(join(root.path, 'slipway.db'));
  logs = [];
  log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
  now = 1_000_000;
});
afterEach(async () => {
  await store.close();
  root.remove();
});

function triggerOver(over: Store = store): CommitTrigger {
  const mirrors = new GitMirrors({ dataDir: join(root.path, 'data'), env: testGitEnv, timeoutMs: 20_000 });
  return new CommitTrigger({ store: over, mirrors, events: new EventLog(over, clock), clock, log, onRuns: () => undefined });
}

async function addProject(repoUrl = repo.dir): Promise<Project> {
  return store.projects.create({ name: 'hello', repoUrl, branch: 'main', pollIntervalMs: 1000, webhookSecret: 's3cret-s3cret-s3cret' }, now);
}

async function project(): Promise<Project> {
  return (await store.projects.getByName('hello'))!;
}

async function eventKinds(): Promise<string[]> {
  return (await store.events.list({ limit: 100 })).map((e) => e.kind);
}

describe('CommitTrigger', () => {
  it('names the repository without its credentials when a run by hand asks for a branch it does not have', async () => {
    repo.commit('first', { 'slipway.yml': goodConfig });
    // The repository over git's "dumb" HTTP, at a URL with a git host's token in it, as a project may be added.
    const bare = join(root.path, 'served.git');
    execFileSync('git', ['clone', '--bare', '--quiet', repo.dir, bare], { env: testGitEnv });
    execFileSync('git', ['update-server-info'], { cwd: bare, env: testGitEnv });
    const server = createServer((request, response) => {
      const path = join(bare, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(/^\/repo\.git/, ''));
      if (!path.startsWith(bare)) return void response.writeHead(404).end();
      try {
        response.end(readFileSync(path));
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const token = 'ghp_gitHostToken0123456789';
      const project = await addProject(`http://bot:${token}@127.0.0.1:${port}/repo.git`);
      const refused = triggerOver().runRef(project, 'no-such-branch', 'dev');
      await expect(refused).rejects.toMatchObject({ code: 'SLIPWAY_REF_NOT_FOUND' });
      await expect(refused).rejects.toThrow(`no branch "no-such-branch" in http://bot:***@127.0.0.1:${port}/repo.git`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives an alias-bomb commit a failed run that shows the problem, and builds the commit after it', async () => {
    const trigger = triggerOver();
    repo.commit('first', { 'slipway.yml': goodConfig });
    await addProject();
    expect((await trigger.check(await project(), 'poll')).map((r) => r.number)).toEqual([1]);

    const bombSha = repo.commit('a hostile slipway.yml', { 'slipway.yml': aliasBomb });
    const fixSha = repo.commit('back to a good slipway.yml', { 'slipway.yml': goodConfig });
    const runs = await trigger.check(await project(), 'poll');

    expect(runs.map((r) => [r.number, r.sha, r.status])).toEqual([[2, bombSha, 'failed'], [3, fixSha, 'queued']]);
    expect(runs[0]?.config).toBeNull();
    expect(runs[0]?.error).toBe('slipway.yml:2:8: too many aliases: expanding them repeats values more than 100 times (an alias bomb?); write the values out instead');
    expect((await store.runs.stages(runs[1]!.id)).map((s) => s.name)).toEqual(['build', 'testing', 'production']);
    expect(runs[1]?.config?.build.steps).toEqual([{ name: 'make', run: 'make', timeoutMs: 600_000 }]);
    const created = (await store.events.list({ limit: 100 })).filter((e) => e.kind === 'run.created').map((e) => e.message);
    expect(created[1]).toContain('could not start: slipway.yml:2:8: too many aliases');
    expect((await project()).lastSeenSha).toBe(fixSha);
    expect((await project()).pollError).toBeNull();
  });

  it('creates one run for a commit that a webhook on one instance and the poller on another find at the same moment', async () => {
    repo.commit('first', { 'slipway.yml': goodConfig });
    await addProject();
    // Two instances, each with its trigger; the webhook's read the project and looked for a run of
    // the commit before the poller's stored its run.
    const before = await project();
    const poller = triggerOver();
    const webhook = triggerOver({
      ...store,
      projects: { ...store.projects, get: () => Promise.resolve(before) },
      runs: { ...store.runs, hasSha: () => Promise.resolve(false) },
    });
    const polled = await poller.check(await project(), 'poll');
    const pushed = await webhook.check(await project(), 'webhook');
    expect(polled.map((r) => r.number)).toEqual([1]);
    expect(pushed).toEqual([]);
    expect((await store.runs.list((await project()).id, 10)).map((r) => [r.number, r.trigger])).toEqual([[1, 'poll']]);
    expect((await eventKinds()).filter((kind) => kind === 'run.created')).toHaveLength(1);
    // A run by hand of the same commit is still made.
    expect((await poller.runRef(await project(), 'main', 'dev')).number).toBe(2);
  });

  it('gives a commit whose slipway.yml is too big a failed run saying so', async () => {
    repo.commit('huge', { 'slipway.yml': `${goodConfig}# ${'x'.repeat(300 * 1024)}\n` });
    await addProject();
    const [run] = await triggerOver().check(await project(), 'poll');
    expect(run?.status).toBe('failed');
    expect(run?.error).toBe('slipway.yml:1:1: the file is 301 KiB, more than the 256 KiB a slipway.yml may have');
  });

  it('keeps a failed fetch on the project with one project.poll_failed event, and clears it once a fetch works', async () => {
    const trigger = triggerOver();
    repo.commit('first', { 'slipway.yml': goodConfig });
    await addProject();
    renameSync(repo.dir, `${repo.dir}-gone`);

    expect(await trigger.check(await project(), 'poll')).toEqual([]);
    const failing = (await project()).pollError;
    expect(failing).toEqual({ message: expect.stringContaining(`could not clone ${repo.dir}`) as string, at: 1_000_000 });
    now += 5000;
    expect(await trigger.check(await project(), 'poll')).toEqual([]);
    expect((await project()).pollError?.at).toBe(1_000_000);
    expect(await eventKinds()).toEqual(['project.poll_failed']);
    expect(logs.filter((l) => l.level >= 50 && l.project === 'hello').map((l) => l.msg)).toEqual(['could not fetch the repository', 'could not fetch the repository']);

    renameSync(`${repo.dir}-gone`, repo.dir);
    expect((await trigger.check(await project(), 'poll')).map((r) => r.number)).toEqual([1]);
    expect((await project()).pollError).toBeNull();
    expect(await eventKinds()).toEqual(['project.poll_failed', 'run.created', 'project.poll_recovered']);
  });

  it('records a check that breaks on the project, and the poller logs it at error level with the project', async () => {
    repo.commit('first', { 'slipway.yml': goodConfig });
    await addProject();
    const broken: Store = { ...store, runs: { ...store.runs, hasSha: () => Promise.reject(new Error('database is locked')) } };
    const poller = startPoller({ store, trigger: triggerOver(broken), clock, log, checkEveryMs: 20 });
    try {
      await vi.waitFor(() => expect(logs.find((l) => l.msg === 'polling the repository failed')).toMatchObject({ level: 50, project: 'hello' }), { timeout: 10_000, interval: 20 });
    } finally {
      await poller.close();
    }
    expect((await project()).pollError).toEqual({ message: 'database is locked', at: 1_000_000 });
    expect(await eventKinds()).toEqual(['project.poll_failed']);
  });
});
