// The `slipway` command as a person runs it: bin/slipway as a child process, its exit code and
// exactly what it prints for validate, --help, the server's tokens, and the usual mistakes
// (no SLIPWAY_URL, a wrong token), never a stack trace.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../src/base/ids.ts';
import { freePort, runSlipway, startSlipway, waitForHttp, type SlipwayProcess } from './support/slipway-processes.ts';
import { waitFor } from './support/wait-for.ts';

/** The environment of this test run without any SLIPWAY_* variable, plus `extra`. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SLIPWAY_')));
  return { ...env, ...extra };
}

/** Runs `bin/slipway ARGS` to its end. */
const slipway = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runSlipway(args, { env: cleanEnv(options.env), ...(options.cwd ? { cwd: options.cwd } : {}) });

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('slipway validate', () => {
  const project = join(dir, 'validate');
  beforeAll(() => mkdirSync(project));

  it('prints every problem of a broken slipway.yml as file:line:col: path: message and exits 1', async () => {
    writeFileSync(join(project, 'slipway.yml'), [
      'app: Hello World',
      'build:',
      '  steps:',
      '    - name: unit tests',
      '  artifact: [server.js]',
      'run:',
      '  command: node server.js',
      '  port: 8080',
      '  health:',
      '    http: healthz',
      '    timeout: soon',
      'environments:',
      '  testing:',
      '    hosts: {}',
      '    batch: 0',
      '  production:',
      '    after: staging',
      '    hosts: { env: production }',
      '',
    ].join('\n'));
    const ran = await slipway(['validate'], { cwd: project });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr.split('\n')).toEqual([
      'slipway.yml:1:6: app: expected a lowercase name of letters, digits and "-", starting with a letter',
      'slipway.yml:4:7: build.steps.0.run: missing required key "run"',
      'slipway.yml:10:11: run.health.http: expected a path starting with "/", e.g. /healthz',
      'slipway.yml:11:14: run.health.timeout: expected a duration like "500ms", "20s", "5m" or "1h"',
      'slipway.yml:14:12: environments.testing.hosts: expected at least one label, e.g. { env: testing }',
      'slipway.yml:15:12: environments.testing.batch: expected at least 1 host, or a percentage like "25%"',
      'slipway.yml:17:12: environments.production.after: no environment named "staging" (have: testing, production)',
      '7 problems in slipway.yml',
      '',
    ]);
  });

  it('says ok and exits 0 for the sample project\'s slipway.yml', async () => {
    const file = join(project, 'good.yml');
    writeFileSync(file, readFileSync(join(import.meta.dirname, '../examples/hello/slipway.yml')));
    const ran = await slipway(['validate', 'good.yml'], { cwd: project });
    expect(ran).toEqual({ code: 0, stdout: 'good.yml: ok (app hello, environments: testing, production)\n', stderr: '' });
  });

  it('shows the load balancer of an environment, and refuses one of a kind it does not drive', async () => {
    const sample = readFileSync(join(import.meta.dirname, '../examples/hello/slipway.yml'), 'utf8');
    const lb = '    loadBalancer:\n      haproxy: { on: { role: lb }, socket: /run/haproxy/admin.sock, backend: shop }\n';
    writeFileSync(join(project, 'lb.yml'), `${sample.trimEnd()}\n${lb}`);
    const ran = await slipway(['validate', 'lb.yml'], { cwd: project });
    expect(ran).toEqual({
      code: 0,
      stdout: 'lb.yml: ok (app hello, environments: testing, production)\n'
        + '  production: load balancer HAProxy, backend shop on /run/haproxy/admin.sock through the agents with role=lb, server "{host}", drain 30s\n',
      stderr: '',
    });
    const lines = sample.trimEnd().split('\n').length;
    writeFileSync(join(project, 'nginx.yml'), `${sample.trimEnd()}\n    loadBalancer:\n      nginx: { upstream: shop }\n`);
    expect(await slipway(['validate', 'nginx.yml'], { cwd: project })).toEqual({
      code: 1, stdout: '', stderr: `nginx.yml:${lines + 2}:7: environments.production.loadBalancer.nginx: unknown load balancer "nginx" (Slipway drives: haproxy)\n1 problem in nginx.yml\n`,
    });
  });

  it('prints an alias bomb as a problem with its line and column, no stack trace, and exits 1', async () => {
    const file = join(project, 'bomb.yml');
    writeFileSync(file, [
      'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      '',
    ].join('\n'));
    const ran = await slipway(['validate', 'bomb.yml'], { cwd: project });
    noStack(ran.stderr);
    expect(ran).toEqual({
      code: 1,
      stdout: '',
      stderr: 'bomb.yml:2:8: too many aliases: expanding them repeats values more than 100 times (an alias bomb?); write the values out instead\n1 problem in bomb.yml\n',
    });
  });

  it('says which file it cannot read and exits 1', async () => {
    const ran = await slipway(['validate', 'missing.yml'], { cwd: project });
    expect(ran).toEqual({ code: 1, stdout: '', stderr: 'slipway: cannot read missing.yml: no such file (run it where slipway.yml is, or pass its path)\n' });
  });
});

