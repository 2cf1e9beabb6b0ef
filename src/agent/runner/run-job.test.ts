import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../core/protocol/messages.ts';
import { lookUpJobUser } from './job-user.ts';
import { runJob } from './run-job.ts';
import type { JobLine, RunJobDeps } from './run-job.ts';
import { createTestRepo } from './test-git-repo.ts';
import type { TestRepo } from './test-git-repo.ts';
import { startTestJobServer } from './test-job-server.ts';
import type { TestJobServer } from './test-job-server.ts';

const TOKEN = 'agent_test-token';

let tmp: string;
let workRoot: string;
let repo: TestRepo;
let server: TestJobServer;
let lines: JobLine[];

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'slipway-runner-'));
  workRoot = join(tmp, 'work');
  repo = createTestRepo(
    join(tmp, 'repo'),
    { 'package.json': '{"name":"hello"}\n', 'src/main.js': 'console.log("hello")\n', 'README.md': '# hello\n' },
    { 'readme-link': 'README.md' },
  );
  server = await startTestJobServer(TOKEN, repo.archive);
  lines = [];
});

afterEach(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

function spec(overrides: Partial<JobSpec>): JobSpec {
  return {
    jobId: 'job-1',
    runId: 'run-1',
    deploymentId: null,
    kind: 'build',
    project: 'hello',
    sha: repo.sha,
    version: `7-${repo.sha.slice(0, 7)}`,
    sourcePath: server.sourcePath,
    steps: [],
    artifactPaths: [],
    env: {},
    ...overrides,
  };
}

function deps(extra: Partial<RunJobDeps> = {}): RunJobDeps {
  return { serverUrl: server.url, token: TOKEN, workRoot, onLine: (line) => lines.push(line), ...extra };
}

const texts = (): string[] => lines.map((line) => line.text);

async function entriesOf(tarGz: Buffer): Promise<Map<string, { type: string; content: string }>> {
  const entries = new Map<string, { type: string; content: string }>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => entries.set(entry.path, { type: entry.type, content: Buffer.concat(chunks).toString() }));
      },
    });
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(tarGz);
  });
  return entries;
}

