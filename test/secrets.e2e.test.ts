// Secrets end to end (issue 7, item 6): set with `slipway secret set` (value on stdin), given to
// the app on the environment's hosts, to the environment's verify job, and (marked --build) to the
// build; each prints them as they are, in base64, as a JSON string and line by line. None of those
// forms can be found afterwards by `slipway logs`, the log search, the events or the API, nor in
// the database's commands, nor in the agents' spools (the agent masks before a line leaves the host). The printed lines are there, masked: the values did reach the processes.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { LogSearchAnswer, RunDetail, SecretAnswer } from '../src/core/api/answers.ts';
import type { SlipwayEvent } from '../src/core/model.ts';
import { cliEnv, runSlipway } from './support/slipway-processes.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const secrets = {
  BUILD_SECRET: 'build-Secret-Line-One\nbuild "quoted" second line\twith a tab\nthird-build-line',
  APP_SECRET: 'app-Secret-Line-One\napp "quoted" second line\twith a tab\nthird-app-line',
  OTHER_SECRET: 'other-secret-value-for-every-environment',
};

/** Every form the issue names, of every secret. */
const forms = Object.values(secrets).flatMap((value) => [
  value,
  ...value.split('\n'),
  Buffer.from(value).toString('base64'),
  Buffer.from(value).toString('base64').replace(/=+$/, ''),
  JSON.stringify(value).slice(1, -1),
  ...value.split('\n').map((line) => JSON.stringify(line).slice(1, -1)),
]);

const printSecret = `
const [label, name] = process.argv.slice(2);
const value = process.env[name];
if (value === undefined) {
  console.log('LEAK ' + label + ' ' + name + ' missing');
} else {
  console.log('LEAK ' + label + ' raw: ' + value);
  console.log('LEAK ' + label + ' base64: ' + Buffer.from(value).toString('base64'));
  console.log('LEAK ' + label + ' json: ' + JSON.stringify({ value }));
  for (const line of value.split('\\n')) console.log('LEAK ' + label + ' line: ' + line);
}
console.log('LEAK ' + label + ' OTHER_SECRET ' + (process.env.OTHER_SECRET ? 'present' : 'absent'));
`;

const slipwayYml = `app: hello
build:
  steps:
    - name: print the build secret
      run: node print-secret.js build BUILD_SECRET
  artifact: [server.js, greeting.js, package.json, print-secret.js]
run:
  command: node print-secret.js app APP_SECRET && exec node server.js
  port: 8080
  health:
    http: /healthz
    timeout: 10s
environments:
  testing:
    hosts: { env: testing }
    batch: 1
    verify:
      - name: print the verify secret
        run: node print-secret.js verify APP_SECRET
`;