describe('slipway --help', () => {
  /** The names in the "Commands:" section of a help text, without commander's own `help`. */
  const commandsIn = (help: string): string[] => {
    const section = (help.split('\nCommands:\n')[1] ?? '').split('\n\n')[0]!;
    return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
  };

  it('shows an Example: section for every command and subcommand', async () => {
    const top = await slipway(['--help']);
    expect(top.code).toBe(0);
    const commands = commandsIn(top.stdout);
    expect(commands).toEqual(expect.arrayContaining(['up', 'server', 'agent', 'project', 'run', 'approve', 'deploy', 'rollback', 'status', 'validate']));

    const helps = await Promise.all(commands.map(async (name) => ({ path: [name], ran: await slipway([name, '--help']) })));
    const subcommands = helps.flatMap(({ path, ran }) => commandsIn(ran.stdout).map((sub) => [...path, sub]));
    expect(subcommands).toEqual(expect.arrayContaining([['project', 'add'], ['project', 'list']]));
    helps.push(...await Promise.all(subcommands.map(async (path) => ({ path, ran: await slipway([...path, '--help']) }))));

    for (const { path, ran } of helps) {
      const name = path.join(' ');
      expect(ran.code, name).toBe(0);
      expect(ran.stdout, name).toMatch(new RegExp(`\\nExample:\\n {2}slipway ${name}( |\\n)`));
    }
  });
});

describe('the CLI without a server to talk to', () => {
  it('says to set SLIPWAY_URL when it is not set, and exits 1', async () => {
    const ran = await slipway(['runs', 'hello'], { env: { SLIPWAY_TOKEN: 'swa_anything' } });
    expect(ran).toEqual({ code: 1, stdout: '', stderr: 'slipway: set SLIPWAY_URL to the server, e.g. export SLIPWAY_URL=http://127.0.0.1:7700\n' });
  });
});