/** Alive means running: a zombie nobody reaped has ended. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('runJob', () => {
  it('builds the exact commit and uploads an artifact holding exactly the declared paths, symlinks stored as files', async () => {
    const build = [
      'test -f src/main.js && test ! -e readme-link',
      'mkdir -p dist node_modules/tool node_modules/.bin',
      'cp src/main.js dist/app.js',
      'echo "$SLIPWAY_VERSION $SLIPWAY_SHA $SLIPWAY_RUN_ID $SLIPWAY_JOB_ID CI=$CI" > dist/version.txt',
      "printf 'tool cli' > node_modules/tool/cli.js",
      'ln -s ../tool/cli.js node_modules/.bin/tool',
      'echo not in the artifact > scratch.txt',
      'echo built',
    ].join(' && ');
    const result = await runJob(
      spec({ steps: [{ name: 'build', run: build, timeoutMs: 60_000 }], artifactPaths: ['dist/', 'node_modules', 'package.json'] }),
      deps(),
    );

    expect(result).toMatchObject({ ok: true });
    expect(server.uploads).toHaveLength(1);
    const upload = server.uploads[0]!;
    expect(upload.contentType).toBe('application/gzip');
    expect(result.artifact).toEqual({ sha256: createHash('sha256').update(upload.body).digest('hex'), size: upload.body.length });

    const entries = await entriesOf(upload.body);
    expect([...entries.keys()].sort()).toEqual([
      'dist/', 'dist/app.js', 'dist/version.txt',
      'node_modules/', 'node_modules/.bin/', 'node_modules/.bin/tool', 'node_modules/tool/', 'node_modules/tool/cli.js',
      'package.json',
    ]);
    expect([...entries.values()].every((e) => e.type === 'File' || e.type === 'Directory')).toBe(true);
    expect(entries.get('node_modules/.bin/tool')).toEqual({ type: 'File', content: 'tool cli' });
    expect(entries.get('dist/version.txt')?.content).toBe(`7-${repo.sha.slice(0, 7)} ${repo.sha} run-1 job-1 CI=true\n`);

    expect(lines).toContainEqual({ stream: 'job', text: `$ ${build}`, step: 'build' });
    expect(lines).toContainEqual({ stream: 'job', text: 'built', step: 'build' });
    expect(lines.some((l) => l.step === 'build' && /^exit 0 in \d/.test(l.text))).toBe(true);
    expect(texts()).toContain('skipped readme-link: a SymbolicLink; only files and folders are unpacked');
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('stops at the first failing step and reports its exit code, output and log tail', async () => {
    const result = await runJob(
      spec({
        steps: [
          { name: 'unit tests', run: 'echo checking; echo boom >&2; exit 3', timeoutMs: 60_000 },
          { name: 'never', run: 'echo should-not-run', timeoutMs: 60_000 },
        ],
        artifactPaths: ['package.json'],
      }),
      deps(),
    );

    expect(result).toMatchObject({ ok: false, error: "step 'unit tests' exited with code 3", exitCode: 3 });
    expect(result.logTail).toEqual(expect.arrayContaining(['checking', 'boom']));
    expect(result.logTail!.length).toBeLessThanOrEqual(30);
    expect(lines).toContainEqual({ stream: 'job', text: 'boom', step: 'unit tests' });
    expect(texts()).not.toContain('should-not-run');
    expect(server.uploads).toHaveLength(0);
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('keeps only the last 30 lines in the log tail', async () => {
    const result = await runJob(spec({ steps: [{ name: 'noisy', run: 'seq 1 100; exit 1', timeoutMs: 60_000 }] }), deps());

    expect(result.logTail).toHaveLength(30);
    expect(result.logTail).toContain('100');
    expect(result.logTail).not.toContain('50');
  });

  it('kills a step that runs past its time limit, with the processes it started', async () => {
    const pidFile = join(tmp, 'child.pid');
    const result = await runJob(
      spec({
        kind: 'verify',
        steps: [{ name: 'slow', run: 'sleep 300 & echo $! > "$PID_FILE"; wait', timeoutMs: 500 }],
        env: { PID_FILE: pidFile },
      }),
      deps(),
    );

    expect(result).toMatchObject({ ok: false, error: "step 'slow' timed out after 500ms", exitCode: null });
    expect(texts()).toContain("step 'slow' timed out after 500ms");
    const child = Number(await readFile(pidFile, 'utf8'));
    await waitUntil(async () => !(await isRunning(child)));
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('kills a step that ignores SIGTERM once the grace period is over', async () => {
    const pidFile = join(tmp, 'child.pid');
    const result = await runJob(
      spec({
        kind: 'verify',
        steps: [{ name: 'stubborn', run: `trap '' TERM; sleep 300 & echo $! > "$PID_FILE"; wait`, timeoutMs: 300 }],
        env: { PID_FILE: pidFile },
      }),
      deps({ killGraceMs: 200 }),
    );

    expect(result).toMatchObject({ ok: false, error: "step 'stubborn' timed out after 300ms" });
    const child = Number(await readFile(pidFile, 'utf8'));
    await waitUntil(async () => !(await isRunning(child)));
  });

  it('cancels the running step when the signal aborts', async () => {
    const controller = new AbortController();
    const result = await runJob(
      spec({ kind: 'verify', steps: [{ name: 'acceptance', run: 'echo started; sleep 300', timeoutMs: 60_000 }] }),
      deps({
        signal: controller.signal,
        onLine: (line) => {
          lines.push(line);
          if (line.text === 'started') controller.abort();
        },
      }),
    );

    expect(result).toMatchObject({ ok: false, error: "step 'acceptance' was cancelled" });
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('gives a verify job its spec.env and uploads nothing', async () => {
    const result = await runJob(
      spec({
        kind: 'verify',
        steps: [{ name: 'acceptance', run: 'echo "targets=$SLIPWAY_TARGETS ci=$CI"', timeoutMs: 60_000 }],
        env: { SLIPWAY_TARGETS: 'http://10.0.0.1:8080,http://10.0.0.2:8080' },
      }),
      deps(),
    );

    expect(result).toEqual({ ok: true });
    expect(lines).toContainEqual({ stream: 'job', text: 'targets=http://10.0.0.1:8080,http://10.0.0.2:8080 ci=true', step: 'acceptance' });
    expect(server.uploads).toHaveLength(0);
  });

  it('tells a migration job owned by a deployment its deployment, and no run', async () => {
    const result = await runJob(
      spec({
        kind: 'migrate',
        runId: null,
        deploymentId: 'dep-1',
        steps: [{ name: 'migrate', run: 'echo "deployment=$SLIPWAY_DEPLOYMENT_ID run=${SLIPWAY_RUN_ID-unset}."', timeoutMs: 60_000 }],
      }),
      deps(),
    );

    expect(result).toEqual({ ok: true });
    expect(lines).toContainEqual({ stream: 'job', text: 'deployment=dep-1 run=.', step: 'migrate' });
    expect(server.uploads).toHaveLength(0);
  });

  it('gives steps PATH, HOME in the workspace, LANG and the job\'s variables, and nothing of the agent\'s environment', async () => {
    process.env.SLIPWAY_JOIN_TOKEN = 'swj_the-agents-own-join-token';
    process.env.SLIPWAY_RUN_ID = 'inherited';
    try {
      const result = await runJob(
        spec({ kind: 'verify', steps: [{ name: 'env', run: 'env | cut -d= -f1 | sort; echo "home=$HOME"', timeoutMs: 60_000 }], env: { SLIPWAY_ENV: 'testing' } }),
        deps({ path: '/usr/bin:/bin' }),
      );

      expect(result).toEqual({ ok: true });
      const names = texts().filter((text) => /^[A-Z_]+$/.test(text));
      // sh itself adds PWD (and, in some shells, SHLVL and _).
      expect(names.filter((name) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(name))).toEqual([
        'CI', 'HOME', 'LANG', 'PATH', 'SLIPWAY_DEPLOYMENT_ID', 'SLIPWAY_ENV', 'SLIPWAY_JOB_ID', 'SLIPWAY_RUN_ID', 'SLIPWAY_SHA', 'SLIPWAY_VERSION',
      ]);
      expect(texts()).toContain(`home=${join(workRoot, 'job-1')}`);
    } finally {
      delete process.env.SLIPWAY_JOIN_TOKEN;
      delete process.env.SLIPWAY_RUN_ID;
    }
  });

  it.runIf(process.getuid?.() === 0)('runs the steps of a root agent as the job user, in a workspace that user owns', async () => {
    const nobody = lookUpJobUser('nobody');
    await chmod(tmp, 0o711); // mkdtemp made it 0700: the job user must pass through to its workspace
    const result = await runJob(
      spec({ steps: [{ name: 'who', run: 'echo "uid=$(id -u)"; stat -c "owner=%u" .; cat package.json && echo built > out.txt', timeoutMs: 60_000 }], artifactPaths: ['out.txt', 'package.json'] }),
      deps({ user: nobody }),
    );

    expect(result).toMatchObject({ ok: true });
    expect(texts()).toContain(`uid=${nobody.uid}`);
    expect(texts()).toContain(`owner=${nobody.uid}`);
    expect(texts()).toContain('{"name":"hello"}');
    expect(nobody.uid).not.toBe(0);
  });

  it.each([
    [['../outside'], "artifact path '../outside' escapes the workspace"],
    [['/etc/hostname'], "artifact path '/etc/hostname' is absolute; artifact paths are relative to the workspace"],
    [['missing/'], "artifact path 'missing/' does not exist in the workspace"],
    [['leak'], "artifact path 'leak' is a symlink to '/etc/hostname', outside the workspace"],
  ])('fails a build whose artifact paths %j cannot be packed', async (artifactPaths, error) => {
    const result = await runJob(
      spec({ steps: [{ name: 'link', run: 'ln -s /etc/hostname leak', timeoutMs: 60_000 }], artifactPaths }),
      deps(),
    );

    expect(result).toMatchObject({ ok: false, error });
    expect(server.uploads).toHaveLength(0);
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('fails with a clear error when the source cannot be downloaded', async () => {
    const result = await runJob(spec({ steps: [{ name: 'x', run: 'echo never', timeoutMs: 1000 }] }), deps({ token: 'wrong' }));

    expect(result).toMatchObject({ ok: false, error: 'downloading the source failed: HTTP 401 {"error":"bad token"}' });
    expect(texts()).not.toContain('never');
  });

  it('fails when the server stored a different artifact than the runner packed', async () => {
    server.lieAboutSha256 = '0'.repeat(64);
    const result = await runJob(spec({ artifactPaths: ['package.json'] }), deps());

    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^uploading the artifact failed: the server stored sha256 0{64} \(\d+ bytes\) but the runner packed [0-9a-f]{64}/);
  });

  it('refuses a job id that would name a folder outside the work root', async () => {
    const result = await runJob(spec({ jobId: '../escape' }), deps());

    expect(result).toMatchObject({ ok: false, error: "job id '../escape' cannot name a workspace folder" });
  });
});