describe('secrets', () => {
  const fleet = new TestFleet('secrets');

  const cli = (args: string[], stdin?: string) => runSlipway(args, { env: cliEnv(fleet.url, fleet.tokens.admin), ...(stdin === undefined ? {} : { stdin }) });
  const searchLogs = async (q: string) =>
    (await fleet.api.get<LogSearchAnswer>(`/api/v1/logs?q=${encodeURIComponent(q)}&limit=1000`)).lines;
  const leaked = (text: string) => forms.filter((form) => text.includes(form));

  beforeAll(async () => {
    await fleet.startServer();
    await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
    await fleet.startAgent({ name: 'testing-1', labels: 'env=testing', appPort: true });
    // The project first (its repository not there yet, so no run can start), then its secrets,
    // then the commit: the first run is sure to find them.
    await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
    for (const [name, args] of [['BUILD_SECRET', ['--build']], ['APP_SECRET', ['--env', 'testing']], ['OTHER_SECRET', []]] as const) {
      const set = await cli(['secret', 'set', 'hello', name, ...args], `${secrets[name]}\n`);
      expect(set, set.stderr).toMatchObject({ code: 0 });
    }
    fleet.initRepo((repo) => {
      writeFileSync(join(repo, 'print-secret.js'), printSecret);
      writeFileSync(join(repo, 'slipway.yml'), slipwayYml);
    });
  });

  afterAll(() => fleet.close());

  it('gives the app, the verify job and the build their secrets, and masks every form they print', async () => {
    await waitFor('run #1 through testing', async () => {
      const run = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1')).catch(() => undefined);
      if (run?.status === 'failed') throw new Error(`run #1 failed: ${run.error ?? JSON.stringify(run.stages)}`);
      return run?.status === 'succeeded';
    }, { timeoutMs: 120_000, intervalMs: 300 });
    const printed = await waitFor('the lines of the build, the verify job and the app', async () => {
      const lines = await searchLogs('LEAK');
      return ['build', 'verify', 'app'].every((label) => lines.some((l) => l.text.startsWith(`LEAK ${label} line:`))) ? lines : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    const texts = printed.map((l) => l.text);
    for (const label of ['build', 'verify', 'app']) {
      expect(texts).toContain(`LEAK ${label} raw: ***`);
      expect(texts).toContain(`LEAK ${label} base64: ***`);
      expect(texts).toContain(`LEAK ${label} json: {"value":"***"}`);
      expect(texts.filter((t) => t === `LEAK ${label} line: ***`)).toHaveLength(3);
    }
    // A build gets only secrets marked --build; the environment's processes get the project-wide ones too.
    expect(texts).toContain('LEAK build OTHER_SECRET absent');
    expect(texts).toContain('LEAK verify OTHER_SECRET present');
    expect(texts).toContain('LEAK app OTHER_SECRET present');
  });

  it('lets no form of a value be found by the log search, `slipway logs`, the events or the API', async () => {
    for (const form of forms) expect(await searchLogs(form), form).toEqual([]);
    const everything = (await fleet.api.get<LogSearchAnswer>('/api/v1/logs?limit=1000')).lines.map((l) => l.text).join('\n');
    expect(everything).toContain('***');
    expect(leaked(everything)).toEqual([]);

    const logs = await cli(['logs', '--limit', '1000']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('LEAK app raw: ***');
    expect(leaked(logs.stdout)).toEqual([]);
    const searched = await cli(['logs', 'LEAK', '--limit', '1000']);
    expect(leaked(searched.stdout)).toEqual([]);

    const events = await fleet.api.get<SlipwayEvent[]>('/api/v1/events?limit=1000');
    expect(events.filter((e) => e.kind === 'secret.set').map((e) => e.data.name)).toEqual(['BUILD_SECRET', 'APP_SECRET', 'OTHER_SECRET']);
    expect(leaked(JSON.stringify(events))).toEqual([]);

    const answers = await Promise.all([
      fleet.api.get(projectPath('hello', '/runs/1')),
      fleet.api.get(projectPath('hello', '/runs/1/log?limit=1000')),
      fleet.api.get(projectPath('hello', '/status')),
      fleet.api.get(projectPath('hello', '/secrets')),
      fleet.api.get('/api/v1/overview'),
    ]);
    expect(leaked(JSON.stringify(answers))).toEqual([]);
  });

  it('masks on the agent before a line leaves the host: its spool on disk holds the lines, masked', () => {
    for (const name of ['runner-1', 'testing-1']) {
      const dir = join(fleet.agent(name).root, 'spool');
      const spooled = readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
      expect(spooled, name).toContain(name === 'runner-1' ? 'LEAK verify raw: ***' : 'LEAK app raw: ***');
      expect(leaked(spooled), name).toEqual([]);
    }
  });

  it('lists names, never values, and stores only ciphertext and commands without values', async () => {
    const listed = await fleet.api.get<SecretAnswer[]>(projectPath('hello', '/secrets'));
    expect(listed.map(({ name, env, build }) => ({ name, env, build }))).toEqual([
      { name: 'APP_SECRET', env: 'testing', build: false },
      { name: 'BUILD_SECRET', env: null, build: true },
      { name: 'OTHER_SECRET', env: null, build: false },
    ]);
    const list = await cli(['secret', 'list', 'hello']);
    expect(list.stdout).toMatch(/APP_SECRET\s+testing\s+no/);
    expect(leaked(list.stdout)).toEqual([]);

    const db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true });
    try {
      const commands = db.prepare('select command, result from agent_commands').all();
      expect(commands.length).toBeGreaterThan(0);
      expect(leaked(JSON.stringify(commands))).toEqual([]);
      expect(leaked(JSON.stringify(db.prepare('select * from secrets').all()))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('removes a secret by name and environment, recording the change without its value', async () => {
    const missing = await cli(['secret', 'rm', 'hello', 'APP_SECRET']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has no secret APP_SECRET for every environment');
    const removed = await cli(['secret', 'rm', 'hello', 'APP_SECRET', '--env', 'testing']);
    expect(removed, removed.stderr).toMatchObject({ code: 0 });
    expect((await fleet.api.get<SecretAnswer[]>(projectPath('hello', '/secrets'))).map((s) => s.name)).toEqual(['BUILD_SECRET', 'OTHER_SECRET']);
    const events = await fleet.api.get<SlipwayEvent[]>('/api/v1/events?limit=1000');
    expect(events.find((e) => e.kind === 'secret.removed')).toMatchObject({ data: { name: 'APP_SECRET', env: 'testing' } });
  });
});