describe('slipway server and its tokens', () => {
  const data = join(dir, 'server-data');
  const servers: SlipwayProcess[] = [];
  const projects = (url: string, token: string) => fetch(`${url}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } });
  const start = async (name: string, env: NodeJS.ProcessEnv) => {
    const port = await freePort();
    const server = startSlipway(dir, name, ['server', '--data', data, '--port', String(port), '--allow-local-repos'], { SLIPWAY_ADMIN_TOKEN: undefined, SLIPWAY_JOIN_TOKEN: undefined, SLIPWAY_DATABASE_URL: undefined, ...env });
    servers.push(server);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/api/v1/health`);
    return { server, url };
  };
  let fileToken = '';
  let envToken = '';
  let url = '';

  afterAll(async () => {
    for (const server of servers) await server.kill('SIGTERM');
  });

  it('creates admin-token and join-token with mode 0600 on first start and prints them', async () => {
    const first = await start('server-first', {});
    const printed = await waitFor('the tokens to be printed', () => /admin token: (\S+)\n\s+join token:\s+(\S+)\n/.exec(first.server.output()) ?? undefined);
    fileToken = readFileSync(join(data, 'admin-token'), 'utf8').trim();
    const joinToken = readFileSync(join(data, 'join-token'), 'utf8').trim();

    expect(printed.slice(1)).toEqual([fileToken, joinToken]);
    expect(fileToken).toMatch(/^swa_/);
    expect(joinToken).toMatch(/^swj_/);
    for (const file of ['admin-token', 'join-token']) expect(statSync(join(data, file)).mode & 0o777, file).toBe(0o600);
    expect(first.server.output()).toContain(`export SLIPWAY_URL=${first.url} SLIPWAY_TOKEN=${fileToken}`);
    expect((await projects(first.url, fileToken)).status).toBe(200);

    await first.server.kill('SIGTERM');
    expect(first.server.child.exitCode).toBe(0);
    expect(first.server.output()).toContain('store transactions committed: 0');
  });

  it('uses SLIPWAY_ADMIN_TOKEN instead of the file on a later start', async () => {
    envToken = newToken('swa');
    const second = await start('server-second', { SLIPWAY_ADMIN_TOKEN: envToken });
    url = second.url;

    expect((await projects(url, envToken)).status).toBe(200);
    const refused = await projects(url, fileToken);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'SLIPWAY_UNAUTHORIZED' } });
    expect(readFileSync(join(data, 'admin-token'), 'utf8').trim()).toBe(fileToken);
    expect(second.server.output()).not.toContain('admin token:');
  });

  it('says so and exits 1 when the port is taken, instead of hanging', async () => {
    const port = new URL(url).port;
    const ran = await slipway(['server', '--data', join(dir, 'other-data'), '--port', port]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(`slipway: 127.0.0.1:${port} is already in use (another slipway server?); choose another --port\n`);
  });

  it('refuses a crash point (a test setting) that is not a positive integer', async () => {
    const ran = await slipway(['server', '--data', join(dir, 'crash-data'), '--port', String(await freePort())], {
      env: { SLIPWAY_TEST_CRASH_AFTER_TRANSACTIONS: 'soon' },
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe('slipway: the crash point (a test setting) must be a positive integer, not "soon"\n');
  });

  it('answers a wrong token with a clear 401 message and exit code 1, not a stack', async () => {
    const wrong = await slipway(['project', 'list'], { env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: fileToken } });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toBe(`slipway: 401 Unauthorized from ${url}: a valid token is required (Authorization: Bearer …); ` +
      'check that SLIPWAY_TOKEN holds a token the server issued (the admin token in <data>/admin-token, or a user\'s token) and that it was not revoked\n');
    noStack(wrong.stderr);

    const right = await slipway(['project', 'list'], { env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: envToken } });
    expect(right).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('adds a user whose printed token does what their role allows, and nothing once revoked or removed', async () => {
    const admin = { SLIPWAY_URL: url, SLIPWAY_TOKEN: envToken };
    const added = await slipway(['user', 'add', 'ada', '--email', 'ada@example.com'], { env: admin });
    expect(added.code, added.stderr).toBe(0);
    const token = /\n(swu_\S+)\n/.exec(added.stdout)?.[1] ?? '';
    expect(token).not.toBe('');
    const ada = { SLIPWAY_URL: url, SLIPWAY_TOKEN: token };
    const refused = await slipway(['project', 'list'], { env: ada });
    expect(refused).toMatchObject({ code: 1, stderr: 'slipway: ada may not read projects, runs, deployments, events and logs (in any project)\n' });

    expect(await slipway(['grant', 'ada', 'viewer'], { env: admin })).toMatchObject({ code: 0, stdout: 'ada: viewer everywhere\n' });
    expect((await slipway(['project', 'list'], { env: ada })).code).toBe(0);
    const listed = await slipway(['user', 'list'], { env: admin });
    expect(listed.stdout).toMatch(/^ada\s+ada@example\.com\s+viewer everywhere; tokens: \S+\n$/);
    expect(listed.stdout).not.toContain(token);

    const second = await slipway(['token', 'create'], { env: ada });
    const [, id, other] = /^token (\S+) for ada \(shown only now\):\n(swu_\S+)\n$/.exec(second.stdout) ?? [];
    expect((await slipway(['token', 'revoke', id!], { env: ada })).stdout).toBe(`token ${id!} revoked\n`);
    expect((await projects(url, other!)).status).toBe(401);

    expect((await slipway(['user', 'rm', 'ada'], { env: admin })).code).toBe(0);
    expect((await projects(url, token)).status).toBe(401);
  });

  it('shows on the project, and in slipway status, why checking its repository fails', async () => {
    const missing = join(dir, 'no-such-repo.git');
    const headers = { authorization: `Bearer ${envToken}`, 'content-type': 'application/json' };
    const added = await fetch(`${url}/api/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'broken', repo: missing, poll: '1s' }) });
    expect(added.status).toBe(201);
    const project = await waitFor('the failed poll on the project', async () => {
      const answer = await (await fetch(`${url}/api/v1/projects/broken`, { headers })).json() as { pollError: { message: string; at: number } | null };
      return answer.pollError ?? undefined;
    });
    expect(project.message).toContain(`could not clone ${missing}`);

    const ran = await slipway(['status', 'broken'], { env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: envToken } });
    expect(ran.code).toBe(0);
    expect(ran.stdout.split('\n')[0]).toBe(`repository checks failing since ${new Date(project.at).toISOString()}: ${project.message.split('\n')[0]}`);
  });
});
